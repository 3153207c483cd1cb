import { ConnectorLeases } from '#core/connector-lease';
import type { SecretRotated } from '#core/events';
import { parseMaintenanceWindow } from '#core/maintenance-windows';
import type { ConnectorRecord, SecretSnapshot, SecretSource } from '#core/ports';
import { silentLogger } from '#core/ports';
import { ReloadAfterRotation, type ReloadSettings } from '#core/reload-after-rotation';
import type { ReloadOutcome, ReloadReport } from '#core/reload-plan';
import {
  type Arrival,
  assessArrival,
  CLAIMED_RECHECK_MS,
  type CoalescingPolicy,
  claimedWait,
  coalescingOn,
  coalescingWait,
  deferredUntil,
  describeWait,
  isCoalescedRestart,
  RestartCoalescing,
} from '#core/restart-coalescing';
import { canonicalSecretId, parseSecretRef, type SecretRef, secretIdentityKey } from '#core/secret-ref';
import { emptyTargetMapping } from '#core/target-mapping';
import { TargetResolver } from '#core/target-resolver';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';
import { FakePlatform, status } from '#test-helpers/fake-platform';

const USER_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-user-Ab12Cd';
const PASSWORD_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-password-Ef34Gh';
const USER = parseSecretRef(USER_ARN);
const PASSWORD = parseSecretRef(PASSWORD_ARN);
const ORDERS = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-cdc' };
const ORDERS_KEY = 'env-p1/lkc-aws1/orders-cdc';
const WINDOW_MS = 30_000;
const CAP_MS = 300_000;
const POLICY: CoalescingPolicy = { windowMs: WINDOW_MS, capMs: CAP_MS };

/** Secrets Manager as the reloader sees it: each secret's current version, and since when. */
class RotatingSecrets implements SecretSource {
  private readonly current = new Map<string, { version: string; since: Date }>();

  rotate(secret: SecretRef, version: string, at: Date): SecretRotated {
    this.current.set(secretIdentityKey(secret), { version, since: at });
    return { kind: 'secret-rotated', secret, version, source: 'test', occurredAt: at };
  }

  async describe(secret: SecretRef): Promise<SecretSnapshot> {
    const current = this.current.get(secretIdentityKey(secret));
    return {
      secret,
      currentVersion: current?.version ?? null,
      ...(current ? { currentSince: current.since } : {}),
      pendingVersions: [],
      tags: {},
    };
  }
}

const SETTINGS: ReloadSettings = {
  dryRun: false,
  restartConcurrency: 4,
  exclusions: [],
  // Verification sleeps advance the fake clock: 1 s polls, no settle time, so a restart verifies within 2 s.
  verify: { timeoutMs: 60_000, pollIntervalMs: 1_000, settleMs: 0 },
  coalescing: POLICY,
};

function setup(coalescing: CoalescingPolicy | null = POLICY) {
  const clock = new FakeClock();
  const start = clock.now().getTime();
  const platform = new FakePlatform()
    .addCluster({ environmentId: 'env-p1', clusterId: 'lkc-aws1', cloud: 'aws', kind: 'Dedicated' })
    .addConnector(ORDERS, {
      'secret.manager.provider.integration.id': 'cspi-aws1',
      'connection.user': USER_ARN,
      'connection.password': PASSWORD_ARN,
    });
  const secrets = new RotatingSecrets();
  const store = new MemoryStateStore();
  const resolver = new TargetResolver(platform, emptyTargetMapping, {
    tagKey: 'confluent-connectors',
    configScan: true,
    sameCloudOnly: true,
  });
  let invocations = 0;
  const useCase = (settings: Partial<ReloadSettings> = {}) => {
    invocations += 1;
    return new ReloadAfterRotation(
      {
        secrets,
        platform,
        resolver,
        leases: new ConnectorLeases(store, clock, {
          owner: `invocation-${invocations}`,
          lockTtlMs: 600_000,
          retentionMs: 86_400_000,
        }),
        clock,
        logger: silentLogger,
      },
      { ...SETTINGS, ...(coalescing ? { coalescing } : { coalescing: undefined }), ...settings },
    );
  };
  /** Moves the clock to `ms` after the start (never back: verification may have moved it on already). */
  const at = (ms: number) => clock.advance(Math.max(0, start + ms - clock.now().getTime()));
  return { clock, start, platform, secrets, store, useCase, at };
}

const orders = (report: ReloadReport): ReloadOutcome => {
  const outcome = report.outcomes.find((o) => o.connector.name === ORDERS.name);
  if (!outcome) throw new Error('no outcome for orders-cdc');
  return outcome;
};

/**
 * What the runtimes do with a deferred rotation (an SQS delay, a queue visibility delay): deliver it again at its
 * due time. Deliveries run in time order on the fake clock; each report is kept per rotation.
 */
class DeliverySimulator {
  private queue: { at: number; event: SecretRotated; label: string }[] = [];
  readonly reports = new Map<string, ReloadReport[]>();

  constructor(
    private readonly env: ReturnType<typeof setup>,
    private readonly settings: Partial<ReloadSettings> = {},
  ) {}

