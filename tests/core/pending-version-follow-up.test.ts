import { ConnectorLeases } from '#core/connector-lease';
import { connectorKey } from '#core/connector-ref';
import type { OutcomeReport } from '#core/outcome-report';
import { FOLLOW_UP_TRIGGER, PendingVersionFollowUp } from '#core/pending-version-follow-up';
import { waitOnHolder } from '#core/pending-versions';
import { type Logger, silentLogger } from '#core/ports';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';
import { FakePlatform, status } from '#test-helpers/fake-platform';

const ORDERS = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-cdc' };
const KEY = connectorKey(ORDERS);
const SECRET_KEY = 'aws:us-east-1:123456789012:prod/orders-db';
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const VERIFY = { timeoutMs: 60_000, pollIntervalMs: 1_000, settleMs: 5_000 };

function setup(logger: Logger = silentLogger) {
  const clock = new FakeClock(Date.parse('2026-11-27T12:00:00.250Z'));
  const store = new MemoryStateStore();
  const platform = new FakePlatform()
    .addCluster({ environmentId: 'env-p1', clusterId: 'lkc-aws1', cloud: 'aws', kind: 'Dedicated' })
    .addConnector(ORDERS, {});
  const reported: OutcomeReport[] = [];
  const options = { lockTtlMs: 900_000, retentionMs: 86_400_000 };
  const followUp = new PendingVersionFollowUp(
    {
      platform,
      leases: new ConnectorLeases(store, clock, { owner: 'recovery-1:follow-up', ...options }),
      clock,
      logger,
      outcomes: {
        name: 'recording',
        deliver: async (outcome) => {
          reported.push(outcome);
        },
      },
    },
    { verify: VERIFY },
  );
  const holder = new ConnectorLeases(store, clock, {
    owner: 'recovery-1',
    ...options,
    onReleased: (key, released) => followUp.afterRelease(key, released),
  });
  const rotation = new ConnectorLeases(store, clock, { owner: 'rotation-1', ...options });
  /** The holder locks and restarts the connector; a rotation then waits on it for a version current since `at`. */
  async function holderRestartsThenRotationWaits(restartAt: number, versionAt: number) {
    await holder.acquire(KEY, 'recover failed (attempt 1)', () => undefined);
    await holder.update(KEY, (record) => ({ ...record, lastRestartAt: restartAt }));
    return waitOnHolder(rotation, KEY, SECRET_KEY, {
      secret: SECRET,
      version: 'v2',
      becameCurrentAt: versionAt,
      since: versionAt,
    });
  }
  return { clock, store, platform, reported, holder, holderRestartsThenRotationWaits };
}

