import { ConnectorLeases } from '#core/connector-lease';
import {
  describePending,
  settlePendingByRestart,
  uncoveredPending,
  waitOnHolder,
  withoutCoveredPending,
} from '#core/pending-versions';
import type { ConnectorRecord, PendingVersion, StateStore } from '#core/ports';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';

const KEY = 'env-p1/lkc-aws1/orders-cdc';
const SECRET_KEY = 'aws:us-east-1:123456789012:prod/orders-db';
const OTHER_SECRET_KEY = 'aws:us-east-1:123456789012:prod/payments';
const T0 = Date.parse('2026-11-27T12:00:00.250Z');

function entry(version: string, becameCurrentAt: number, secret = 'prod/orders-db'): PendingVersion {
  return { secret, version, becameCurrentAt, since: becameCurrentAt + 100 };
}

function setup(store: StateStore = new MemoryStateStore()) {
  const clock = new FakeClock(T0);
  const options = { lockTtlMs: 900_000, retentionMs: 86_400_000 };
  const holder = new ConnectorLeases(store, clock, { owner: 'recovery-1', ...options });
  const rotation = new ConnectorLeases(store, clock, { owner: 'rotation-1', ...options });
  return { clock, store, holder, rotation };
}

describe('waitOnHolder', () => {
  it('records the version for the holder, keeping its lock, and says whose lock it waits on until when', async () => {
    // Prepare
    const { store, holder, rotation } = setup();
    await holder.acquire(KEY, 'recover failed (attempt 1)', () => undefined);

    // Act
    const wait = await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));

    // Assess
    expect(wait).toEqual({ kind: 'pending', holder: 'recover failed (attempt 1)', lockExpiresAt: T0 + 900_000 });
    const record = (await store.read(KEY))?.record;
    expect(record?.lock).toMatchObject({ owner: 'recovery-1', operation: 'recover failed (attempt 1)' });
    expect(record?.pendingVersions).toEqual({ [SECRET_KEY]: entry('v2', T0) });
  });

  it('writes nothing when the holder already restarted after the version became current', async () => {
    // Prepare
    const { store, holder, rotation, clock } = setup();
    await holder.acquire(KEY, 'recover failed (attempt 1)', () => undefined);
    clock.advance(2_000);
    await holder.update(KEY, (record) => ({ ...record, lastRestartAt: clock.now().getTime() }));
    const before = await store.read(KEY);

    // Act
    const wait = await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));

    // Assess
    expect(wait).toMatchObject({
      kind: 'covered',
      detail: expect.stringContaining('after the version became current'),
    });
    expect(await store.read(KEY)).toEqual(before);
  });

  it('counts a lock of another delivery of this same rotation as covering it: that delivery owns the outcome', async () => {
    // Prepare
    const { store, holder, rotation } = setup();
    await holder.acquire(KEY, 'reload prod/orders-db@v2', () => undefined);
    const before = await store.read(KEY);

    // Act
    const same = await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0), 'reload prod/orders-db@v2');
    const newer = await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v3', T0 + 1_000), 'reload prod/orders-db@v3');

    // Assess
    expect(same).toMatchObject({
      kind: 'covered',
      detail: expect.stringContaining('another delivery of this rotation'),
    });
    expect(newer).toMatchObject({ kind: 'pending', holder: 'reload prod/orders-db@v2' });
    expect((await store.read(KEY))?.record.pendingVersions).toEqual({ [SECRET_KEY]: entry('v3', T0 + 1_000) });
    expect(before?.record.pendingVersions).toBeUndefined();
  });

  it('says the lock is free when there is none, or it expired, and records nothing', async () => {
    // Prepare
    const { store, holder, rotation, clock } = setup();
    const onUnknown = await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));
    await holder.acquire(KEY, 'recover failed (attempt 1)', () => undefined);
    clock.advance(900_001);

    // Act
    const onExpired = await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));

    // Assess
    expect(onUnknown).toEqual({ kind: 'free' });
    expect(onExpired).toEqual({ kind: 'free' });
    expect((await store.read(KEY))?.record.pendingVersions).toBeUndefined();
  });

  it('keeps one entry per secret, the version that became current last, beside other secrets', async () => {
    // Prepare
    const { store, holder, rotation } = setup();
    await holder.acquire(KEY, 'reload prod/payments@v7', () => undefined);

    // Act
    await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));
    await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v3', T0 + 5_000));
    await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));
    await waitOnHolder(rotation, KEY, OTHER_SECRET_KEY, entry('p9', T0, 'prod/payments'));

    // Assess
    expect((await store.read(KEY))?.record.pendingVersions).toEqual({
      [SECRET_KEY]: entry('v3', T0 + 5_000),
      [OTHER_SECRET_KEY]: entry('p9', T0, 'prod/payments'),
    });
  });

  it('writes a version already recorded only when it is newer: a later time for it, or another version at the same time', async () => {
    // Prepare
    const { store, holder, rotation } = setup();
    await holder.acquire(KEY, 'reload prod/payments@v7', () => undefined);
    await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));
    const recorded = (await store.read(KEY))?.etag;

    // Act
    await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));
    const afterSame = (await store.read(KEY))?.etag;
    await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v3', T0));
    const sameInstant = (await store.read(KEY))?.record.pendingVersions?.[SECRET_KEY];
    await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v3', T0 + 2_000));

    // Assess
    expect(afterSame).toBe(recorded);
    expect(sameInstant).toEqual(entry('v3', T0));
    expect((await store.read(KEY))?.record.pendingVersions?.[SECRET_KEY]).toEqual(entry('v3', T0 + 2_000));
  });

  it('races a release: either the release carries the entry to the holder, or the rotation learns the lock is free', async () => {
    // Prepare: the holder's release lands between the rotation's read and its write (the write then conflicts).
    const inner = new MemoryStateStore();
    let releaseFirst: (() => Promise<void>) | undefined;
    const racing: StateStore = {
      read: (key) => inner.read(key),
      async write(record: ConnectorRecord, etag: string | null): Promise<boolean> {
        const release = releaseFirst;
        releaseFirst = undefined;
        if (release && record.pendingVersions) await release();
        return inner.write(record, etag);
      },
    };
    const released: ConnectorRecord[] = [];
    const clock = new FakeClock(T0);
    const options = { lockTtlMs: 900_000, retentionMs: 86_400_000 };
    const holder = new ConnectorLeases(racing, clock, {
      owner: 'recovery-1',
      ...options,
      onReleased: async (_key, record) => {
        released.push(record);
      },
    });
    const rotation = new ConnectorLeases(racing, clock, { owner: 'rotation-1', ...options });
    await holder.acquire(KEY, 'recover failed (attempt 1)', () => undefined);
    releaseFirst = () => holder.release(KEY);

    // Act
    const wait = await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));

    // Assess: the release did not see the entry, so the rotation must act itself, and nothing is left behind.
    expect(released).toEqual([expect.not.objectContaining({ pendingVersions: expect.anything() })]);
    expect(wait).toEqual({ kind: 'free' });
    expect((await inner.read(KEY))?.record).not.toHaveProperty('pendingVersions');
  });

  it('hands the entry to the holder when it is recorded before the release', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const released: ConnectorRecord[] = [];
    const clock = new FakeClock(T0);
    const options = { lockTtlMs: 900_000, retentionMs: 86_400_000 };
    const holder = new ConnectorLeases(store, clock, {
      owner: 'recovery-1',
      ...options,
      onReleased: async (_key, record) => {
        released.push(record);
      },
    });
    const rotation = new ConnectorLeases(store, clock, { owner: 'rotation-1', ...options });
    await holder.acquire(KEY, 'recover failed (attempt 1)', () => undefined);
    await waitOnHolder(rotation, KEY, SECRET_KEY, entry('v2', T0));

    // Act
    await holder.release(KEY);

    // Assess
    expect(released).toHaveLength(1);
    expect(released[0]?.lock).toBeUndefined();
    expect(released[0]?.pendingVersions).toEqual({ [SECRET_KEY]: entry('v2', T0) });
  });
});