  deliver(label: string, event: SecretRotated, atMs: number): void {
    this.queue.push({ at: this.env.start + atMs, event, label });
  }

  async run(until = Number.POSITIVE_INFINITY): Promise<void> {
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > this.env.start + until) return;
      this.queue.shift();
      this.env.clock.advance(Math.max(0, next.at - this.env.clock.now().getTime()));
      const report = await this.env.useCase(this.settings).execute(next.event);
      this.reports.set(next.label, [...(this.reports.get(next.label) ?? []), report]);
      const due = deferredUntil(report);
      if (due) this.queue.push({ at: due.getTime(), event: next.event, label: next.label });
    }
  }

  last(label: string): ReloadReport {
    const reports = this.reports.get(label) ?? [];
    const report = reports.at(-1);
    if (!report) throw new Error(`no report for ${label}`);
    return report;
  }
}

describe('assessArrival: when the coalesced restart is due', () => {
  const arrival = (secret: SecretRef, version: string, at: number, becameCurrentAt = at): Arrival => ({
    secretKey: secretIdentityKey(secret),
    secret: canonicalSecretId(secret),
    version,
    becameCurrentAt,
    at,
  });
  const withGroup = (...arrivals: Arrival[]): ConnectorRecord => {
    let record: ConnectorRecord = { connectorKey: ORDERS_KEY };
    for (const a of arrivals) {
      const state = assessArrival(record, a, POLICY);
      if (state.kind === 'covered') throw new Error('covered');
      record = { ...record, coalescing: state.group };
    }
    return record;
  };

  it('waits a window after the latest new version', () => {
    // Prepare
    const record = withGroup(arrival(USER, 'u2', 0));

    // Act
    const state = assessArrival(record, arrival(PASSWORD, 'p2', 5_000), POLICY);

    // Assess
    expect(state).toMatchObject({ kind: 'waiting', dueAt: 35_000 });
  });

  it('does not move the window for a version already waiting (a duplicate or a re-delivery)', () => {
    // Prepare
    const record = withGroup(arrival(USER, 'u2', 0), arrival(PASSWORD, 'p2', 5_000));

    // Act
    const duplicate = assessArrival(record, arrival(USER, 'u2', 30_000), POLICY);
    const due = assessArrival(record, arrival(USER, 'u2', 35_000), POLICY);

    // Assess
    expect(duplicate).toMatchObject({ kind: 'waiting', dueAt: 35_000 });
    expect(due.kind).toBe('due');
  });

  it('restarts the window for a newer version of a waiting secret, but counts the cap from the first', () => {
    // Prepare: the user secret rotates every 20 s, each time inside the window.
    let record = withGroup(arrival(USER, 'u1', 0));
    for (let version = 2; version <= 20; version++) {
      const state = assessArrival(record, arrival(USER, `u${version}`, (version - 1) * 20_000), POLICY);
      if (state.kind !== 'waiting') {
        // Assess: due at the cap (300 s after the first), not a window after the last.
        expect((version - 1) * 20_000).toBeGreaterThanOrEqual(CAP_MS);
        return;
      }
      expect(state.dueAt).toBe(Math.min((version - 1) * 20_000 + WINDOW_MS, CAP_MS));
      record = { ...record, coalescing: state.group };
    }
    throw new Error('the cap never made the group due');
  });

  it('drops versions a restart recorded since covers, and names a coalesced restart that covered one', () => {
    // Prepare: a restart (a recovery) after the user version became current.
    const record: ConnectorRecord = { ...withGroup(arrival(USER, 'u2', 0)), lastRestartAt: 10_000 };

    // Act
    const late = assessArrival(record, arrival(USER, 'u2', 12_000, 0), POLICY);
    const next = assessArrival(record, arrival(PASSWORD, 'p2', 12_000), POLICY);

    // Assess
    expect(late).toEqual({ kind: 'covered' });
    expect(next.kind === 'waiting' && Object.keys(next.group)).toEqual([secretIdentityKey(PASSWORD)]);
  });

  it('defers a restart due inside a maintenance window to its end', () => {
    // Prepare: a window every day 12:00–13:00 UTC; the clock of these arrivals starts at 1970-01-01 00:00.
    const policy: CoalescingPolicy = { ...POLICY, maintenanceWindows: [parseMaintenanceWindow('0 0 * * *|60')] };

    // Act
    const state = assessArrival({ connectorKey: ORDERS_KEY }, arrival(USER, 'u2', 0), policy);

    // Assess
    expect(state).toMatchObject({ kind: 'waiting', dueAt: 3_600_000 });
  });
});

