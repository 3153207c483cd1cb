import type { RecoverySummary } from '#app/recovery-summary';
import { lambdaContext } from '#local/lambda-invoker';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';
import { recordFigure } from './figures';
import { leaks } from './support/canaries';
import { acceptedRestarts } from './support/confluent-log';
import { type ReliabilityStack, startReliabilityStack } from './support/reliability-stack';

/**
 * Scenario: 100 FAILED connectors in one scheduled sweep, through the real `sweepFailedConnectors` Lambda (Confluent
 * emulator, state on dynalite), time scaled down: a start takes PROVISIONING_MS, verification may take
 * VERIFY_TIMEOUT_SECONDS, the function has FUNCTION_TIMEOUT_SECONDS. With RESTART_CONCURRENCY=25, a sweep that held a
 * restart slot through each verification would need 4 waves of a start each, past the function's time; verifying
 * outside the restart limit, every restart goes out at once and the sweep ends in about one start. A sweep handed
 * less time than one restart needs begins none: every connector is `out-of-time`, unlocked, and the next sweep
 * recovers them all. Same size in the fast subset and the full run: it takes seconds.
 */
const SCENARIO = '100 FAILED connectors in one sweep';
const FAILED = 100;
const PROVISIONING_MS = 6_000;
const VERIFY_TIMEOUT_SECONDS = 10;
const FUNCTION_TIMEOUT_SECONDS = 22;

let stack: ReliabilityStack;
let output: ReturnType<typeof captureProcessOutput>;
/** The 100 connectors on the AWS clusters, and the 100 on the Azure ones (the second sweep's, fresh budgets). */
let awsKeys: string[];
let azureKeys: string[];

beforeAll(async () => {
  output = captureProcessOutput();
  // Each of 80 AWS secrets is read by one connector, every fourth by two: 100 connectors on the AWS clusters.
  stack = await startReliabilityStack({ count: 80, provisioningMs: PROVISIONING_MS });
  awsKeys = stack.generated.aws.flatMap((secret) => secret.connectors);
  azureKeys = stack.generated.azure.flatMap((secret) => secret.connectors);
}, 60_000);

afterAll(async () => {
  output?.restore();
  await stack?.close();
});

function fail(keys: readonly string[]): void {
  for (const key of keys) stack.confluent.control.failConnector(key, 'Login failed for user "svc"');
  stack.confluent.control.resetRequests();
}

const SWEEP_ENV = {
  RESTART_METHOD: 'restart',
  RESTART_CONCURRENCY: '25',
  VERIFY_TIMEOUT_SECONDS: String(VERIFY_TIMEOUT_SECONDS),
  VERIFY_POLL_SECONDS: '0.5',
  LOCK_TTL_SECONDS: '60',
  FUNCTION_TIMEOUT_SECONDS: String(FUNCTION_TIMEOUT_SECONDS),
  LOG_LEVEL: 'warn',
};

async function sweep(timeoutMs: number): Promise<{ summary: RecoverySummary; ms: number }> {
  const { sweepFailedConnectors } = stack.loadAwsRecoveryHandlers(SWEEP_ENV);
  const started = Date.now();
  const summary = (await sweepFailedConnectors({ time: new Date().toISOString() }, lambdaContext(timeoutMs))) as
    | RecoverySummary
    | undefined;
  if (!summary) throw new Error('the sweep returned nothing');
  return { summary, ms: Date.now() - started };
}

const results = (summary: RecoverySummary) => {
  const counts: Record<string, number> = {};
  for (const outcome of summary.outcomes) {
    const key = outcome.reason ? `${outcome.result}:${outcome.reason}` : outcome.result;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

describe(`${SCENARIO} (start ${PROVISIONING_MS / 1000} s, verification ≤ ${VERIFY_TIMEOUT_SECONDS} s, function ${FUNCTION_TIMEOUT_SECONDS} s)`, () => {
  it('restarts and verifies all of them within the function timeout', async () => {
    // Prepare
    fail(awsKeys);

    // Act
    const { summary, ms } = await sweep(FUNCTION_TIMEOUT_SECONDS * 1000);

    // Assess
    expect(results(summary)).toEqual({ restarted: FAILED });
    expect(ms).toBeLessThan(FUNCTION_TIMEOUT_SECONDS * 1000);
    const requests = stack.confluent.control.requests();
    expect([...acceptedRestarts(requests).values()]).toEqual(awsKeys.map(() => 1));
    const restarts = requests.filter((r) => r.path.endsWith('/restart') && r.status === 202);
    const views = awsKeys.map((key) => stack.confluent.control.connector(key));
    expect(views.filter((view) => view.state === 'RUNNING')).toHaveLength(FAILED);
    // Every restart went out in the first start, not in 4 waves of RESTART_CONCURRENCY (≥ 3 starts apart). Most of
    // the spread is dynalite: each restart takes a lock, 3 to 4 state writes.
    const spreadMs = Math.max(...restarts.map((r) => r.at)) - Math.min(...restarts.map((r) => r.at));
    expect(spreadMs).toBeLessThan(2 * PROVISIONING_MS);
    expect(leaks({ summary: JSON.stringify(summary), output: output.text() })).toEqual({ summary: [], output: [] });
    recordFigure(SCENARIO, 'restarted and verified RUNNING', `${summary.outcomes.length} / ${FAILED}`);
    recordFigure(
      SCENARIO,
      'sweep wall time (function timeout)',
      `${(ms / 1000).toFixed(1)} s (${FUNCTION_TIMEOUT_SECONDS} s)`,
    );
    recordFigure(SCENARIO, 'first to last restart accepted', `${spreadMs} ms (a start takes ${PROVISIONING_MS} ms)`);
    recordFigure(SCENARIO, 'Confluent calls', stack.confluent.control.requestCount());
  }, 60_000);

  it('begins no restart that could not be verified in the time left; the next sweep recovers every one', async () => {
    // Prepare: half a verification timeout is all the first sweep is given.
    fail(azureKeys);

    // Act
    const short = await sweep((VERIFY_TIMEOUT_SECONDS * 1000) / 2);
    const afterShort = acceptedRestarts(stack.confluent.control.requests()).size;
    const next = await sweep(FUNCTION_TIMEOUT_SECONDS * 1000);

    // Assess
    expect(results(short.summary)).toEqual({ 'skipped:out-of-time': FAILED });
    expect(afterShort).toBe(0);
    expect(results(next.summary)).toEqual({ restarted: FAILED });
    expect(next.ms).toBeLessThan(FUNCTION_TIMEOUT_SECONDS * 1000);
    recordFigure(SCENARIO, `sweep given ${VERIFY_TIMEOUT_SECONDS / 2} s: out-of-time, restarts`, `${FAILED}, 0`);
    recordFigure(SCENARIO, 'next sweep: restarted', `${FAILED} in ${(next.ms / 1000).toFixed(1)} s`);
  }, 60_000);
});
