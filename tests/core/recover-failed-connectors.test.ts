import { ConnectorLeases } from '#core/connector-lease';
import { parseConnectorPattern } from '#core/connector-pattern';
import { parseMaintenanceWindow } from '#core/maintenance-windows';
import { type Logger, type OutcomeSink, silentLogger } from '#core/ports';
import { RecoverFailedConnectors, type RecoverySettings } from '#core/recover-failed-connectors';
import type { RecoveryReport } from '#core/recovery-report';
import { MINUTE_MS } from '#core/restart-budget';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';
import { FakePlatform, status } from '#test-helpers/fake-platform';

const CLUSTER = { environmentId: 'env-p1', clusterId: 'lkc-1', cloud: 'aws' };
const BROKEN = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'broken' };
const TASK_BROKEN = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'task-broken' };
const HEALTHY = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'healthy' };
const PAUSED_FAILED = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'paused' };

const SETTINGS: RecoverySettings = {
  dryRun: false,
  maxAutoRestarts: 3,
  budgetRearmMs: 0,
  maintenanceWindows: [],
  exclusions: [],
  restartConcurrency: 2,
  verify: { timeoutMs: 60_000, pollIntervalMs: 1_000, settleMs: 0 },
};

function setup(settings: Partial<RecoverySettings> = {}, channel?: { outcomes: OutcomeSink; logger: Logger }) {
  const clock = new FakeClock(Date.parse('2026-11-28T01:00:00Z'));
  const platform = new FakePlatform().addCluster(CLUSTER);
  platform.addConnector(BROKEN, {}, 'FAILED');
  platform.addConnector(HEALTHY, {});
  platform.addConnector(PAUSED_FAILED, {}, 'PAUSED');
  platform.addConnectorWithStatus(TASK_BROKEN, status('RUNNING', ['RUNNING', 'FAILED']));
  const store = new MemoryStateStore();
  const reports: RecoveryReport[] = [];
  const useCase = new RecoverFailedConnectors(
    {
      platform,
      leases: new ConnectorLeases(store, clock, { owner: 'sweeper', lockTtlMs: 600_000, retentionMs: 86_400_000 }),
      clock,
      logger: channel?.logger ?? silentLogger,
      outcomes: channel?.outcomes ?? {
        name: 'recorded',
        deliver: async (outcome) => {
          if (outcome.kind === 'recovery') reports.push(outcome.report);
        },
      },
    },
    { ...SETTINGS, ...settings },
  );
  return { clock, platform, store, useCase, reports };
}

const byName = (report: RecoveryReport) => Object.fromEntries(report.outcomes.map((o) => [o.connector.name, o]));

