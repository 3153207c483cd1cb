import { ConnectorLeases } from '#core/connector-lease';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';

const KEY = 'env-p1/lkc-x1/orders-cdc';

function leases(store: MemoryStateStore, clock: FakeClock, owner: string) {
  return new ConnectorLeases(store, clock, { owner, lockTtlMs: 60_000, retentionMs: 86_400_000 });
}

describe('ConnectorLeases', () => {
  it('lets exactly one of many concurrent callers take the lock', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const callers = Array.from({ length: 10 }, (_, i) => leases(store, clock, `owner-${i}`));

    // Act
    const results = await Promise.all(callers.map((lease) => lease.acquire(KEY, 'reload', () => undefined)));

    // Assess
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    expect(results.filter((r) => !r.acquired && r.inFlight)).toHaveLength(9);
  });

  it('lets a new owner take over an expired lock', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    await leases(store, clock, 'crashed').acquire(KEY, 'reload', () => undefined);
    clock.advance(60_001);

    // Act
    const result = await leases(store, clock, 'next').acquire(KEY, 'reload', () => undefined);

    // Assess
    expect(result.acquired).toBe(true);
  });

  it('refuses with the reason the guard gives, evaluated on the stored record', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const lease = leases(store, clock, 'a');
    await lease.acquire(KEY, 'reload', () => undefined);
    await lease.release(KEY, (record) => ({ ...record, lastRestartAt: 42 }));

    // Act
    const result = await leases(store, clock, 'b').acquire(KEY, 'reload', (record) =>
      record?.lastRestartAt === 42 ? 'already done' : undefined,
    );

    // Assess
    expect(result).toEqual({ acquired: false, inFlight: false, refusal: 'already done' });
  });

  it('releases only its own lock and records the update', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const lease = leases(store, clock, 'a');
    await lease.acquire(KEY, 'reload', () => undefined);

    // Act
    await lease.update(KEY, (record) => ({ ...record, lastRestartAt: 7 }));
    const whileHeld = await lease.read(KEY);
    await lease.release(KEY);
    const afterRelease = await lease.read(KEY);

    // Assess
    expect(whileHeld?.lock?.owner).toBe('a');
    expect(afterRelease?.lock).toBeUndefined();
    expect(afterRelease?.lastRestartAt).toBe(7);
    expect(afterRelease?.expiresAt).toBe(clock.now().getTime() + 86_400_000);
  });

  it('breaks the lock of the owner it names, keeping the rest of the record', async () => {
    // Prepare: an invocation took the lock, recorded a restart, and died.
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const crashed = leases(store, clock, 'crashed');
    await crashed.acquire(KEY, 'reload', () => undefined);
    await crashed.update(KEY, (record) => ({ ...record, lastRestartAt: 7 }));

    // Act
    const cleared = await leases(store, clock, 'operator').breakLock(KEY, 'crashed');

    // Assess
    expect(cleared).toBe(true);
    const record = await crashed.read(KEY);
    expect(record?.lock).toBeUndefined();
    expect(record?.lastRestartAt).toBe(7);
    expect((await leases(store, clock, 'next').acquire(KEY, 'reload', () => undefined)).acquired).toBe(true);
  });

  it('leaves a lock alone that another owner took over, or that is gone, since the operator looked', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    await leases(store, clock, 'crashed').acquire(KEY, 'reload', () => undefined);
    clock.advance(60_001);
    await leases(store, clock, 'successor').acquire(KEY, 'reload', () => undefined);

    // Act
    const takenOver = await leases(store, clock, 'operator').breakLock(KEY, 'crashed');
    const absent = await leases(store, clock, 'operator').breakLock('env-p1/lkc-x1/other', 'crashed');

    // Assess
    expect(takenOver).toBe(false);
    expect(absent).toBe(false);
    expect((await store.read(KEY))?.record.lock?.owner).toBe('successor');
  });
});

describe('ConnectorLeases bookkeeping', () => {
  it('keeps a record for the retention period after each write, and a lock for its TTL', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const now = clock.now().getTime();

    // Act
    const result = await leases(store, clock, 'me').acquire(KEY, 'reload', () => undefined);
    clock.advance(1_000);
    await leases(store, clock, 'me').release(KEY);

    // Assess
    expect(result).toMatchObject({
      acquired: true,
      record: { lock: { owner: 'me', operation: 'reload', expiresAt: now + 60_000 }, expiresAt: now + 86_400_000 },
    });
    expect(store.snapshot()).toEqual([{ connectorKey: KEY, expiresAt: now + 1_000 + 86_400_000 }]);
  });

  it('takes a lock expiring this very millisecond as expired', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    await leases(store, clock, 'crashed').acquire(KEY, 'reload', () => undefined);
    clock.advance(60_000);

    // Act
    const result = await leases(store, clock, 'next').acquire(KEY, 'reload', () => undefined);

    // Assess
    expect(result.acquired).toBe(true);
  });

  it('updateIf writes and says so only when the update changes something, keeping the lock', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    const mine = leases(store, clock, 'me');
    await mine.acquire(KEY, 'reload', () => undefined);

    // Act
    const unchanged = await mine.updateIf(KEY, () => undefined);
    const changed = await mine.updateIf(KEY, (record) => ({ ...record, lastRestartAt: 5 }));

    // Assess
    expect([unchanged, changed]).toEqual([false, true]);
    expect(store.snapshot()[0]).toMatchObject({ lastRestartAt: 5, lock: { owner: 'me' } });
  });

  it('release drops only its own lock, never one another owner took over', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const clock = new FakeClock();
    await leases(store, clock, 'crashed').acquire(KEY, 'reload', () => undefined);
    clock.advance(60_001);
    await leases(store, clock, 'next').acquire(KEY, 'recover', () => undefined);

    // Act
    await leases(store, clock, 'crashed').release(KEY);

    // Assess
    expect(store.snapshot()[0]?.lock).toMatchObject({ owner: 'next', operation: 'recover' });
  });

  it('gives up after a bounded number of lost compare-and-set rounds, naming the connector', async () => {
    // Prepare: a store where every write loses the race.
    const store = new MemoryStateStore();
    let writes = 0;
    const contended = {
      read: (key: string) => store.read(key),
      write: async () => {
        writes += 1;
        return false;
      },
    };
    const lease = new ConnectorLeases(contended, new FakeClock(), { owner: 'me', lockTtlMs: 1, retentionMs: 1 });

    // Act
    const acquiring = lease.acquire(KEY, 'reload', () => undefined);
    await expect(acquiring).rejects.toThrow(`could not take the lock on ${KEY}: too many concurrent writers`);
    const acquireWrites = writes;
    const updating = lease.update(KEY, (record) => record);

    // Assess
    await expect(updating).rejects.toThrow(`could not update the record of ${KEY}: too many concurrent writers`);
    await expect(updating).rejects.toMatchObject({ name: 'StateConflictError' });
    expect([acquireWrites, writes]).toEqual([8, 16]);
  });
});
