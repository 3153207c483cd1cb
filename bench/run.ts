import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import Table from 'cli-table3';
import { apiEconomy } from './api-economy';
import { burst } from './burst';
import { burstProcesses } from './burst-processes';
import { coalescing } from './coalescing';
import { coldStart } from './cold-start';
import { latency } from './latency';
import type { Figure } from './lib/figures';
import { providerIntegrationUsages } from './provider-integration-usages';
import { scale } from './scale';

/**
 * `npm run bench`: every scenario of issue 7 in one run, one table, and bench/results.json. Not part of CI.
 * BENCH_ONLY=cold,economy,latency,burst,burst-processes,scale,usages,coalescing runs a subset; see each scenario for its
 * size knobs.
 */
const SCENARIOS: Record<string, () => Promise<Figure[]>> = {
  cold: coldStart,
  economy: apiEconomy,
  latency,
  burst,
  'burst-processes': burstProcesses,
  scale,
  usages: providerIntegrationUsages,
  coalescing,
};

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
  };
  const figures: Figure[] = [];
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    if (only && !only.includes(name)) continue;
    const started = Date.now();
    process.stderr.write(`bench: ${name}…\n`);
    figures.push(...(await scenario()));
    process.stderr.write(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }

  const table = new Table({
    head: ['Section', 'Figure', 'Value', 'Goal', 'Result', 'Note'],
    wordWrap: true,
    colWidths: [18, 48, 16, 11, 8, 44],
    // No ANSI colours when the table goes to a file or a pipe.
    ...(process.stdout.isTTY ? {} : { style: { head: [], border: [] } }),
  });
  for (const f of figures) {
    const result = f.pass === undefined ? '' : f.pass ? 'pass' : 'MISS';
    table.push([f.section, f.name, `${f.value} ${f.unit}`, f.goal ?? '', result, f.note ?? '']);
  }
  console.log(`${machine.cpu}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}, ${machine.date}`);
  console.log(table.toString());
  const file = path.join(__dirname, 'results.json');
  writeFileSync(file, `${JSON.stringify({ machine, figures }, null, 2)}\n`);
  console.log(`written ${path.relative(process.cwd(), file)}`);
  const missed = figures.filter((f) => f.pass === false).length;
  if (missed > 0) console.log(`${missed} goal(s) missed`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
