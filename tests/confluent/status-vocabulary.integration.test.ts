import { loadSettings } from '#config/settings';
import { createConfluentPlatform, StaticCredentials } from '#confluent/index';
import { ConnectorLeases } from '#core/connector-lease';
import { silentLogger } from '#core/ports';
import { RecoverFailedConnectors } from '#core/recover-failed-connectors';
import { MINUTE_MS } from '#core/restart-budget';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';

/**
 * Confluent's status vocabulary end to end: the real HTTP client and platform against the emulator, which speaks
 * SYSTEM_ERROR / USER_ACTIONABLE_ERROR / DEGRADED and shows the old state for a moment after a 202. The clock is
 * SIMULATED (one FakeClock drives the emulator and the reloader: a sleep advances it at once), so the shipped poll
 * interval (VERIFY_POLL_SECONDS, 10 s) is used as shipped and the figures are exact, not wall-clock measurements.
 */
const SHIPPED = loadSettings({});
const PAYMENTS_SINK = { environmentId: 'env-prod01', clusterId: 'lkc-pay01', name: 'payments-http-sink' };
const PAYMENTS_SINK_KEY = 'env-prod01/lkc-pay01/payments-http-sink';
const PAYMENTS_API_KEY = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments-api-key-Zx98Yw';
const TASK_MESSAGE = 'org.apache.kafka.connect.errors.ConnectException: HTTP 503 from https://payments.example/ledger';

let emulator: ConfluentEmulator;
/** The FakeClock, with a hook run after each sleep: lets a test change the world at a simulated instant. */
class SteppingClock extends FakeClock {
  onSleep: ((now: number) => void) | undefined;

  override async sleep(ms: number): Promise<void> {
    await super.sleep(ms);
    this.onSleep?.(this.now().getTime());
  }
}

let clock: SteppingClock;

beforeEach(async () => {
  clock = new SteppingClock(Date.parse('2026-12-01T09:00:00Z'));
  // Timings of the order of a real fully-managed connector's restart.
  emulator = await startConfluentEmulator({
    now: () => clock.now().getTime(),
    statusLagMs: 4_000,
    provisioningMs: 45_000,
    pauseMs: 15_000,
  });
});

afterEach(async () => {
  await emulator.close();
});

function recovery(store = new MemoryStateStore()) {
  const platform = createConfluentPlatform({
    credentials: new StaticCredentials('local-api-key', 'local-api-secret'),
    baseUrl: emulator.url,
    clock,
    scopes: [{ environmentId: 'env-prod01', clusterId: 'lkc-pay01' }],
    gate: { requestsPerSecond: Number.POSITIVE_INFINITY, maxConcurrent: 8 },
    pollIntervalMs: SHIPPED.verify.pollIntervalMs,
  });
  return new RecoverFailedConnectors(
    {
      platform,
      leases: new ConnectorLeases(store, clock, { owner: 'test', lockTtlMs: 15 * MINUTE_MS, retentionMs: 86_400_000 }),
      clock,
      logger: silentLogger,
    },
    {
      dryRun: false,
      maxAutoRestarts: SHIPPED.recovery.maxAutoRestarts,
      budgetRearmMs: SHIPPED.recovery.budgetRearmMs,
      maintenanceWindows: [],
      exclusions: [],
      restartConcurrency: SHIPPED.restartConcurrency,
      verify: SHIPPED.verify,
    },
  );
}

describe('status vocabulary against the emulator (simulated clock, shipped verification settings)', () => {
  it('reports a restart that comes back DEGRADED with a SYSTEM_ERROR task as failed, with its message, within 3 poll intervals', async () => {
    // Prepare: the connector failed; its restart brings two tasks back and leaves one awaiting a worker, then in error.
    emulator.control.failConnector(PAYMENTS_SINK_KEY, 'Connector failed', { taskOnly: true });
    emulator.control.setStartOutcome(PAYMENTS_SINK_KEY, {
      kind: 'degraded',
      failingTasks: [1],
      msg: TASK_MESSAGE,
      unassignedMs: 23_456,
    });
    const useCase = recovery();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: PAYMENTS_SINK },
    ]);

    // Assess
    const [outcome] = report.outcomes;
    expect(outcome).toMatchObject({ result: 'failed', attempt: 1, method: 'restart' });
    expect(outcome?.detail).toContain(TASK_MESSAGE);
    expect(outcome?.detail).toContain('SYSTEM_ERROR');
    expect(outcome?.finalStatus).toMatchObject({ state: 'DEGRADED' });
    const errorSince = emulator.control.connector(PAYMENTS_SINK_KEY).errorSince ?? Number.NaN;
    const reportedAfterMs = report.finishedAt.getTime() - errorSince;
    expect(reportedAfterMs).toBeGreaterThan(0);
    expect(reportedAfterMs).toBeLessThanOrEqual(3 * SHIPPED.verify.pollIntervalMs);
    console.info(
      `DEGRADED + SYSTEM_ERROR: reported failed ${reportedAfterMs / 1000} s (simulated) after the error appeared; poll interval ${SHIPPED.verify.pollIntervalMs / 1000} s`,
    );
  });

  it('sweeps a DEGRADED connector with a SYSTEM_ERROR task as failed and restarts it back to RUNNING', async () => {
    // Prepare
    emulator.control.failConnector(PAYMENTS_SINK_KEY, TASK_MESSAGE, { tasks: [2] });
    const useCase = recovery();

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(report.outcomes).toEqual([
      expect.objectContaining({ connector: PAYMENTS_SINK, result: 'restarted', attempt: 1 }),
    ]);
    expect(emulator.control.connector(PAYMENTS_SINK_KEY)).toMatchObject({ state: 'RUNNING', restarts: 1 });
  });

  it('reports a stale credential as failed with the USER_ACTIONABLE_ERROR message, not as timed-out', async () => {
    // Prepare: the secret rotates 20 s into the restart, so the credential the connector fetched at start is stale.
    emulator.control.failConnector(PAYMENTS_SINK_KEY, 'Connector failed', { taskOnly: true });
    const rotation = clock.now().getTime() + 20_000;
    clock.onSleep = (now) => {
      if (now >= rotation) emulator.control.rotateSecret(PAYMENTS_API_KEY, 'v2');
    };
    const useCase = recovery();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: PAYMENTS_SINK },
    ]);

    // Assess
    const [outcome] = report.outcomes;
    expect(outcome?.result).toBe('failed');
    expect(outcome?.detail).toContain('USER_ACTIONABLE_ERROR');
    expect(outcome?.detail).toContain('Authentication failed');
    expect(emulator.control.connector(PAYMENTS_SINK_KEY).heldVersions[PAYMENTS_API_KEY]).toBe('initial');
  });
});