describe('pending entries against the restarts on the record', () => {
  const record = (fields: Partial<ConnectorRecord>): ConnectorRecord => ({
    connectorKey: KEY,
    pendingVersions: { [SECRET_KEY]: entry('v2', T0), [OTHER_SECRET_KEY]: entry('p9', T0 + 10_000, 'prod/payments') },
    ...fields,
  });

  it('counts an entry covered by a restart accepted after the version became current, or by its applied version', () => {
    // Prepare
    const restartedBetween = record({ lastRestartAt: T0 + 5_000 });
    const appliedOther = record({ appliedVersions: { [OTHER_SECRET_KEY]: 'p9' } });
    const restartedBefore = record({ lastRestartAt: T0 - 1 });

    // Act
    const afterBetween = uncoveredPending(restartedBetween).map(([key]) => key);
    const afterApplied = uncoveredPending(appliedOther).map(([key]) => key);
    const afterBefore = uncoveredPending(restartedBefore).map(([key]) => key);

    // Assess
    expect(afterBetween).toEqual([OTHER_SECRET_KEY]);
    expect(afterApplied).toEqual([SECRET_KEY]);
    expect(afterBefore).toEqual([SECRET_KEY, OTHER_SECRET_KEY]);
  });

  it('does not count a restart in the same whole second as the version for covering it', () => {
    // Prepare: EventBridge times are whole seconds, so the version may have become current up to 999 ms later.
    const wholeSecond = Date.parse('2026-11-27T12:00:00Z');
    const sameSecond: ConnectorRecord = {
      connectorKey: KEY,
      lastRestartAt: wholeSecond + 500,
      pendingVersions: { [SECRET_KEY]: entry('v2', wholeSecond) },
    };

    // Act
    const left = uncoveredPending(sameSecond);

    // Assess
    expect(left.map(([key]) => key)).toEqual([SECRET_KEY]);
  });

  it('drops only the covered entries, and says when there is nothing to drop', () => {
    // Prepare
    const half = record({ lastRestartAt: T0 + 5_000 });
    const none = record({ lastRestartAt: T0 - 1 });

    // Act
    const tidied = withoutCoveredPending(half);
    const untouched = withoutCoveredPending(none);
    const all = withoutCoveredPending(record({ lastRestartAt: T0 + 20_000 }));

    // Assess
    expect(tidied?.pendingVersions).toEqual({ [OTHER_SECRET_KEY]: entry('p9', T0 + 10_000, 'prod/payments') });
    expect(untouched).toBeUndefined();
    expect(all).not.toHaveProperty('pendingVersions');
  });

  it('applies the versions a follow-up restart covers and keeps those that became current after it', () => {
    // Prepare
    const waiting = record({ appliedVersions: { [SECRET_KEY]: 'v1' }, lastRestartAt: T0 - 60_000 });

    // Act
    const settled = settlePendingByRestart(waiting, T0 + 5_000);

    // Assess
    expect(settled.lastRestartAt).toBe(T0 + 5_000);
    expect(settled.appliedVersions).toEqual({ [SECRET_KEY]: 'v2' });
    expect(settled.pendingVersions).toEqual({ [OTHER_SECRET_KEY]: entry('p9', T0 + 10_000, 'prod/payments') });
  });

  it('keeps the versions applied to other secrets, and counts a restart at the very instant a version became current as before it', () => {
    // Prepare: T0 is not a whole second, so the version became current exactly then.
    const waiting = record({ appliedVersions: { 'aws:us-east-1:123456789012:prod/other': 'o4' } });

    // Act
    const sameInstant = settlePendingByRestart(waiting, T0);
    const after = settlePendingByRestart(waiting, T0 + 1);

    // Assess
    expect(sameInstant.appliedVersions).toEqual({ 'aws:us-east-1:123456789012:prod/other': 'o4' });
    expect(Object.keys(sameInstant.pendingVersions ?? {})).toEqual([SECRET_KEY, OTHER_SECRET_KEY]);
    expect(after.appliedVersions).toEqual({ 'aws:us-east-1:123456789012:prod/other': 'o4', [SECRET_KEY]: 'v2' });
  });

  it('records no applied versions when the restart applied none it knew the version of', () => {
    // Prepare: the secret manager named no version.
    const { version: _unknown, ...versionless } = entry('v2', T0);
    const waiting: ConnectorRecord = { connectorKey: KEY, pendingVersions: { [SECRET_KEY]: versionless } };

    // Act
    const settled = settlePendingByRestart(waiting, T0 + 5_000);

    // Assess
    expect(settled).toEqual({ connectorKey: KEY, lastRestartAt: T0 + 5_000 });
    expect(settled).not.toHaveProperty('appliedVersions');
  });

  it('describes pending entries as secret@version, a version-less one as current', () => {
    // Prepare
    const { version: _unknown, ...versionless } = entry('v2', T0, 'prod/payments');

    // Act
    const text = describePending([
      [SECRET_KEY, entry('v2', T0)],
      [OTHER_SECRET_KEY, versionless],
    ]);

    // Assess
    expect(text).toBe('prod/orders-db@v2, prod/payments@current');
  });
});
