import { performance } from 'node:perf_hooks';
import { benchEstate, secretArn } from './lib/bench-estate';
import { envInt, type Figure, figure } from './lib/figures';
import { startHarness } from './lib/reloader-harness';

/**
 * §4 Burst: N distinct rotations (default 1,000) spread over 10 s, each affecting one connector, against an emulator
 * that answers 429 above 10 requests/s. Each rotation needs at least a restart and a status poll, so the floor is
 * about 2·N / 10 seconds (≈ 200 s for 1,000): set BENCH_BURST_ROTATIONS to shrink it for a quick check.
 */
const SECTION = '§4 Burst';
const RATE_LIMIT = 10;
const SPREAD_MS = 10_000;
const CLUSTERS = 20;
const PER_CLUSTER = 100;
/** A hard stop, so a stuck run ends the bench instead of hanging it. */
const DEADLINE_MS = 15 * 60_000;

export async function burst(): Promise<Figure[]> {
  const rotations = Math.min(envInt('BENCH_BURST_ROTATIONS', 1000), CLUSTERS * PER_CLUSTER);
  // Rotation i's secret is referenced by connector i * stride: spread over every cluster.
  const stride = Math.floor((CLUSTERS * PER_CLUSTER) / rotations);
  const arns = Array.from({ length: rotations }, (_, i) => secretArn(`burst/secret-${i}`));
  const estate = benchEstate({
    clusters: CLUSTERS,
    connectorsPerCluster: PER_CLUSTER,
    references: new Map(arns.map((arn, i) => [i * stride, arn])),
  });
  const harness = await startHarness({
    estate,
    provisioningMs: 200,
    // The client is configured for the limit it is given; the emulator still throttles every window it overruns.
    env: {
      CONFLUENT_RATE_LIMIT_PER_SECOND: String(RATE_LIMIT),
      VERIFY_TIMEOUT_SECONDS: '900',
      VERIFY_POLL_SECONDS: '1',
      // A lock must outlast the pause wait plus verification (a start-up rule): 120 + 900 s.
      LOCK_TTL_SECONDS: '1200',
    },
  });
  harness.emulator.control.setFaults({ rateLimitPerSecond: RATE_LIMIT });
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 100);
  try {
    const started = performance.now();
    const runs = arns.map(
      (arn, i) =>
        new Promise<{ restarted: number; errors: string[] }>((resolve) => {
          setTimeout(
            () => {
              harness.reloader
                .forInvocation()
                .execute(harness.rotation(arn, 'v2'))
                .then(
                  (report) =>
                    resolve({
                      restarted: report.outcomes.filter((o) => o.result === 'restarted').length,
                      errors: report.outcomes.filter((o) => o.result !== 'restarted').map((o) => o.detail ?? o.result),
                    }),
                  (error: Error) => resolve({ restarted: 0, errors: [error.message] }),
                );
            },
            Math.floor((i * SPREAD_MS) / rotations),
          );
        }),
    );
    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      deadline = setTimeout(() => resolve('timeout'), DEADLINE_MS);
    });
    const results = await Promise.race([Promise.all(runs), timedOut]);
    clearTimeout(deadline);
    if (results === 'timeout') throw new Error(`burst did not finish within ${DEADLINE_MS / 60_000} min`);
    const wallMs = performance.now() - started;
    const requests = harness.emulator.control.requests();
    const throttled = requests.filter((r) => r.status === 429).length;
    const answered = requests.length - throttled;
    const restarted = results.reduce((sum, r) => sum + r.restarted, 0);
    const errors = results.flatMap((r) => r.errors);
    const surfaced429 = errors.filter((e) => /429|rate/i.test(e)).length;
    const floorS = answered / RATE_LIMIT;
    return [
      figure(SECTION, 'rotations handled', rotations, 'rotations', undefined, 'distinct secrets, 1 connector each'),
      figure(SECTION, 'restarts completed (RUNNING verified)', restarted, 'restarts', {
        goal: `= ${rotations}`,
        pass: restarted === rotations,
      }),
      figure(
        SECTION,
        '429s surfaced as errors',
        surfaced429,
        'errors',
        { goal: '0', pass: surfaced429 === 0 && errors.length === 0 },
        `${throttled} 429s absorbed by retries; ${errors.length} failed outcomes`,
      ),
      figure(
        SECTION,
        'wall time',
        Math.round(wallMs / 100) / 10,
        's',
        undefined,
        `floor: ${answered} calls / ${RATE_LIMIT} per s = ${floorS.toFixed(1)} s`,
      ),
      figure(
        SECTION,
        'Confluent calls answered (excl. 429)',
        answered,
        'calls',
        undefined,
        `${(answered / rotations).toFixed(2)} per rotation`,
      ),
      figure(SECTION, 'peak RSS (bench process, emulator included)', Math.round(peakRss / 1048576), 'MB'),
      figure(SECTION, 'peak heap used', Math.round(peakHeap / 1048576), 'MB'),
    ];
  } finally {
    clearInterval(sampler);
    await harness.close();
  }
}