describe('RecoverFailedConnectors', () => {
  it('sweep restarts FAILED connectors and connectors with a FAILED task, and leaves PAUSED and healthy ones alone', async () => {
    // Prepare
    const { useCase, platform, reports } = setup();

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(reports).toEqual([report]);
    const outcomes = byName(report);
    expect(outcomes.broken).toMatchObject({ result: 'restarted', attempt: 1 });
    expect(outcomes['task-broken']).toMatchObject({ result: 'restarted', attempt: 1 });
    expect(outcomes.paused).toMatchObject({ result: 'skipped', reason: 'paused' });
    expect(outcomes.healthy).toBeUndefined();
    expect(platform.restarts.sort()).toEqual(['env-p1/lkc-1/broken', 'env-p1/lkc-1/task-broken']);
    expect(platform.calls.filter((c) => c.startsWith('listConnectors'))).toHaveLength(1);
  });

  it('sweeps DEGRADED with a task in SYSTEM_ERROR or USER_ACTIONABLE_ERROR as failed, but not DEGRADED awaiting a worker', async () => {
    // Prepare
    const { useCase, platform } = setup();
    const degraded = (name: string, tasks: string[]) =>
      platform.addConnectorWithStatus({ ...HEALTHY, name }, status('DEGRADED', tasks));
    degraded('system-error', ['RUNNING', 'SYSTEM_ERROR']);
    degraded('user-error', ['UNASSIGNED', 'USER_ACTIONABLE_ERROR']);
    degraded('assigning', ['RUNNING', 'UNASSIGNED']);

    // Act
    const report = await useCase.sweep();

    // Assess
    const outcomes = byName(report);
    expect(outcomes['system-error']).toMatchObject({ result: 'restarted', attempt: 1 });
    expect(outcomes['user-error']).toMatchObject({ result: 'restarted', attempt: 1 });
    expect(outcomes.assigning).toBeUndefined();
  });

  it('confirms a reported failure with the API: a RUNNING connector is not restarted', async () => {
    // Prepare
    const { useCase, platform } = setup();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: { name: 'healthy' } },
    ]);

    // Assess
    expect(byName(report).healthy).toMatchObject({ result: 'skipped', reason: 'not-failed' });
    expect(platform.restarts).toEqual([]);
  });

  it('confirms a reported failure as DEGRADED with a task in error, and restarts it under the budget', async () => {
    // Prepare
    const { useCase, platform, store } = setup();
    const degraded = { ...HEALTHY, name: 'degraded' };
    platform.addConnectorWithStatus(degraded, status('DEGRADED', ['RUNNING', 'SYSTEM_ERROR']));

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: { name: 'degraded' } },
    ]);

    // Assess
    expect(byName(report).degraded).toMatchObject({ result: 'restarted', attempt: 1 });
    expect(store.snapshot().find((r) => r.connectorKey === 'env-p1/lkc-1/degraded')?.failureRestarts).toMatchObject({
      count: 1,
    });
  });

  it('never restarts a PAUSED connector, even when a notification says it failed', async () => {
    // Prepare
    const { useCase, platform } = setup();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: { environmentId: 'env-p1', name: 'paused' } },
    ]);

    // Assess
    expect(byName(report).paused).toMatchObject({ reason: 'paused' });
    expect(platform.restarts).toEqual([]);
  });

  it('keeps the restarts and their streaks when delivering the report fails, and logs what it carried', async () => {
    // Prepare
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const record = (message: string, fields?: Record<string, unknown>) => void lines.push({ message, fields });
    const logger: Logger = { debug: record, info: record, warn: record, error: record };
    const refusing: OutcomeSink = { name: 'EventBridge', deliver: async () => Promise.reject(new Error('throttled')) };
    const { useCase, platform, store } = setup({}, { outcomes: refusing, logger });

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(byName(report).broken).toMatchObject({ result: 'restarted', attempt: 1 });
    expect(platform.restarts).toContain('env-p1/lkc-1/broken');
    expect(store.snapshot().find((r) => r.connectorKey === 'env-p1/lkc-1/broken')?.failureRestarts).toMatchObject({
      count: 1,
    });
    const failure = lines.find((line) => line.message === 'outcome notification failed');
    expect(failure?.fields).toMatchObject({
      sink: 'EventBridge',
      outcome: 'recovery',
      error: 'throttled',
      trigger: 'sweep',
    });
    expect(failure?.fields?.outcomes).toContainEqual({
      connector: 'env-p1/lkc-1/broken',
      result: 'restarted',
      reason: undefined,
    });
  });

  it('sweeps the scope when the notification names no connector', async () => {
    // Prepare
    const { useCase, platform } = setup();

    // Act
    const report = await useCase.onFailureReported([{ kind: 'connector-failed', source: 'test', connector: {} }]);

    // Assess
    expect(report.trigger).toContain('sweep');
    expect(platform.restarts).toHaveLength(2);
  });

  it('reports a named connector that does not exist', async () => {
    // Prepare
    const { useCase } = setup();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: { name: 'ghost' } },
    ]);

    // Assess
    expect(report.outcomes).toEqual([
      expect.objectContaining({ reason: 'not-found', connector: expect.objectContaining({ name: 'ghost' }) }),
    ]);
  });

  it('defers a restart inside a maintenance window and restarts after it, never dropping it', async () => {
    // Prepare: 01:00 UTC is inside a 00:30–02:00 window.
    const { useCase, platform, clock, store } = setup({
      maintenanceWindows: [parseMaintenanceWindow('30 0 * * *|90')],
    });

    // Act
    const inside = await useCase.sweep();
    const recorded = store.snapshot().find((r) => r.connectorKey === 'env-p1/lkc-1/broken');
    clock.advance(60 * MINUTE_MS);
    const after = await useCase.sweep();

    // Assess
    expect(byName(inside).broken).toMatchObject({
      result: 'skipped',
      reason: 'deferred',
      nextAttemptAt: Date.parse('2026-11-28T02:00:00Z'),
    });
    expect(recorded?.failureRestarts?.deferredUntil).toBe(Date.parse('2026-11-28T02:00:00Z'));
    expect(byName(after).broken).toMatchObject({ result: 'restarted' });
    expect(platform.restarts).toContain('env-p1/lkc-1/broken');
  });

  it('skips a connector whose lock is held by a rotation reload', async () => {
    // Prepare
    const { useCase, store, clock, platform } = setup();
    await store.write(
      {
        connectorKey: 'env-p1/lkc-1/broken',
        lock: { owner: 'rotation', operation: 'reload x', expiresAt: clock.now().getTime() + 60_000 },
      },
      null,
    );

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(byName(report).broken).toMatchObject({ reason: 'in-flight' });
    expect(platform.restarts).toEqual(['env-p1/lkc-1/task-broken']);
  });

  it('DRY_RUN decides but restarts nothing and records nothing', async () => {
    // Prepare
    const { useCase, platform, store } = setup({ dryRun: true });

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(byName(report).broken).toMatchObject({ reason: 'dry-run' });
    expect(platform.restarts).toEqual([]);
    expect(store.snapshot()).toEqual([]);
  });
});