describe('coalescing rules, one at a time', () => {
  const USER_KEY = secretIdentityKey(USER);
  const PASSWORD_KEY = secretIdentityKey(PASSWORD);
  const arrival = (secret: SecretRef, version: string | null, at: number, becameCurrentAt?: number): Arrival => ({
    secretKey: secretIdentityKey(secret),
    secret: canonicalSecretId(secret),
    version,
    ...(becameCurrentAt !== undefined ? { becameCurrentAt } : {}),
    at,
  });
  /** A coalesced restart of the user and password at 40 s, then a restart of another operation (a recovery) at 90 s. */
  const restartedTwice: ConnectorRecord = {
    connectorKey: ORDERS_KEY,
    lastRestartAt: 90_000,
    appliedVersions: { [USER_KEY]: 'u2', [PASSWORD_KEY]: 'p2' },
    coalescedRestart: {
      id: `${ORDERS_KEY}@1970-01-01T00:00:35.000Z`,
      at: 40_000,
      covered: [
        { secretKey: PASSWORD_KEY, secret: PASSWORD_ARN, version: 'p2' },
        { secretKey: USER_KEY, secret: USER_ARN, version: 'u2' },
      ],
    },
  };

  it('is on only with a window above 0', () => {
    // Act
    const verdicts = [undefined, { windowMs: 0, capMs: CAP_MS }, { windowMs: 1, capMs: CAP_MS }].map(coalescingOn);

    // Assess
    expect(verdicts).toEqual([false, false, true]);
  });

  it('names the coalesced restart only for a version it applied, not for one a later restart covered', () => {
    // Act
    const applied = assessArrival(restartedTwice, arrival(USER, 'u2', 100_000), POLICY);
    const byTheRecovery = assessArrival(restartedTwice, arrival(USER, 'u3', 100_000, 60_000), POLICY);

    // Assess
    expect(applied).toEqual({
      kind: 'covered',
      restart: {
        id: `${ORDERS_KEY}@1970-01-01T00:00:35.000Z`,
        at: new Date(40_000),
        covers: [
          { secret: PASSWORD_ARN, version: 'p2' },
          { secret: USER_ARN, version: 'u2' },
        ],
      },
    });
    expect(byTheRecovery).toEqual({ kind: 'covered' });
  });

  it('matches an applied version by secret as well: numbered versions (Google Cloud: 1, 2, …) repeat across secrets', () => {
    // Prepare: the coalesced restart applied version 2 of the user only; version 2 of the password came later.
    const record: ConnectorRecord = {
      connectorKey: ORDERS_KEY,
      lastRestartAt: 90_000,
      appliedVersions: { [USER_KEY]: '2', [PASSWORD_KEY]: '2' },
      coalescedRestart: { id: 'r1', at: 40_000, covered: [{ secretKey: USER_KEY, secret: USER_ARN, version: '2' }] },
    };

    // Act
    const state = assessArrival(record, arrival(PASSWORD, '2', 100_000), POLICY);

    // Assess
    expect(state).toEqual({ kind: 'covered' });
  });

  it('records when each version became current, and nothing for a time it does not know', () => {
    // Act
    const state = assessArrival({ connectorKey: ORDERS_KEY }, arrival(USER, 'u2', 2_000, 1_500), POLICY);
    const next =
      state.kind === 'waiting'
        ? assessArrival({ connectorKey: ORDERS_KEY, coalescing: state.group }, arrival(PASSWORD, null, 5_000), POLICY)
        : state;

    // Assess
    expect(next.kind === 'waiting' && next.group).toStrictEqual({
      [USER_KEY]: { secret: USER_ARN, version: 'u2', becameCurrentAt: 1_500, arrivedAt: 2_000, pendingSince: 2_000 },
      [PASSWORD_KEY]: { secret: PASSWORD_ARN, arrivedAt: 5_000, pendingSince: 5_000 },
    });
  });

  it('drops a waiting version a later restart covers by when it became current, not by when it arrived', () => {
    // Prepare: the user version became current at 1 s and arrived at 20 s; a recovery restarted the connector at 10 s.
    const record: ConnectorRecord = {
      connectorKey: ORDERS_KEY,
      lastRestartAt: 10_500,
      coalescing: {
        [USER_KEY]: {
          secret: USER_ARN,
          version: 'u2',
          becameCurrentAt: 1_500,
          arrivedAt: 20_000,
          pendingSince: 20_000,
        },
      },
    };

    // Act
    const state = assessArrival(record, arrival(PASSWORD, 'p2', 25_000, 25_000), POLICY);

    // Assess
    expect(state.kind === 'waiting' && Object.keys(state.group)).toEqual([PASSWORD_KEY]);
  });

  it('describes the wait: every pending version (a version-less one as current), the due time, the window and cap', () => {
    // Prepare
    const first = assessArrival({ connectorKey: ORDERS_KEY }, arrival(USER, 'u2', 0, 0), POLICY);
    const record: ConnectorRecord = {
      connectorKey: ORDERS_KEY,
      ...(first.kind === 'waiting' ? { coalescing: first.group } : {}),
    };
    const state = assessArrival(record, arrival(PASSWORD, null, 5_000), POLICY);
    if (state.kind !== 'waiting') throw new Error(`expected waiting, got ${state.kind}`);

    // Act
    const detail = describeWait(coalescingWait(state), POLICY);

    // Assess
    expect(detail).toBe(
      `coalescing 2 pending version(s) (${PASSWORD_ARN}@current, ${USER_ARN}@u2): one restart due at 1970-01-01T00:00:35.000Z (window 30 s, cap 300 s)`,
    );
  });

  it('tells a rotation that meets a coalesced restart to look again 15 s later, naming the holder', () => {
    // Prepare
    const holder = `coalesced restart ${ORDERS_KEY}@1970-01-01T00:00:35.000Z`;

    // Act
    const { wait, detail } = claimedWait(arrival(PASSWORD, 'p3', 36_000), holder);

    // Assess
    expect(CLAIMED_RECHECK_MS).toBe(15_000);
    expect(wait).toEqual({ dueAt: new Date(51_000), pending: [{ secret: PASSWORD_ARN, version: 'p3' }] });
    expect(detail).toBe(
      `${holder} holds the connector: this rotation looks again at 1970-01-01T00:00:51.000Z, when that restart is recorded`,
    );
    expect([holder, `reload ${USER_ARN}@u2`, 'recover FAILED', undefined].map(isCoalescedRestart)).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('RestartCoalescing on the state store', () => {
  const USER_KEY = secretIdentityKey(USER);
  const PASSWORD_KEY = secretIdentityKey(PASSWORD);
  const TOKEN = parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-api-token-Ij56Kl');
  const TOKEN_KEY = secretIdentityKey(TOKEN);

  function storeSetup() {
    const clock = new FakeClock(0);
    const store = new MemoryStateStore();
    const leases = new ConnectorLeases(store, clock, {
      owner: 'rotation-1',
      lockTtlMs: 600_000,
      retentionMs: 86_400_000,
    });
    const coalescing = new RestartCoalescing(leases, POLICY);
    const etag = async () => (await store.read(ORDERS_KEY))?.etag;
    return { store, leases, coalescing, etag };
  }
  const arrival = (secret: SecretRef, version: string | null, at: number): Arrival => ({
    secretKey: secretIdentityKey(secret),
    secret: canonicalSecretId(secret),
    version,
    becameCurrentAt: at,
    at,
  });

  it('writes an arrival once: a duplicate writes nothing, a newer version of the same secret does', async () => {
    // Prepare
    const { store, coalescing, etag } = storeSetup();
    await coalescing.arrive(ORDERS_KEY, arrival(USER, 'u2', 0));
    const afterFirst = await etag();

    // Act
    const duplicate = await coalescing.arrive(ORDERS_KEY, arrival(USER, 'u2', 3_000));
    const afterDuplicate = await etag();
    const newer = await coalescing.arrive(ORDERS_KEY, arrival(USER, 'u3', 6_000));

    // Assess
    expect(duplicate).toMatchObject({ kind: 'waiting', dueAt: 30_000 });
    expect(afterDuplicate).toBe(afterFirst);
    expect(newer).toMatchObject({ kind: 'waiting', dueAt: 36_000 });
    expect(await etag()).not.toBe(afterFirst);
    expect((await store.read(ORDERS_KEY))?.record.coalescing?.[USER_KEY]).toMatchObject({
      version: 'u3',
      pendingSince: 0,
    });
  });

  it('replaces a waiting version a restart covered with the next secret, though the group keeps its size', async () => {
    // Prepare: the user version waits; a recovery then restarts the connector (covering it).
    const { store, leases, coalescing } = storeSetup();
    await coalescing.arrive(ORDERS_KEY, arrival(USER, 'u2', 0));
    await leases.update(ORDERS_KEY, (record) => ({ ...record, lastRestartAt: 10_500 }));

    // Act
    const state = await coalescing.arrive(ORDERS_KEY, arrival(PASSWORD, 'p2', 20_000));

    // Assess
    expect(state).toMatchObject({ kind: 'waiting', dueAt: 50_000 });
    expect(Object.keys((await store.read(ORDERS_KEY))?.record.coalescing ?? {})).toEqual([PASSWORD_KEY]);
  });

  it('a claim refuses while the group waits (saying until when) or once a restart covers it, and takes it when due', () => {
    // Prepare
    const { coalescing } = storeSetup();
    const group = (at: number) => {
      const state = assessArrival({ connectorKey: ORDERS_KEY }, arrival(USER, 'u2', at), POLICY);
      return { connectorKey: ORDERS_KEY, ...(state.kind === 'waiting' ? { coalescing: state.group } : {}) };
    };
    const early = coalescing.claim(ORDERS_KEY, arrival(USER, 'u2', 10_000));
    const late = coalescing.claim(ORDERS_KEY, arrival(USER, 'u2', 40_000));
    const due = coalescing.claim(ORDERS_KEY, arrival(USER, 'u2', 30_000));

    // Act
    const waiting = early.refuse(group(0));
    const covered = late.refuse({ ...group(0), appliedVersions: { [USER_KEY]: 'u2' } });
    const taken = due.refuse(group(0));

    // Assess
    expect(waiting).toBe(
      describeWait({ dueAt: new Date(30_000), pending: [{ secret: USER_ARN, version: 'u2' }] }, POLICY),
    );
    expect(early.waiting).toEqual({ dueAt: new Date(30_000), pending: [{ secret: USER_ARN, version: 'u2' }] });
    expect(covered).toBe('a restart recorded meanwhile covers this version');
    expect(late.waiting).toBeUndefined();
    expect(taken).toBeUndefined();
    expect(due.operation).toBe(`coalesced restart ${ORDERS_KEY}@1970-01-01T00:00:30.000Z`);
  });

  it('the claimed restart applies what it claimed, keeps what else was applied, and leaves a version that came during it', () => {
    // Prepare: user u2, password p2 and a version-less token wait; another secret's version was applied before.
    const { coalescing } = storeSetup();
    let record: ConnectorRecord = { connectorKey: ORDERS_KEY, appliedVersions: { other: 'x1' } };
    for (const a of [arrival(USER, 'u2', 0), arrival(PASSWORD, 'p2', 5_000), arrival(TOKEN, null, 6_000)]) {
      const state = assessArrival(record, a, POLICY);
      if (state.kind === 'covered') throw new Error('covered');
      record = { ...record, coalescing: state.group };
    }
    const claim = coalescing.claim(ORDERS_KEY, arrival(PASSWORD, 'p2', 36_000));
    const refusal = claim.refuse(record);
    // The password rotates again while the restart is under way: p3 became current after Confluent accepted it.
    const p3 = { secret: PASSWORD_ARN, version: 'p3', becameCurrentAt: 36_500, arrivedAt: 36_600, pendingSince: 5_000 };
    const duringRestart: ConnectorRecord = { ...record, coalescing: { ...record.coalescing, [PASSWORD_KEY]: p3 } };

    // Act
    const applied = claim.applied(duringRestart, 36_200);

    // Assess
    expect(refusal).toBeUndefined();
    expect(applied.lastRestartAt).toBe(36_200);
    expect(applied.appliedVersions).toEqual({ other: 'x1', [USER_KEY]: 'u2', [PASSWORD_KEY]: 'p2' });
    expect(applied.coalescedRestart).toStrictEqual({
      id: `${ORDERS_KEY}@1970-01-01T00:00:36.000Z`,
      at: 36_200,
      covered: [
        { secretKey: TOKEN_KEY, secret: canonicalSecretId(TOKEN) },
        { secretKey: PASSWORD_KEY, secret: PASSWORD_ARN, version: 'p2' },
        { secretKey: USER_KEY, secret: USER_ARN, version: 'u2' },
      ].sort((a, b) => a.secret.localeCompare(b.secret)),
    });
    expect(applied.coalescing).toEqual({ [PASSWORD_KEY]: p3 });
    expect(claim.ref(36_200).covers).toEqual(
      [
        { secret: canonicalSecretId(TOKEN), version: null },
        { secret: PASSWORD_ARN, version: 'p2' },
        { secret: USER_ARN, version: 'u2' },
      ].sort((a, b) => a.secret.localeCompare(b.secret)),
    );
  });
});

describe('ReloadAfterRotation with RESTART_COALESCE_SECONDS', () => {
  it('two secrets of one connector rotated 5 s apart, window 30 s: one restart after the second, both reports name it', async () => {
    // Prepare
    const env = setup();
    const simulator = new DeliverySimulator(env);
    simulator.deliver('user', env.secrets.rotate(USER, 'u2', new Date(env.start)), 0);
    env.at(5_000);
    simulator.deliver('password', env.secrets.rotate(PASSWORD, 'p2', env.clock.now()), 5_000);

    // Act
    await simulator.run(34_999);
    const restartsBeforeDue = env.platform.restarts.length;
    const waiting = orders(simulator.last('user'));
    await simulator.run();

    // Assess
    expect(restartsBeforeDue).toBe(0);
    expect(waiting).toMatchObject({ result: 'skipped', reason: 'coalescing' });
    expect(waiting.coalescing?.dueAt.getTime()).toBe(env.start + 35_000);
    expect(env.platform.restarts).toEqual([ORDERS_KEY]);
    const user = orders(simulator.last('user'));
    const password = orders(simulator.last('password'));
    const restarted = [user, password].find((o) => o.result === 'restarted');
    const covered = [user, password].find((o) => o.result === 'skipped');
    expect(restarted?.coalescedRestart?.covers).toEqual([
      { secret: PASSWORD_ARN, version: 'p2' },
      { secret: USER_ARN, version: 'u2' },
    ]);
    expect(restarted?.coalescedRestart?.at.getTime()).toBeGreaterThanOrEqual(env.start + 35_000);
    expect(covered).toMatchObject({ reason: 'already-covered', coalescedRestart: restarted?.coalescedRestart });
    const record = (await env.store.read(ORDERS_KEY))?.record;
    expect(record?.coalescing).toBeUndefined();
    expect(record?.appliedVersions).toEqual({ [secretIdentityKey(USER)]: 'u2', [secretIdentityKey(PASSWORD)]: 'p2' });
  });

  it('the cap bounds a steady stream: rotations every 10 s for 10 minutes restart at most every cap', async () => {
    // Prepare: two secrets alternating every 10 s, so the window never goes quiet; cap 60 s.
    const env = setup({ windowMs: WINDOW_MS, capMs: 60_000 });
    const simulator = new DeliverySimulator(env);
    for (let second = 0; second < 600; second += 10) {
      const secret = (second / 10) % 2 === 0 ? USER : PASSWORD;
      env.at(second * 1000);
      simulator.deliver(`${second}`, env.secrets.rotate(secret, `v${second}`, env.clock.now()), second * 1000);
      await simulator.run(second * 1000);
    }

    // Act
    await simulator.run();

    // Assess: 60 rotations, about one restart a minute, and every rotation picked up by a restart within the cap
    // (plus the second or two of the restart before it).
    const restarts = new Map<string, number>();
    for (const report of [...simulator.reports.values()].flat()) {
      const restart = orders(report).coalescedRestart;
      if (restart) restarts.set(restart.id, restart.at.getTime());
    }
    expect(env.platform.restarts).toHaveLength(restarts.size);
    expect(restarts.size).toBeGreaterThanOrEqual(9);
    expect(restarts.size).toBeLessThanOrEqual(11);
    const times = [...restarts.values()].sort((a, b) => a - b);
    for (const label of simulator.reports.keys()) {
      const rotatedAt = env.start + Number(label) * 1000;
      const pickedUp = times.find((at) => at >= rotatedAt);
      expect((pickedUp ?? Number.POSITIVE_INFINITY) - rotatedAt).toBeLessThanOrEqual(60_000 + 5_000);
      expect(orders(simulator.last(label)).coalescedRestart).toBeDefined();
    }
  });

  it('a duplicate delivery inside the group, and two copies of a re-delivery at once, still make one restart', async () => {
    // Prepare
    const env = setup();
    const user = env.secrets.rotate(USER, 'u2', new Date(env.start));
    await env.useCase().execute(user);
    env.at(2_000);
    const duplicate = await env.useCase().execute(user);
    env.at(5_000);
    const password = env.secrets.rotate(PASSWORD, 'p2', env.clock.now());
    await env.useCase().execute(password);
    env.at(35_000);

    // Act: the due re-deliveries of both, and a second copy of each, all at once.
    const reports = await Promise.all([user, password, user, password].map((event) => env.useCase().execute(event)));

    // Assess
    expect(orders(duplicate)).toMatchObject({ reason: 'coalescing' });
    expect(orders(duplicate).coalescing?.dueAt.getTime()).toBe(env.start + 30_000);
    expect(env.platform.restarts).toEqual([ORDERS_KEY]);
    const outcomes = reports.map(orders);
    const restarted = outcomes.filter((o) => o.result === 'restarted');
    expect(restarted).toHaveLength(1);
    // None ends as merely in flight: each either names the restart or looks again once it is recorded.
    expect(outcomes.filter((o) => o.reason === 'in-flight')).toEqual([]);
    const again = outcomes.flatMap((o, i) => (o.reason === 'coalescing' ? [[user, password, user, password][i]] : []));
    env.at(35_000 + 15_000);
    const rechecked = await Promise.all(again.map((event) => env.useCase().execute(event as SecretRotated)));
    for (const outcome of [
      ...outcomes.filter((o) => o.result === 'skipped' && o.reason !== 'coalescing'),
      ...rechecked.map(orders),
    ]) {
      expect(outcome).toMatchObject({ reason: 'already-covered', coalescedRestart: restarted[0]?.coalescedRestart });
    }
    expect(env.platform.restarts).toEqual([ORDERS_KEY]);
  });

  it('a late delivery after the group restarted is covered and names that restart', async () => {
    // Prepare: the user rotation restarts alone; the password rotated before that, but its event comes late.
    const env = setup();
    const password = env.secrets.rotate(PASSWORD, 'p2', new Date(env.start));
    env.at(1_000);
    const user = env.secrets.rotate(USER, 'u2', env.clock.now());
    await env.useCase().execute(user);
    env.at(31_000);
    const restarted = orders(await env.useCase().execute(user));
    env.at(120_000);

    // Act
    const late = orders(await env.useCase().execute(password));

    // Assess
    expect(restarted.result).toBe('restarted');
    expect(late).toMatchObject({ result: 'skipped', reason: 'already-covered' });
    expect(late.coalescedRestart?.id).toBe(restarted.coalescedRestart?.id);
    expect(late.detail).toMatch(new RegExp(`, by the coalesced restart ${restarted.coalescedRestart?.id}$`));
    expect(env.platform.restarts).toEqual([ORDERS_KEY]);
  });

  it("a rotation that meets another operation's lock joins the group, so that operation's release restarts nothing on half a credential", async () => {
    // Prepare: a recovery holds the connector when the user secret rotates.
    const env = setup();
    const recovery = new ConnectorLeases(env.store, env.clock, {
      owner: 'recovery-1',
      lockTtlMs: 600_000,
      retentionMs: 86_400_000,
    });
    await recovery.acquire(ORDERS_KEY, 'recover FAILED', () => undefined);
    const simulator = new DeliverySimulator(env);
    simulator.deliver('user', env.secrets.rotate(USER, 'u2', new Date(env.start)), 0);
    await simulator.run(0);
    env.at(2_000);
    await recovery.release(ORDERS_KEY);
    env.at(5_000);
    simulator.deliver('password', env.secrets.rotate(PASSWORD, 'p2', env.clock.now()), 5_000);

    // Act
    await simulator.run();

    // Assess: no pending version was left for the holder's release to restart; one restart after the second.
    expect(orders(simulator.reports.get('user')?.[0] as ReloadReport)).toMatchObject({ reason: 'coalescing' });
    expect(orders(simulator.reports.get('user')?.[0] as ReloadReport).pending).toBeUndefined();
    expect(env.platform.restarts).toEqual([ORDERS_KEY]);
    const record = (await env.store.read(ORDERS_KEY))?.record;
    expect(record?.pendingVersions).toBeUndefined();
    expect(record?.appliedVersions).toEqual({ [secretIdentityKey(USER)]: 'u2', [secretIdentityKey(PASSWORD)]: 'p2' });
  });

  it('rollout waves apply to the coalesced restart: a first wave failing on the credential halts the rest for every rotation of the group', async () => {
    // Prepare: two connectors read both secrets; waves from 2 connectors, a first wave of 1, which fails to log in.
    const env = setup();
    const outbox = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-outbox' };
    env.platform.addConnector(outbox, {
      'secret.manager.provider.integration.id': 'cspi-aws1',
      'connection.user': USER_ARN,
      'connection.password': PASSWORD_ARN,
    });
    const wrongPassword = 'SYSTEM_ERROR: org.postgresql.util.PSQLException: FATAL: password authentication failed';
    env.platform.scriptAfterRestart(ORDERS, [
      status('PROVISIONING', []),
      status('FAILED', ['SYSTEM_ERROR'], wrongPassword),
    ]);
    const rollout = { mode: 'waves', threshold: 1, firstWave: 1 } as const;
    const waves = new DeliverySimulator(env, { rollout });
    waves.deliver('user', env.secrets.rotate(USER, 'u2', new Date(env.start)), 0);
    env.at(5_000);
    waves.deliver('password', env.secrets.rotate(PASSWORD, 'p2', env.clock.now()), 5_000);

    // Act
    await waves.run();

    // Assess: one restart (the first wave's), and the other connector halted whichever rotation came for it.
    expect(env.platform.restarts).toEqual([ORDERS_KEY]);
    for (const label of ['user', 'password']) {
      const outcome = waves.last(label).outcomes.find((o) => o.connector.name === outbox.name);
      expect(outcome).toMatchObject({ result: 'skipped', reason: 'halted' });
    }
  });

  it('a version superseded inside the window: its report names the restart that applied the newer one', async () => {
    // Prepare: the user secret rotates twice, 20 s apart; the first rotation's delivery comes back after the second.
    const env = setup();
    const simulator = new DeliverySimulator(env);
    simulator.deliver('first', env.secrets.rotate(USER, 'u2', new Date(env.start)), 0);
    await simulator.run(0);
    env.at(20_000);
    simulator.deliver('second', env.secrets.rotate(USER, 'u3', env.clock.now()), 20_000);

    // Act
    await simulator.run();

    // Assess
    expect(env.platform.restarts).toEqual([ORDERS_KEY]);
    const restart = [orders(simulator.last('first')), orders(simulator.last('second'))].map((o) => o.coalescedRestart);
    expect(restart[0]).toBeDefined();
    expect(restart[0]).toEqual(restart[1]);
    expect(restart[0]?.covers).toEqual([{ secret: USER_ARN, version: 'u3' }]);
  });

  it('plan shows the pending versions and when the restart is due, and writes nothing', async () => {
    // Prepare
    const env = setup();
    await env.useCase().execute(env.secrets.rotate(USER, 'u2', new Date(env.start)));
    env.at(5_000);
    const password = env.secrets.rotate(PASSWORD, 'p2', env.clock.now());
    const before = await env.store.read(ORDERS_KEY);

    // Act
    const plan = await env.useCase().plan(password);

    // Assess
    const [target] = plan.targets;
    expect(target?.decision).toMatchObject({
      action: 'skip',
      reason: 'coalescing',
      coalescing: {
        dueAt: new Date(env.start + 35_000),
        pending: [
          { secret: PASSWORD_ARN, version: 'p2' },
          { secret: USER_ARN, version: 'u2' },
        ],
      },
    });
    expect(target?.decision.action === 'skip' && target.decision.detail).toContain('due at');
    expect(await env.store.read(ORDERS_KEY)).toEqual(before);
  });

  it("a dry run's plan of a group whose window has passed names the versions its one restart applies", async () => {
    // Prepare: both versions wait; the window after the second passes before the re-delivery comes.
    const env = setup();
    await env.useCase().execute(env.secrets.rotate(USER, 'u2', new Date(env.start)));
    env.at(5_000);
    const password = env.secrets.rotate(PASSWORD, 'p2', env.clock.now());
    await env.useCase().execute(password);
    env.at(36_000);

    // Act
    const plan = await env.useCase({ dryRun: true }).plan(password);

    // Assess
    expect(plan.targets[0]?.decision).toEqual({
      action: 'skip',
      reason: 'dry-run',
      detail: `DRY_RUN: would restart once, applying ${PASSWORD_ARN}@p2, ${USER_ARN}@u2`,
      coalesced: [
        { secret: PASSWORD_ARN, version: 'p2' },
        { secret: USER_ARN, version: 'u2' },
      ],
    });
    expect(env.platform.restarts).toEqual([]);
  });

  it("an operator's reload (restart now) applies every pending version at once", async () => {
    // Prepare
    const env = setup();
    await env.useCase().execute(env.secrets.rotate(USER, 'u2', new Date(env.start)));
    env.at(5_000);
    const password = env.secrets.rotate(PASSWORD, 'p2', env.clock.now());

    // Act
    const report = await env.useCase({ coalescing: { ...POLICY, restartNow: true } }).execute(password);

    // Assess
    expect(orders(report).result).toBe('restarted');
    expect(orders(report).coalescedRestart?.covers).toHaveLength(2);
    expect(env.platform.restarts).toEqual([ORDERS_KEY]);
  });

  it('DRY_RUN says it would wait, writes nothing and asks for no re-delivery (nothing would ever come due)', async () => {
    // Prepare
    const env = setup();

    // Act
    const report = await env.useCase({ dryRun: true }).execute(env.secrets.rotate(USER, 'u2', new Date(env.start)));

    // Assess
    expect(orders(report)).toMatchObject({ result: 'skipped', reason: 'dry-run' });
    expect(orders(report).detail).toMatch(/^DRY_RUN: would wait: coalescing 1 pending version/);
    expect(deferredUntil(report)).toBeUndefined();
    expect(await env.store.read(ORDERS_KEY)).toBeNull();
  });

  it('records each waiting version with the time it became current, from the secret manager', async () => {
    // Prepare
    const env = setup();
    const user = env.secrets.rotate(USER, 'u2', new Date(env.start + 250));
    env.at(1_000);

    // Act
    await env.useCase().execute(user);

    // Assess
    expect((await env.store.read(ORDERS_KEY))?.record.coalescing).toEqual({
      [secretIdentityKey(USER)]: {
        secret: USER_ARN,
        version: 'u2',
        becameCurrentAt: env.start + 250,
        arrivedAt: env.start + 1_000,
        pendingSince: env.start + 1_000,
      },
    });
  });

  it("resumes the reloader's own orphaned pause at once: that is no restart to coalesce", async () => {
    // Prepare: a pause/resume without coalescing crashed between the pause and the resume.
    const env = setup();
    env.platform.pauseResume = true;
    env.platform.crashBetweenPauseAndResume = true;
    await env.useCase({ coalescing: undefined }).execute(env.secrets.rotate(USER, 'u2', new Date(env.start)));
    env.platform.crashBetweenPauseAndResume = false;
    env.at(5_000);

    // Act
    const report = await env.useCase().execute(env.secrets.rotate(PASSWORD, 'p2', env.clock.now()));

    // Assess
    expect(orders(report)).toMatchObject({ result: 'restarted', method: 'resume' });
    expect(env.platform.resumes).toEqual([ORDERS_KEY]);
    expect((await env.store.read(ORDERS_KEY))?.record.coalescing).toBeUndefined();
  });

  it("waits on another operation's lock as any rotation does once the group is due; a coalesced restart's lock is looked at again", async () => {
    // Prepare: the user version's window has passed; a recovery holds the connector, then a coalesced restart.
    const env = setup();
    await env.useCase().execute(env.secrets.rotate(USER, 'u2', new Date(env.start)));
    env.at(31_000);
    const user = env.secrets.rotate(USER, 'u2', new Date(env.start));
    const other = new ConnectorLeases(env.store, env.clock, {
      owner: 'other-1',
      lockTtlMs: 600_000,
      retentionMs: 86_400_000,
    });
    await other.acquire(ORDERS_KEY, 'recover FAILED', () => undefined);

    // Act
    const behindRecovery = orders(await env.useCase().execute(user));
    const dryRunPlan = await env.useCase({ dryRun: true }).plan(user);
    await other.release(ORDERS_KEY);
    const claim = `coalesced restart ${ORDERS_KEY}@${new Date(env.start).toISOString()}`;
    await other.acquire(ORDERS_KEY, claim, () => undefined);
    const behindClaim = await env.useCase().plan(user);
    const dryRunBehindClaim = await env.useCase({ dryRun: true }).plan(user);

    // Assess
    expect(behindRecovery).toMatchObject({
      result: 'skipped',
      reason: 'in-flight',
      pending: { holder: 'recover FAILED' },
    });
    expect(dryRunPlan.targets[0]?.decision).toMatchObject({ reason: 'in-flight' });
    expect(behindClaim.targets[0]?.decision).toMatchObject({
      reason: 'coalescing',
      coalescing: { dueAt: new Date(env.clock.now().getTime() + 15_000) },
    });
    expect(dryRunBehindClaim.targets[0]?.decision).toMatchObject({ reason: 'in-flight' });
    expect(env.platform.restarts).toEqual([]);
  });

  it('is off without a window: every rotation restarts at once', async () => {
    // Prepare
    const env = setup(null);

    // Act
    await env.useCase().execute(env.secrets.rotate(USER, 'u2', new Date(env.start)));
    env.at(5_000);
    await env.useCase().execute(env.secrets.rotate(PASSWORD, 'p2', env.clock.now()));

    // Assess
    expect(env.platform.restarts).toEqual([ORDERS_KEY, ORDERS_KEY]);
    expect((await env.store.read(ORDERS_KEY))?.record.coalescing).toBeUndefined();
  });
});
