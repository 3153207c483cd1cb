import { createConfluentPlatform, StaticCredentials } from '#confluent/index';
import { ConnectorLeases } from '#core/connector-lease';
import { silentLogger } from '#core/ports';
import { RecoverFailedConnectors } from '#core/recover-failed-connectors';
import type { RecoveryReport } from '#core/recovery-report';
import { MINUTE_MS } from '#core/restart-budget';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';

const KEY = 'env-prod01/lkc-orders1/orders-cdc';
const MAX_AUTO_RESTARTS = 7;

describe('restart storm: a connector that fails every minute for 3 simulated hours', () => {
  let emulator: ConfluentEmulator;
  const clock = new FakeClock(Date.parse('2026-11-28T00:00:00Z'));
  const start = clock.now().getTime();

  beforeAll(async () => {
    emulator = await startConfluentEmulator({ now: () => clock.now().getTime(), provisioningMs: 20_000 });
  });

  afterAll(async () => {
    await emulator.close();
  });

  it('restarts exactly on the Strimzi schedule, stops at the cap, and alerts once', async () => {
    // Prepare
    emulator.control.setAlwaysFails(KEY, true);
    emulator.control.failConnector(KEY, 'Login failed for user orders');
    const platform = createConfluentPlatform({
      credentials: new StaticCredentials('local-api-key', 'local-api-secret'),
      baseUrl: emulator.url,
      clock,
      scopes: [{ environmentId: 'env-prod01', clusterId: 'lkc-orders1' }],
      gate: { requestsPerSecond: Number.POSITIVE_INFINITY, maxConcurrent: 8 },
    });
    const reports: RecoveryReport[] = [];
    const useCase = new RecoverFailedConnectors(
      {
        platform,
        leases: new ConnectorLeases(new MemoryStateStore(), clock, {
          owner: 'storm',
          lockTtlMs: 15 * MINUTE_MS,
          retentionMs: 86_400_000,
        }),
        clock,
        logger: silentLogger,
        outcomes: {
          name: 'recorded',
          deliver: async (outcome) => {
            if (outcome.kind === 'recovery') reports.push(outcome.report);
          },
        },
      },
      {
        dryRun: false,
        maxAutoRestarts: MAX_AUTO_RESTARTS,
        budgetRearmMs: 0,
        maintenanceWindows: [],
        exclusions: [],
        restartConcurrency: 4,
        verify: { timeoutMs: 5 * MINUTE_MS, pollIntervalMs: 10_000, settleMs: 0 },
      },
    );
    emulator.control.resetRequests();

    // Act: a failure notification every minute for 180 minutes.
    for (let minute = 0; minute < 180; minute++) {
      const now = clock.now().getTime();
      clock.advance(start + minute * MINUTE_MS - now);
      await useCase.onFailureReported([
        {
          kind: 'connector-failed',
          source: 'test',
          connector: { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' },
        },
      ]);
    }

    // Assess
    const restartMinutes = emulator.control
      .requests()
      .filter((r) => r.method === 'POST' && r.path.endsWith('/orders-cdc/restart'))
      .map((r) => (r.at - start) / MINUTE_MS);
    expect(restartMinutes).toEqual([0, 2, 8, 20, 40, 70, 112]);
    const alerts = reports.flatMap((r) => r.outcomes).filter((o) => o.alert);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ reason: 'budget-exhausted', connector: { name: 'orders-cdc' } });
    expect(alerts[0]?.detail).toContain('7 automatic restart(s)');
    const calls = emulator.control.requestCount();
    // Bounded API use: one list call per notification plus, per restart, the restart and a few status polls.
    expect(calls).toBeLessThan(180 * 2 + 7 * 10);
    console.info(
      `restart storm: ${restartMinutes.length} restarts at minutes ${restartMinutes.join(', ')}; ${calls} Confluent API calls in 180 notifications`,
    );
  });
});