describe('RecoverFailedConnectors budget reset', () => {
  it('resets an exhausted budget once the connector was seen healthy for the interval', async () => {
    // Prepare: the budget of 'healthy' ran out earlier (3 of 3); a person fixed it since.
    const { useCase, store, clock, platform } = setup();
    await store.write(
      {
        connectorKey: 'env-p1/lkc-1/healthy',
        failureRestarts: { count: 3, lastRestartAt: clock.now().getTime() - MINUTE_MS, exhaustedAt: 1 },
      },
      null,
    );

    // Act: a notification sees it healthy; 12 minutes later it fails again and is reported.
    await useCase.onFailureReported([{ kind: 'connector-failed', source: 'test', connector: { name: 'healthy' } }]);
    clock.advance(12 * MINUTE_MS);
    platform.addConnector(HEALTHY, {}, 'FAILED');
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: { name: 'healthy' } },
    ]);

    // Assess
    expect(byName(report).healthy).toMatchObject({ result: 'restarted', attempt: 1 });
  });

  describe('never orphans a connector it paused', () => {
    it('a fault between pause and resume leaves the connector PAUSED with the record; the next sweep resumes and verifies it', async () => {
      // Prepare
      const { useCase, platform, store } = setup();
      platform.pauseResume = true;
      platform.crashBetweenPauseAndResume = true;
      const first = await useCase.sweep();
      platform.crashBetweenPauseAndResume = false;

      // Act
      const second = await useCase.sweep();

      // Assess
      expect(byName(first).broken).toMatchObject({ result: 'restart-error', attempt: 1 });
      const outcomes = byName(second);
      expect(outcomes.broken).toMatchObject({ result: 'restarted', method: 'resume' });
      expect(outcomes.broken?.detail).toMatch(
        /^resumed: the reloader paused it at .* \(recover failed \(attempt 1\)\)/,
      );
      expect(outcomes.paused).toMatchObject({ result: 'skipped', reason: 'paused' });
      const record = store.snapshot().find((r) => r.connectorKey === 'env-p1/lkc-1/broken');
      expect(record?.pausedByReloader).toBeUndefined();
      expect(record?.lock).toBeUndefined();
    });

    it('resumes such a connector when a failure notification names it', async () => {
      // Prepare
      const { useCase, platform } = setup();
      platform.pauseResume = true;
      platform.crashBetweenPauseAndResume = true;
      await useCase.onFailureReported([{ kind: 'connector-failed', source: 'test', connector: { name: 'broken' } }]);
      platform.crashBetweenPauseAndResume = false;

      // Act
      const report = await useCase.onFailureReported([
        { kind: 'connector-failed', source: 'test', connector: { name: 'broken' } },
      ]);

      // Assess
      expect(byName(report).broken).toMatchObject({ result: 'restarted', method: 'resume' });
      expect(platform.resumes).toEqual(['env-p1/lkc-1/broken']);
    });

    it('counts a refusal no retry can fix (a missing permission) as an attempt, so the backoff spaces the next try', async () => {
      // Prepare
      const { useCase, platform, store } = setup();
      platform.restartError = Object.assign(new Error('may not restart nor pause it (403 Forbidden)'), {
        retryable: false,
      });

      // Act
      const first = await useCase.sweep();
      const second = await useCase.sweep();

      // Assess
      expect(byName(first).broken).toMatchObject({ result: 'restart-error', attempt: 1 });
      expect(byName(second).broken).toMatchObject({ result: 'skipped', reason: 'backoff' });
      const record = store.snapshot().find((r) => r.connectorKey === 'env-p1/lkc-1/broken');
      expect(record?.failureRestarts).toMatchObject({ count: 1 });
    });
  });
});

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(fields ? { fields } : {}) });
    };
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