describe('PendingVersionFollowUp: the holder re-checks what waited on its lock', () => {
  it('restarts once more for a version that became current after its own restart, and reports it as the rotation', async () => {
    // Prepare
    const { clock, store, platform, reported, holder, holderRestartsThenRotationWaits } = setup();
    const now = clock.now().getTime();
    const wait = await holderRestartsThenRotationWaits(now, now + 2_000);
    clock.advance(30_000);

    // Act
    await holder.release(KEY);

    // Assess
    expect(wait.kind).toBe('pending');
    expect(platform.restarts).toEqual([KEY]);
    const record = (await store.read(KEY))?.record;
    expect(record?.lock).toBeUndefined();
    expect(record?.pendingVersions).toBeUndefined();
    expect(record?.appliedVersions).toEqual({ [SECRET_KEY]: 'v2' });
    expect(record?.lastRestartAt).toBeGreaterThan(now + 2_000);
    expect(reported).toEqual([
      {
        kind: 'rotation',
        report: expect.objectContaining({
          trigger: FOLLOW_UP_TRIGGER,
          secret: SECRET,
          version: 'v2',
          outcomes: [expect.objectContaining({ connector: ORDERS, result: 'restarted', method: 'restart' })],
        }),
      },
    ]);
  });

  it('only drops the entry when its own restart, accepted after the version became current, covers it', async () => {
    // Prepare: the rotation waits before the holder's restart is accepted, which is then after the version.
    const { clock, store, platform, reported, holder } = setup();
    const now = clock.now().getTime();
    await holder.acquire(KEY, 'recover failed (attempt 1)', () => undefined);
    const rotation = new ConnectorLeases(store, clock, { owner: 'rotation-1', lockTtlMs: 900_000, retentionMs: 1 });
    await waitOnHolder(rotation, KEY, SECRET_KEY, { secret: SECRET, version: 'v2', becameCurrentAt: now, since: now });
    await holder.update(KEY, (record) => ({ ...record, lastRestartAt: now + 1_000 }));

    // Act
    await holder.release(KEY);

    // Assess
    expect(platform.restarts).toEqual([]);
    expect((await store.read(KEY))?.record.pendingVersions).toBeUndefined();
    expect(reported).toEqual([]);
  });

  it('leaves a connector a person paused meanwhile, and the entry, to the waiting rotation', async () => {
    // Prepare
    const { clock, store, platform, holder, holderRestartsThenRotationWaits } = setup();
    const now = clock.now().getTime();
    await holderRestartsThenRotationWaits(now, now + 2_000);
    platform.addConnectorWithStatus(ORDERS, status('PAUSED', ['STOPPED']));

    // Act
    await holder.release(KEY);

    // Assess
    expect(platform.restarts).toEqual([]);
    expect(Object.keys((await store.read(KEY))?.record.pendingVersions ?? {})).toEqual([SECRET_KEY]);
  });

  it('reports a refused restart, keeps the entry for the retry and frees the connector, without failing the holder', async () => {
    // Prepare
    const { clock, store, platform, reported, holder, holderRestartsThenRotationWaits } = setup();
    const now = clock.now().getTime();
    await holderRestartsThenRotationWaits(now, now + 2_000);
    platform.restartError = new Error('500 Internal Server Error');

    // Act
    await holder.release(KEY);

    // Assess
    const record = (await store.read(KEY))?.record;
    expect(record?.lock).toBeUndefined();
    expect(Object.keys(record?.pendingVersions ?? {})).toEqual([SECRET_KEY]);
    expect(reported).toEqual([
      {
        kind: 'rotation',
        report: expect.objectContaining({
          outcomes: [expect.objectContaining({ result: 'restart-error', detail: '500 Internal Server Error' })],
        }),
      },
    ]);
  });

  it('restarts nothing when another operation took the lock between the release and the follow-up', async () => {
    // Prepare
    const { clock, store, platform, holder, holderRestartsThenRotationWaits } = setup();
    const now = clock.now().getTime();
    await holderRestartsThenRotationWaits(now, now + 2_000);
    const other = new ConnectorLeases(store, clock, { owner: 'reload-2', lockTtlMs: 900_000, retentionMs: 1 });
    const originalStatus = platform.getStatus.bind(platform);
    platform.getStatus = async (connector) => {
      await other.acquire(KEY, 'reload prod/payments@p9', () => undefined);
      return originalStatus(connector);
    };

    // Act
    await holder.release(KEY);

    // Assess
    expect(platform.restarts).toEqual([]);
    expect((await store.read(KEY))?.record.lock?.operation).toBe('reload prod/payments@p9');
  });

  it("reports the follow-up as the waiting rotation's own: not a dry run, and saying why it restarted again", async () => {
    // Prepare
    const { clock, reported, holder, holderRestartsThenRotationWaits } = setup();
    const now = clock.now().getTime();
    await holderRestartsThenRotationWaits(now, now + 2_000);

    // Act
    await holder.release(KEY);

    // Assess
    expect(FOLLOW_UP_TRIGGER).toBe('pending-version follow-up');
    expect(reported[0]?.kind === 'rotation' && reported[0].report).toMatchObject({
      trigger: 'pending-version follow-up',
      dryRun: false,
      notes: [
        'the connector was locked by another operation when the rotation came; restarted once that operation released it',
      ],
    });
  });

  it('names the versions it restarts for in its lock, and records a pause of its own under that name', async () => {
    // Prepare: the restart goes by pause/resume and crashes between the two.
    const { clock, store, platform, holder, holderRestartsThenRotationWaits } = setup();
    const now = clock.now().getTime();
    await holderRestartsThenRotationWaits(now, now + 2_000);
    platform.pauseResume = true;
    platform.crashBetweenPauseAndResume = true;
    let lockDuringRestart: string | undefined;
    const restart = platform.restart.bind(platform);
    platform.restart = async (connector, options) => {
      lockDuringRestart = (await store.read(KEY))?.record.lock?.operation;
      return restart(connector, options);
    };

    // Act
    await holder.release(KEY);

    // Assess
    expect(lockDuringRestart).toBe(`reload pending ${SECRET}@v2`);
    expect((await store.read(KEY))?.record.pausedByReloader).toMatchObject({
      operation: `reload pending ${SECRET}@v2`,
    });
  });

  it('restarts nothing when a restart covered the versions between its look and its lock', async () => {
    // Prepare: another operation's restart is recorded while the follow-up reads the connector's status.
    const { clock, store, platform, reported, holder, holderRestartsThenRotationWaits } = setup();
    const now = clock.now().getTime();
    await holderRestartsThenRotationWaits(now, now + 2_000);
    const other = new ConnectorLeases(store, clock, { owner: 'reload-2', lockTtlMs: 900_000, retentionMs: 1 });
    const originalStatus = platform.getStatus.bind(platform);
    platform.getStatus = async (connector) => {
      await other.update(KEY, (record) => ({ ...record, lastRestartAt: now + 5_000 }));
      return originalStatus(connector);
    };

    // Act
    await holder.release(KEY);

    // Assess
    expect(platform.restarts).toEqual([]);
    expect(reported).toEqual([]);
    expect((await store.read(KEY))?.record.lock).toBeUndefined();
  });

  it('reports a connector not RUNNING by the timeout as timed out, with its last status', async () => {
    // Prepare
    const { clock, platform, reported, holder, holderRestartsThenRotationWaits } = setup();
    const now = clock.now().getTime();
    await holderRestartsThenRotationWaits(now, now + 2_000);
    platform.scriptAfterRestart(ORDERS, [status('PROVISIONING', [])]);

    // Act
    await holder.release(KEY);

    // Assess
    expect(reported[0]?.kind === 'rotation' && reported[0].report.outcomes).toEqual([
      expect.objectContaining({
        result: 'timed-out',
        detail: 'not RUNNING after 60000 ms',
        finalStatus: expect.objectContaining({ state: 'PROVISIONING' }),
      }),
    ]);
  });

  it('never fails the holder: a follow-up that throws is logged with what waited, and left to the rotation', async () => {
    // Prepare
    const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
    const logger: Logger = {
      ...silentLogger,
      warn: (message, fields) => warnings.push({ message, ...(fields ? { fields } : {}) }),
    };
    const { clock, store, platform, holder, holderRestartsThenRotationWaits } = setup(logger);
    const now = clock.now().getTime();
    await holderRestartsThenRotationWaits(now, now + 2_000);
    platform.getStatus = async () => {
      throw new Error('503 Service Unavailable');
    };

    // Act
    await holder.release(KEY);

    // Assess
    expect(warnings).toEqual([
      {
        message: 'pending-version follow-up failed: the waiting rotation is retried on its own',
        fields: { connector: KEY, pending: `${SECRET}@v2`, error: '503 Service Unavailable' },
      },
    ]);
    expect(Object.keys((await store.read(KEY))?.record.pendingVersions ?? {})).toEqual([SECRET_KEY]);
  });
});
