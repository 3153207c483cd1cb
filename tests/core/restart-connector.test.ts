import { ConnectorLeases } from '#core/connector-lease';
import { silentLogger } from '#core/ports';
import { RestartConnector } from '#core/restart-connector';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';
import { FakePlatform, status } from '#test-helpers/fake-platform';

const ORDERS = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-cdc' };
const KEY = 'env-p1/lkc-aws1/orders-cdc';
const VERIFY = { timeoutMs: 60_000, pollIntervalMs: 1_000, settleMs: 10_000 };

function setup(options: { dryRun?: boolean; state?: string } = {}) {
  const clock = new FakeClock();
  const store = new MemoryStateStore();
  const platform = new FakePlatform()
    .addCluster({ environmentId: 'env-p1', clusterId: 'lkc-aws1', cloud: 'aws' })
    .addConnector(ORDERS, {}, options.state ?? 'RUNNING');
  const leases = (owner: string) => new ConnectorLeases(store, clock, { owner, lockTtlMs: 600_000, retentionMs: 1e9 });
  const useCase = new RestartConnector(
    { platform, leases: leases('cli'), clock, logger: silentLogger },
    { dryRun: options.dryRun ?? false, verify: VERIFY },
  );
  return { clock, store, platform, leases, useCase };
}

describe('RestartConnector', () => {
  it('restarts under the lock, records the restart and releases the lock once verified RUNNING', async () => {
    // Prepare
    const { useCase, platform, store, clock } = setup();
    const startedAt = clock.now().getTime();

    // Act
    const outcome = await useCase.execute(ORDERS, 'alice@laptop');

    // Assess
    expect(outcome).toMatchObject({ result: 'restarted', method: 'restart', stateBefore: 'RUNNING' });
    expect(platform.restarts).toEqual([KEY]);
    const [record] = store.snapshot();
    expect(record?.lock).toBeUndefined();
    expect(record?.lastRestartAt).toBe(startedAt);
    expect(record?.failureRestarts).toBeUndefined();
  });

  it('skips a connector whose lock another operation holds, naming that operation', async () => {
    // Prepare
    const { useCase, platform, leases } = setup();
    await leases('lambda-request-1').acquire(KEY, 'recover failed (attempt 1)', () => undefined);

    // Act
    const outcome = await useCase.execute(ORDERS, 'alice@laptop');

    // Assess
    expect(outcome).toMatchObject({
      result: 'skipped',
      reason: 'in-flight',
      detail: 'another operation on this connector is in flight (recover failed (attempt 1))',
    });
    expect(platform.restarts).toEqual([]);
  });

  it('names the operator in the lock others meet while it runs', async () => {
    // Prepare: verification sees PROVISIONING first, and another invocation looks at the lock then.
    const { useCase, platform, leases } = setup();
    let seenByOthers: string | undefined;
    const getStatus = platform.getStatus.bind(platform);
    platform.getStatus = async (ref) => {
      if (platform.restarts.length > 0 && seenByOthers === undefined) {
        const taken = await leases('other').acquire(KEY, 'reload', () => undefined);
        seenByOthers = taken.acquired ? 'acquired' : taken.inFlight ? taken.holder : taken.refusal;
      }
      return getStatus(ref);
    };

    // Act
    await useCase.execute(ORDERS, 'alice@laptop');

    // Assess
    expect(seenByOthers).toBe('manual restart by alice@laptop');
  });

  it('leaves a PAUSED connector alone', async () => {
    // Prepare
    const { useCase, platform, store } = setup({ state: 'PAUSED' });

    // Act
    const outcome = await useCase.execute(ORDERS, 'alice@laptop');

    // Assess
    expect(outcome).toMatchObject({ result: 'skipped', reason: 'paused', stateBefore: 'PAUSED' });
    expect(platform.restarts).toEqual([]);
    expect(store.snapshot()).toEqual([]);
  });

  it('reports FAILED with the trace and releases the lock', async () => {
    // Prepare
    const { useCase, platform, store } = setup();
    platform.scriptAfterRestart(ORDERS, [status('PROVISIONING', []), status('FAILED', ['FAILED'], 'auth failed')]);

    // Act
    const outcome = await useCase.execute(ORDERS, 'alice@laptop');

    // Assess
    expect(outcome).toMatchObject({ result: 'failed', detail: 'auth failed' });
    expect(store.snapshot()[0]?.lock).toBeUndefined();
  });

  it('releases the lock and records no restart when the restart is refused', async () => {
    // Prepare
    const { useCase, platform, store } = setup();
    platform.restartError = new Error('403 Forbidden');

    // Act
    const outcome = await useCase.execute(ORDERS, 'alice@laptop');

    // Assess
    expect(outcome).toMatchObject({ result: 'restart-error', detail: '403 Forbidden' });
    expect(store.snapshot().every((r) => r.lock === undefined && r.lastRestartAt === undefined)).toBe(true);
  });

  it('DRY_RUN says it would restart and calls no mutating API', async () => {
    // Prepare
    const { useCase, platform, store } = setup({ dryRun: true });

    // Act
    const outcome = await useCase.execute(ORDERS, 'alice@laptop');

    // Assess
    expect(outcome).toMatchObject({ result: 'skipped', reason: 'dry-run' });
    expect(platform.calls.filter((call) => call.startsWith('restart'))).toEqual([]);
    expect(store.snapshot()).toEqual([]);
  });
});