function setupWith(settings: Partial<RecoverySettings> = {}) {
  const base = setup(settings);
  const { lines, logger } = recordingLogger();
  const useCase = new RecoverFailedConnectors(
    {
      platform: base.platform,
      leases: new ConnectorLeases(base.store, base.clock, {
        owner: 'sweeper',
        lockTtlMs: 600_000,
        retentionMs: 86_400_000,
      }),
      clock: base.clock,
      logger,
    },
    { ...SETTINGS, ...settings },
  );
  return { ...base, useCase, lines };
}

const record = (store: MemoryStateStore, name: string) =>
  store.snapshot().find((r) => r.connectorKey === `env-p1/lkc-1/${name}`);

describe('RecoverFailedConnectors: which connectors a notification names', () => {
  const OTHER_CLUSTER = { environmentId: 'env-p1', clusterId: 'lkc-2', cloud: 'aws' };
  const TWIN = { environmentId: 'env-p1', clusterId: 'lkc-2', name: 'broken' };

  function twoClusters() {
    const context = setup();
    context.platform.addCluster(OTHER_CLUSTER);
    context.platform.addConnectorWithStatus(TWIN, status('FAILED'), {}, 'lcc-twin');
    context.platform.addConnectorWithStatus(BROKEN, status('FAILED'), {}, 'lcc-broken');
    return context;
  }

  it('lists only the cluster the notification names, and restarts only the connector in it', async () => {
    // Prepare
    const { useCase, platform } = twoClusters();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: { environmentId: 'env-p1', clusterId: 'lkc-2' } },
      { kind: 'connector-failed', source: 'test', connector: { clusterId: 'lkc-2', name: 'broken' } },
    ]);

    // Assess
    expect(report.outcomes.map((o) => o.connector)).toEqual([TWIN]);
    expect(platform.calls.filter((c) => c.startsWith('listConnectors'))).toEqual(['listConnectors env-p1/lkc-2']);
    expect(platform.restarts).toEqual(['env-p1/lkc-2/broken']);
  });

  it('restarts every connector that one of several notifications names, each in its own cluster', async () => {
    // Prepare
    const { useCase, platform } = twoClusters();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: { clusterId: 'lkc-2', name: 'broken' } },
      { kind: 'connector-failed', source: 'test', connector: { clusterId: 'lkc-1', name: 'task-broken' } },
    ]);

    // Assess
    expect(report.outcomes.map((o) => `${o.connector.clusterId}/${o.connector.name}`).sort()).toEqual([
      'lkc-1/task-broken',
      'lkc-2/broken',
    ]);
    expect(platform.restarts.sort()).toEqual(['env-p1/lkc-1/task-broken', 'env-p1/lkc-2/broken']);
  });

  it('finds a connector by its id alone, and not one whose id differs', async () => {
    // Prepare
    const { useCase, platform } = twoClusters();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: {}, connectorId: 'lcc-twin' },
    ]);

    // Assess
    expect(report.outcomes.map((o) => o.connector)).toEqual([TWIN]);
    expect(platform.restarts).toEqual(['env-p1/lkc-2/broken']);
  });

  it('does not take a connector of the same name in another environment', async () => {
    // Prepare
    const { useCase, platform } = twoClusters();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: { environmentId: 'env-p2', name: 'broken' } },
    ]);

    // Assess
    expect(report.outcomes).toEqual([
      {
        connector: { environmentId: 'env-p2', clusterId: '?', name: 'broken' },
        result: 'skipped',
        reason: 'not-found',
        detail: 'the reported connector does not exist in the clusters in scope',
      },
    ]);
    expect(platform.calls.filter((c) => c.startsWith('listConnectors'))).toEqual([]);
    expect(platform.restarts).toEqual([]);
  });

  it('reports an unknown id as not found under that id, with the unknown parts as "?"', async () => {
    // Prepare
    const { useCase } = twoClusters();

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: {}, connectorId: 'lcc-ghost' },
    ]);

    // Assess
    expect(report.trigger).toBe('webhook');
    expect(report.outcomes.map((o) => o.connector)).toEqual([
      { environmentId: '?', clusterId: '?', name: 'lcc-ghost' },
    ]);
  });
});

