import { performance } from 'node:perf_hooks';
import type { Estate } from '#local/estate';
import { clusterScopes, ECONOMY } from './api-economy';
import { benchEstate, secretArn, spreadIndices } from './lib/bench-estate';
import { envInt, type Figure, figure, median } from './lib/figures';
import { type Attempt, roundTripDepth, startHarness } from './lib/reloader-harness';
import { naiveReload } from './naive-baseline';

/**
 * §3 Latency: from the event being handled until every restart is accepted, 50 ms on every emulator request, the
 * §2 estate. Compared with the naive sequential script (naive-baseline.ts) against the same emulator.
 */
const SECTION = '§3 Event → restarts accepted';
const LATENCY_MS = 50;
/**
 * The organisation's limit as the emulator reports it on every answer (X-RateLimit-*): 600 requests a minute, well
 * below what cold + warm spend at the tuned rate. Confluent publishes no numbers; with budget reported left, the
 * warm rotation need not wait for the process's own bucket to refill.
 */
const ORG_LIMIT = { rateLimitPerSecond: 10, rateLimitWindowSeconds: 60 } as const;
const RUNS = 5;
/** Enough concurrency and rate for 25 restarts to go out together; the defaults row shows the shipped settings. */
const TUNED = {
  CONFLUENT_RATE_LIMIT_PER_SECOND: '1000',
  CONFLUENT_MAX_CONCURRENCY: '32',
  RESTART_CONCURRENCY: '25',
  ROLLOUT: 'all-at-once',
};
/** The rows before rollout waves restart every connector together; the waves rows measure what a first wave costs. */
const ALL_AT_ONCE = { ROLLOUT: 'all-at-once' };
const DEFAULTS_LABEL = '20/s sustained, burst 50, 25 in flight, RESTART_CONCURRENCY=25, ROLLOUT=all-at-once';
const WAVES_LABEL = 'cluster scopes, tuned, ROLLOUT=waves (shipped: a first wave of 1, verified before the other 24)';

interface Run {
  readonly ms: number;
  readonly depth: number;
}

export async function latency(): Promise<Figure[]> {
  const arn = secretArn('prod/orders-db');
  const indices = spreadIndices(ECONOMY.affected, ECONOMY.affectedClusters, ECONOMY.connectorsPerCluster);
  const estate = benchEstate({ ...ECONOMY, references: new Map(indices.map((i) => [i, arn])) });

  // Scopes naming the clusters (no discovery), as in §2; the discovery variant is reported beside it.
  const scopes = { CONFLUENT_SCOPES: clusterScopes(estate) };
  const tuned = await measure(estate, arn, { ...TUNED, ...scopes }, RUNS);
  const discovering = await measure(estate, arn, TUNED, RUNS);
  const defaults = await measure(estate, arn, { ...scopes, ...ALL_AT_ONCE }, 1);
  const defaultsUnreported = await measure(estate, arn, { ...scopes, ...ALL_AT_ONCE }, 1, false);
  const waves = await measure(estate, arn, { ...TUNED, ...scopes, ROLLOUT: 'waves' }, RUNS);
  const baselineRuns = envInt('BENCH_BASELINE_RUNS', 1);
  const baseline: number[] = [];
  for (let run = 0; run < baselineRuns; run += 1) baseline.push(await naiveBaseline(estate, arn));
  const baselineMs = median(baseline);

  const figures: Figure[] = [
    figure(SECTION, 'naive sequential baseline', baselineMs, 'ms', undefined, `${baselineRuns} run(s)`),
  ];
  for (const [label, result] of [
    ['cluster scopes, tuned (rate 1000/s, 32 in flight, RESTART_CONCURRENCY=25)', tuned],
    ['no scopes (discovery), tuned', discovering],
    [`cluster scopes, shipped defaults (${DEFAULTS_LABEL})`, defaults],
    ['cluster scopes, shipped defaults, no X-RateLimit-* headers', defaultsUnreported],
  ] as const) {
    const held = label.includes('no X-RateLimit');
    for (const phase of ['cold', 'warm'] as const) {
      const runs = result[phase];
      const ms = median(runs.map((r) => r.ms));
      const depth = median(runs.map((r) => r.depth));
      const speedup = baselineMs / ms;
      figures.push(
        figure(SECTION, `${phase}, ${label}`, ms, 'ms', undefined, `median of ${runs.length}`),
        figure(SECTION, `${phase}, ${label}: speed-up vs baseline`, Number(speedup.toFixed(1)), '×', {
          goal: '≥ 10×',
          pass: speedup >= 10,
        }),
        figure(
          SECTION,
          `${phase}, ${label}: sequential round trips`,
          depth,
          'round trips',
          // Without the server's word on its budget, the warm run waits for the process's bucket: reported only.
          held ? undefined : { goal: '≤ 4', pass: depth <= 4 },
          held ? 'the server reports no budget: the process holds its own sustained rate' : undefined,
        ),
      );
    }
  }
  // The first wave's verification is on the critical path of every other restart: its cost, by phase.
  for (const phase of ['cold', 'warm'] as const) {
    const ms = median(waves[phase].map((r) => r.ms));
    const allAtOnce = median(tuned[phase].map((r) => r.ms));
    figures.push(
      figure(SECTION, `${phase}, ${WAVES_LABEL}`, ms, 'ms', undefined, `median of ${waves[phase].length}`),
      figure(SECTION, `${phase}, ${WAVES_LABEL}: cost over all-at-once`, ms - allAtOnce, 'ms', undefined, 'reported'),
    );
  }
  return figures;
}

async function measure(
  estate: Estate,
  arn: string,
  env: Record<string, string>,
  runs: number,
  reportsBudget = true,
): Promise<{ cold: Run[]; warm: Run[] }> {
  const cold: Run[] = [];
  const warm: Run[] = [];
  for (let run = 0; run < runs; run += 1) {
    const harness = await startHarness({ estate, env });
    harness.emulator.control.setFaults({ latencyMs: LATENCY_MS, ...(reportsBudget ? ORG_LIMIT : {}) });
    try {
      for (const [i, bucket] of [cold, warm].entries()) {
        harness.attempts.length = 0;
        const event = harness.rotation(arn, `v${run}-${i}`);
        const startMs = performance.now();
        await harness.reloader.forInvocation().execute(event);
        bucket.push(untilRestartsAccepted(harness.attempts, startMs));
      }
    } finally {
      await harness.close();
    }
  }
  return { cold, warm };
}

/** Time to the last accepted restart, and the call chain leading to it (status polls are not on that path). */
function untilRestartsAccepted(attempts: readonly Attempt[], startMs: number): Run {
  const restarts = attempts.filter((a) => a.operation === 'restart' && a.status === 202);
  const lastMs = Math.max(...restarts.map((a) => a.endMs));
  const path = attempts.filter((a) => a.operation !== 'get-status' && a.endMs <= lastMs);
  return { ms: Math.round(lastMs - startMs), depth: roundTripDepth(path) };
}

async function naiveBaseline(estate: Estate, arn: string): Promise<number> {
  const harness = await startHarness({ estate });
  harness.emulator.control.setFaults({ latencyMs: LATENCY_MS });
  try {
    const started = performance.now();
    const restarted = await naiveReload(harness.emulator.url, 'local-api-key', 'local-api-secret', arn);
    if (restarted !== ECONOMY.affected) throw new Error(`baseline restarted ${restarted}, not ${ECONOMY.affected}`);
    return Math.round(performance.now() - started);
  } finally {
    await harness.close();
  }
}
