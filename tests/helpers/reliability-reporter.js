// Prints the reliability suite's figures as one table at the end of `npm run test:reliability`.
const { existsSync, readFileSync, rmSync } = require('node:fs');
const path = require('node:path');
const Table = require('cli-table3');

const FIGURES_FILE = path.resolve(__dirname, '../../.reliability/figures.jsonl');

class ReliabilityReporter {
  onRunStart() {
    rmSync(FIGURES_FILE, { force: true });
  }

  onRunComplete() {
    if (!existsSync(FIGURES_FILE)) return;
    const figures = readFileSync(FIGURES_FILE, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
    const table = new Table({ head: ['scenario', 'figure', 'value'], style: { head: [], border: [] } });
    for (const { scenario, figure, value } of figures) table.push([scenario, figure, String(value)]);
    process.stderr.write(
      `\nReliability figures (${process.env.RELIABILITY === 'full' ? 'full run' : 'fast subset'}):\n${table.toString()}\n`,
    );
  }
}
module.exports = ReliabilityReporter;