describe('RecoverFailedConnectors: budget, backoff, windows and dry runs', () => {
  it('alerts once when the budget runs out, naming the restarts, the last one and the trace', async () => {
    // Prepare: 'broken' had its 3 automatic restarts, the last an hour ago.
    const { useCase, store, clock, platform } = setupWith();
    platform.addConnectorWithStatus(BROKEN, status('FAILED', ['FAILED'], 'Login failed'));
    const sweptAt = clock.now().getTime();
    const last = sweptAt - 60 * MINUTE_MS;
    await store.write(
      { connectorKey: 'env-p1/lkc-1/broken', failureRestarts: { count: 3, lastRestartAt: last } },
      null,
    );

    // Act
    const first = await useCase.sweep();
    const second = await useCase.sweep();

    // Assess
    expect(byName(first).broken).toEqual({
      connector: BROKEN,
      result: 'skipped',
      reason: 'budget-exhausted',
      detail: `automatic restart budget exhausted: left alone until a person acts: 3 automatic restart(s), the last at ${new Date(last).toISOString()}; last trace: Login failed`,
      alert: true,
    });
    expect(record(store, 'broken')?.failureRestarts?.exhaustedAt).toBe(sweptAt);
    expect(byName(second).broken).toEqual({
      connector: BROKEN,
      result: 'skipped',
      reason: 'budget-exhausted',
      detail: 'automatic restart budget exhausted: left alone until a person acts',
    });
    expect(platform.restarts).toEqual(['env-p1/lkc-1/task-broken']);
  });

  it('waits out the backoff after a restart, saying until when, and records no deferral', async () => {
    // Prepare: one automatic restart a minute ago; the next is due 2 minutes after it.
    const { useCase, store, clock, platform } = setupWith();
    const last = clock.now().getTime() - MINUTE_MS;
    await store.write(
      { connectorKey: 'env-p1/lkc-1/broken', failureRestarts: { count: 1, lastRestartAt: last } },
      null,
    );

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(byName(report).broken).toEqual({
      connector: BROKEN,
      result: 'skipped',
      reason: 'backoff',
      detail: `waiting out the restart backoff until ${new Date(last + 2 * MINUTE_MS).toISOString()}`,
      nextAttemptAt: last + 2 * MINUTE_MS,
    });
    expect(record(store, 'broken')?.failureRestarts).toEqual({ count: 1, lastRestartAt: last });
    expect(platform.restarts).toEqual(['env-p1/lkc-1/task-broken']);
  });

  it('in DRY_RUN, says which automatic restart it would be, and records no deferral inside a window', async () => {
    // Prepare
    const { useCase, store } = setupWith({ dryRun: true });
    const windowed = setupWith({ dryRun: true, maintenanceWindows: [parseMaintenanceWindow('30 0 * * *|90')] });

    // Act
    const report = await useCase.sweep();
    const deferred = await windowed.useCase.sweep();

    // Assess
    expect(byName(report).broken).toMatchObject({ detail: 'DRY_RUN: would restart (automatic restart 1)' });
    expect(byName(deferred).broken).toMatchObject({
      reason: 'deferred',
      detail: 'inside a maintenance window: deferred to its end at 2026-11-28T02:00:00.000Z',
    });
    expect([...store.snapshot(), ...windowed.store.snapshot()]).toEqual([]);
  });

  it('names the exclusion that left a failed connector alone', async () => {
    // Prepare
    const { useCase, platform } = setupWith({ exclusions: [parseConnectorPattern('env-p1/*/broken')] });

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(byName(report).broken).toMatchObject({ reason: 'excluded', detail: 'matches exclusion "env-p1/*/broken"' });
    expect(platform.restarts).toEqual(['env-p1/lkc-1/task-broken']);
  });
});

