import { ConnectorLeases } from '#core/connector-lease';
import { OperatorState } from '#core/operator-state';
import { MINUTE_MS } from '#core/restart-budget';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';

const ORDERS = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-cdc' };
const KEY = 'env-p1/lkc-aws1/orders-cdc';
const HOUR_MS = 60 * MINUTE_MS;

function setup() {
  const clock = new FakeClock();
  const store = new MemoryStateStore();
  const leases = (owner: string) => new ConnectorLeases(store, clock, { owner, lockTtlMs: 900_000, retentionMs: 1e9 });
  const operator = new OperatorState(leases('cli'), clock, { maxAutoRestarts: 3, budgetRearmMs: 24 * HOUR_MS });
  return { clock, store, leases, operator };
}

describe('OperatorState: locks', () => {
  it('shows who holds a lock and until when, and clears it for that owner', async () => {
    // Prepare
    const { clock, leases, operator } = setup();
    await leases('request-1:abc').acquire(KEY, 'reload arn@v2', () => undefined);

    // Act
    const lock = await operator.lockOf(ORDERS);
    const cleared = await operator.unlock(ORDERS, 'request-1:abc');

    // Assess
    expect(lock).toEqual({
      owner: 'request-1:abc',
      operation: 'reload arn@v2',
      expiresAt: clock.now().getTime() + 900_000,
      active: true,
    });
    expect(cleared).toBe(true);
    expect(await operator.lockOf(ORDERS)).toBeUndefined();
  });

  it('says an expired lock no longer blocks anyone', async () => {
    // Prepare
    const { clock, leases, operator } = setup();
    await leases('request-1:abc').acquire(KEY, 'reload', () => undefined);
    clock.advance(900_001);

    // Act
    const lock = await operator.lockOf(ORDERS);

    // Assess
    expect(lock?.active).toBe(false);
  });
});

describe('OperatorState: restart budget', () => {
  it('shows a full budget for a connector never restarted automatically', async () => {
    // Act
    const budget = await setup().operator.budgetOf(ORDERS);

    // Assess
    expect(budget).toEqual({
      maxAutoRestarts: 3,
      streak: { count: 0, lastRestartAt: 0 },
      ifFailedNow: { action: 'restart', attempt: 1 },
    });
  });

  it('shows the backoff after the second automatic restart, then a spent budget with its re-arm time', async () => {
    // Prepare
    const { clock, store, operator } = setup();
    const now = clock.now().getTime();
    await store.write({ connectorKey: KEY, failureRestarts: { count: 2, lastRestartAt: now } }, null);

    // Act
    const waiting = await operator.budgetOf(ORDERS);
    await store.write({ connectorKey: KEY, failureRestarts: { count: 3, lastRestartAt: now, exhaustedAt: now } }, '1');
    const spent = await operator.budgetOf(ORDERS);

    // Assess
    expect(waiting.ifFailedNow).toEqual({ action: 'wait', until: now + 6 * MINUTE_MS });
    expect(spent.ifFailedNow).toEqual({ action: 'exhausted', rearmsAt: now + 24 * HOUR_MS });
  });

  it('resets a spent budget, keeping the rest of the record, so the next failure is restarted at once', async () => {
    // Prepare
    const { clock, store, operator } = setup();
    const now = clock.now().getTime();
    const spent = { count: 3, lastRestartAt: now, exhaustedAt: now };
    await store.write({ connectorKey: KEY, lastRestartAt: now, failureRestarts: spent }, null);

    // Act
    const result = await operator.resetBudget(ORDERS);

    // Assess
    expect(result).toEqual({ reset: true, previous: spent });
    const [record] = store.snapshot();
    expect(record?.failureRestarts).toBeUndefined();
    expect(record?.lastRestartAt).toBe(now);
    expect((await operator.budgetOf(ORDERS)).ifFailedNow).toEqual({ action: 'restart', attempt: 1 });
  });

  it('refuses to reset while an operation holds the lock, and says there is nothing to reset on a fresh budget', async () => {
    // Prepare
    const { clock, store, leases, operator } = setup();
    const now = clock.now().getTime();
    await store.write({ connectorKey: KEY, failureRestarts: { count: 1, lastRestartAt: now } }, null);
    await leases('request-2:def').acquire(KEY, 'recover failed (attempt 2)', () => undefined);

    // Act
    const locked = await operator.resetBudget(ORDERS);
    const fresh = await operator.resetBudget({ ...ORDERS, name: 'never-failed' });

    // Assess
    expect(locked).toEqual({ reset: false, reason: 'in-flight', holder: 'recover failed (attempt 2)' });
    expect(store.snapshot()[0]?.failureRestarts?.count).toBe(1);
    expect(fresh).toEqual({ reset: false, reason: 'nothing-to-reset' });
  });
});