describe('RecoverFailedConnectors: outcomes, logs and bookkeeping', () => {
  it('logs failures, refused restarts and alerts as warnings and the rest as info, with the connector', async () => {
    // Prepare
    const { useCase, platform, lines } = setupWith();
    platform.scriptAfterRestart(BROKEN, [status('PROVISIONING', []), status('FAILED', ['FAILED'], 'still broken')]);

    // Act
    await useCase.sweep();

    // Assess
    const outcomes = lines.filter((line) => line.message === 'recovery outcome');
    expect(outcomes).toEqual(
      expect.arrayContaining([
        {
          level: 'warn',
          message: 'recovery outcome',
          fields: { connector: 'env-p1/lkc-1/broken', result: 'failed', attempt: 1, detail: 'still broken' },
        },
        {
          level: 'info',
          message: 'recovery outcome',
          fields: { connector: 'env-p1/lkc-1/task-broken', result: 'restarted', attempt: 1 },
        },
        {
          level: 'info',
          message: 'recovery outcome',
          fields: { connector: 'env-p1/lkc-1/paused', result: 'skipped', reason: 'paused', detail: expect.any(String) },
        },
      ]),
    );
    expect(outcomes).toHaveLength(3);
  });

  it('reports a refused restart with its attempt, logs it as a warning and frees the connector', async () => {
    // Prepare
    const { useCase, platform, store, lines } = setupWith();
    platform.restartError = new Error('403 Forbidden');

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(byName(report).broken).toEqual({
      connector: BROKEN,
      result: 'restart-error',
      attempt: 1,
      detail: '403 Forbidden',
    });
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(2);
    expect(store.snapshot().every((r) => r.lock === undefined && r.failureRestarts === undefined)).toBe(true);
  });

  it('says how long it waited when a restarted connector never comes back', async () => {
    // Prepare
    const { useCase, platform } = setupWith();
    platform.scriptAfterRestart(BROKEN, [status('PROVISIONING', [])]);

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(byName(report).broken).toMatchObject({ result: 'timed-out', detail: 'not RUNNING after 60000 ms' });
  });

  it('records when a connector with a streak is first seen healthy, and keeps that time afterwards', async () => {
    // Prepare
    const { useCase, store, clock } = setupWith();
    const seen = clock.now().getTime();
    await store.write({ connectorKey: 'env-p1/lkc-1/healthy', failureRestarts: { count: 1, lastRestartAt: 1 } }, null);
    const report = [{ kind: 'connector-failed' as const, source: 'test', connector: { name: 'healthy' } }];

    // Act
    await useCase.onFailureReported(report);
    clock.advance(MINUTE_MS);
    await useCase.onFailureReported(report);

    // Assess
    expect(record(store, 'healthy')?.failureRestarts).toEqual({ count: 1, lastRestartAt: 1, healthySince: seen });
  });

  it('does not take a connector that is not failed but not healthy either as seen healthy', async () => {
    // Prepare
    const { useCase, store, platform } = setupWith();
    platform.addConnectorWithStatus(HEALTHY, status('RUNNING', ['RUNNING', 'UNASSIGNED']));
    await store.write({ connectorKey: 'env-p1/lkc-1/healthy', failureRestarts: { count: 1, lastRestartAt: 1 } }, null);

    // Act
    const report = await useCase.onFailureReported([
      { kind: 'connector-failed', source: 'test', connector: { name: 'healthy' } },
    ]);

    // Assess
    expect(byName(report).healthy).toMatchObject({ reason: 'not-failed' });
    expect(record(store, 'healthy')?.failureRestarts).toEqual({ count: 1, lastRestartAt: 1 });
  });

  it('in DRY_RUN, does not record a connector as seen healthy', async () => {
    // Prepare
    const { useCase, store } = setupWith({ dryRun: true });
    await store.write({ connectorKey: 'env-p1/lkc-1/healthy', failureRestarts: { count: 1, lastRestartAt: 1 } }, null);

    // Act
    await useCase.onFailureReported([{ kind: 'connector-failed', source: 'test', connector: { name: 'healthy' } }]);

    // Assess
    expect(record(store, 'healthy')?.failureRestarts).toEqual({ count: 1, lastRestartAt: 1 });
  });
});

describe('RecoverFailedConnectors within limits', () => {
  /** `count` FAILED connectors in the one cluster, named failed-0… */
  function failedEstate(platform: FakePlatform, count: number) {
    const refs = Array.from({ length: count }, (_, i) => ({ ...BROKEN, name: `failed-${i}` }));
    for (const ref of refs) {
      platform.addConnector(ref, {}, 'FAILED');
      // Three polls of PROVISIONING before RUNNING: a verification spans several polls.
      platform.scriptAfterRestart(ref, [
        status('PROVISIONING', []),
        status('PROVISIONING', []),
        status('PROVISIONING', []),
        status('RUNNING'),
      ]);
    }
    return refs;
  }

  it('verifies outside the restart limit: every restart is asked for before any connector is polled twice', async () => {
    // Prepare: a poll interval takes a real timer tick, as it takes time in the field, so verifications overlap.
    const { useCase, platform, clock } = setup({ restartConcurrency: 2 });
    const advance = clock.sleep.bind(clock);
    clock.sleep = async (ms) => {
      await advance(ms);
      await new Promise((resolve) => setTimeout(resolve, 1));
    };
    failedEstate(platform, 8);

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(report.outcomes.filter((o) => o.result === 'restarted')).toHaveLength(10);
    const lastRestart = platform.calls.map((c) => c.startsWith('restart')).lastIndexOf(true);
    const polls = new Map<string, number>();
    for (const call of platform.calls.slice(0, lastRestart)) {
      if (call.startsWith('getStatus')) polls.set(call, (polls.get(call) ?? 0) + 1);
    }
    expect(Math.max(0, ...polls.values())).toBeLessThanOrEqual(1);
  });

  it("makes a status read that fails for good that connector's verify-error; the others are verified and reported", async () => {
    // Prepare
    const { useCase, platform, store, reports } = setup();
    const [flaky] = failedEstate(platform, 3);
    const getStatus = platform.getStatus.bind(platform);
    platform.getStatus = async (ref) => {
      if (ref.name === flaky?.name && platform.restarts.includes(`env-p1/lkc-1/${ref.name}`))
        throw new Error('Confluent get-status failed after 6 attempts: 500');
      return getStatus(ref);
    };

    // Act
    const report = await useCase.sweep();

    // Assess
    expect(reports).toEqual([report]);
    const outcomes = byName(report);
    expect(outcomes['failed-0']).toMatchObject({ result: 'verify-error', attempt: 1, method: 'restart' });
    expect(outcomes['failed-0']?.detail).toContain('restart accepted, not verified: Confluent get-status failed');
    expect(outcomes['failed-1']).toMatchObject({ result: 'restarted' });
    expect(outcomes['failed-2']).toMatchObject({ result: 'restarted' });
    expect((await store.read('env-p1/lkc-1/failed-0'))?.record.lock).toBeUndefined();
  });

  it("makes a state store failure before the restart that connector's restart-error, never the run's", async () => {
    // Prepare
    const { useCase, platform, store } = setup();
    failedEstate(platform, 2);
    const read = store.read.bind(store);
    store.read = async (key) => {
      if (key.endsWith('/failed-1')) throw new Error('DynamoDB GetItem failed: ProvisionedThroughputExceededException');
      return read(key);
    };

    // Act
    const report = await useCase.sweep();

    // Assess
    const outcomes = byName(report);
    expect(outcomes['failed-1']).toMatchObject({ result: 'restart-error' });
    expect(outcomes['failed-1']?.detail).toContain('not restarted: DynamoDB GetItem failed');
    expect(outcomes['failed-0']).toMatchObject({ result: 'restarted' });
    expect(platform.restarts).not.toContain('env-p1/lkc-1/failed-1');
  });

  it('begins no restart whose verification would outlast the deadline: skipped as out-of-time, unlocked, for the next sweep', async () => {
    // Prepare
    const { useCase, platform, store, clock } = setup({ restartAllowanceMs: 120_000 });
    failedEstate(platform, 2);
    const tooSoon = clock.now().getTime() + 119_000;

    // Act
    const first = await useCase.sweep({ deadline: tooSoon });
    const next = await useCase.sweep({ deadline: clock.now().getTime() + 900_000 });

    // Assess
    expect(first.outcomes.map((o) => [o.connector.name, o.result, o.reason]).sort()).toEqual(
      ['broken', 'failed-0', 'failed-1', 'task-broken']
        .map((name) => [name, 'skipped', 'out-of-time'])
        .concat([['paused', 'skipped', 'paused']])
        .sort(),
    );
    expect(first.outcomes.find((o) => o.reason === 'out-of-time')?.detail).toContain('next sweep');
    expect((await store.read('env-p1/lkc-1/failed-0'))?.record.lock).toBeUndefined();
    expect(next.outcomes.filter((o) => o.result === 'restarted')).toHaveLength(4);
  });
});
