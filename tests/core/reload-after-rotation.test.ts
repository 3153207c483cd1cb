import { ConnectorLeases } from '#core/connector-lease';
import { parseConnectorPattern } from '#core/connector-pattern';
import type { SecretRotated } from '#core/events';
import type { OutcomeReport } from '#core/outcome-report';
import type { Logger, OutcomeSink, SecretSnapshot, SecretSource, StateStore } from '#core/ports';
import { silentLogger } from '#core/ports';
import { ReloadAfterRotation, type ReloadSettings } from '#core/reload-after-rotation';
import { pendingOutcomes, type ReloadOutcome, type ReloadReport } from '#core/reload-plan';
import { parseSecretRef, secretIdentityKey } from '#core/secret-ref';
import { emptyTargetMapping, parseTargetMapping } from '#core/target-mapping';
import { TargetResolver } from '#core/target-resolver';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';
import { FakePlatform, status } from '#test-helpers/fake-platform';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const SECRET = parseSecretRef(ARN);
const ORDERS = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-cdc' };
const OUTBOX = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-outbox' };
const ARCHIVE = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-archive' };
const DATAGEN = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'datagen' };
const AZURE_TWIN = { environmentId: 'env-p1', clusterId: 'lkc-az1', name: 'orders-azure' };
/** What a connector using Confluent's secret manager integration carries in its config. */
const INTEGRATED = { 'secret.manager.provider.integration.id': 'cspi-aws1' };

class FakeSecrets implements SecretSource {
  snapshot: SecretSnapshot;
  constructor(clock: FakeClock) {
    this.snapshot = { secret: SECRET, currentVersion: 'v2', currentSince: clock.now(), pendingVersions: [], tags: {} };
  }
  async describe(): Promise<SecretSnapshot> {
    return this.snapshot;
  }
}

const SETTINGS: ReloadSettings = {
  dryRun: false,
  restartConcurrency: 4,
  exclusions: [],
  verify: { timeoutMs: 60_000, pollIntervalMs: 1_000, settleMs: 10_000 },
};

function setup(overrides: Partial<ReloadSettings> = {}, mappingJson?: string) {
  const clock = new FakeClock();
  const platform = new FakePlatform()
    .addCluster({ environmentId: 'env-p1', clusterId: 'lkc-aws1', cloud: 'aws', kind: 'Dedicated' })
    .addCluster({ environmentId: 'env-p1', clusterId: 'lkc-az1', cloud: 'azure', kind: 'Dedicated' })
    .addConnector(ORDERS, { ...INTEGRATED, 'database.password': ARN })
    .addConnector(OUTBOX, { ...INTEGRATED, 'database.password': 'prod/orders-db' })
    .addConnector(ARCHIVE, { ...INTEGRATED, 'aws.secret.access.key': ARN }, 'PAUSED')
    .addConnector(DATAGEN, { quickstart: 'ORDERS' })
    .addConnector(AZURE_TWIN, { ...INTEGRATED, 'database.password': ARN });
  const secrets = new FakeSecrets(clock);
  const store = new MemoryStateStore();
  const mapping = mappingJson ? parseTargetMapping(mappingJson, 'test') : emptyTargetMapping;
  const resolver = new TargetResolver(platform, mapping, {
    tagKey: 'confluent-connectors',
    configScan: true,
    sameCloudOnly: true,
  });
  const build = (owner: string) =>
    new ReloadAfterRotation(
      {
        secrets,
        platform,
        resolver,
        leases: new ConnectorLeases(store, clock, { owner, lockTtlMs: 600_000, retentionMs: 86_400_000 }),
        clock,
        logger: silentLogger,
      },
      { ...SETTINGS, ...overrides },
    );
  return { clock, platform, secrets, store, useCase: build('invocation-1'), build };
}

function rotated(version: string | null = 'v2'): SecretRotated {
  return { kind: 'secret-rotated', secret: SECRET, version, source: 'test', eventId: 'evt-1' };
}

const byName = (report: ReloadReport): Record<string, ReloadOutcome | undefined> =>
  Object.fromEntries(report.outcomes.map((o) => [o.connector.name, o]));

describe('ReloadAfterRotation', () => {
  it('restarts and verifies every referencing connector, skipping the paused one with its reason', async () => {
    // Prepare
    const { platform, useCase } = setup();

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    const outcomes = byName(report);
    expect(outcomes['orders-cdc']).toMatchObject({ result: 'restarted', sources: ['config-scan'], method: 'restart' });
    expect(outcomes['orders-outbox']).toMatchObject({ result: 'restarted' });
    expect(outcomes['orders-archive']).toMatchObject({ result: 'skipped', reason: 'paused' });
    expect(outcomes.datagen).toBeUndefined();
    expect(outcomes['orders-azure']).toBeUndefined();
    expect(platform.restarts.sort()).toEqual(['env-p1/lkc-aws1/orders-cdc', 'env-p1/lkc-aws1/orders-outbox']);
    expect(platform.calls).not.toContain('listConnectors env-p1/lkc-az1');
  });

  it('is idempotent: the same (secret, version) delivered again restarts nothing', async () => {
    // Prepare
    const { platform, useCase, build, clock } = setup();
    await useCase.execute(rotated());
    clock.advance(1_000);

    // Act
    const second = await build('invocation-2').execute(rotated());

    // Assess
    expect(platform.restarts).toHaveLength(2);
    expect(byName(second)['orders-cdc']).toMatchObject({ result: 'skipped', reason: 'already-covered' });
  });

  it('skips a connector whose last restart started after the version became current', async () => {
    // Prepare: a restart for another reason (e.g. failure recovery) happened after the rotation.
    const { platform, useCase, store, secrets, clock } = setup();
    const since = clock.now().getTime();
    secrets.snapshot = { ...secrets.snapshot, currentSince: new Date(since) };
    await store.write({ connectorKey: 'env-p1/lkc-aws1/orders-cdc', lastRestartAt: since + 5_000 }, null);
    await store.write({ connectorKey: 'env-p1/lkc-aws1/orders-outbox', lastRestartAt: since - 5_000 }, null);

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'skipped', reason: 'already-covered' });
    expect(byName(report)['orders-outbox']).toMatchObject({ result: 'restarted' });
    expect(platform.restarts).toEqual(['env-p1/lkc-aws1/orders-outbox']);
  });

  it('DRY_RUN plans the restarts but calls no mutating API and writes no state', async () => {
    // Prepare
    const { platform, useCase, store } = setup({ dryRun: true });

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(report.dryRun).toBe(true);
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'skipped', reason: 'dry-run' });
    expect(byName(report)['orders-archive']).toMatchObject({ reason: 'paused' });
    expect(platform.calls.filter((call) => call.startsWith('restart'))).toEqual([]);
    expect(store.snapshot()).toEqual([]);
  });

  it('skips connectors with an operation in flight', async () => {
    // Prepare
    const { useCase, store, clock, platform } = setup();
    await store.write(
      {
        connectorKey: 'env-p1/lkc-aws1/orders-cdc',
        lock: { owner: 'other', operation: 'recover failed', expiresAt: clock.now().getTime() + 60_000 },
      },
      null,
    );

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'skipped', reason: 'in-flight' });
    expect(platform.restarts).toEqual(['env-p1/lkc-aws1/orders-outbox']);
  });

  it('applies the exclusion list', async () => {
    // Prepare
    const { useCase, platform } = setup({ exclusions: [parseConnectorPattern('env-p1/*/orders-outbox')] });

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-outbox']).toMatchObject({ result: 'skipped', reason: 'excluded' });
    expect(platform.restarts).toEqual(['env-p1/lkc-aws1/orders-cdc']);
  });

  it('tells the cloud from cloud.provider when the clusters come without one (scopes naming clusters)', async () => {
    // Prepare
    const { useCase, platform } = setup();
    platform.clusters.splice(0, 2, { environmentId: 'env-p1', clusterId: 'lkc-aws1' }, AZURE_TWIN);
    platform
      .addConnector(ORDERS, { ...INTEGRATED, 'database.password': ARN, 'cloud.provider': 'aws' })
      .addConnector(AZURE_TWIN, { ...INTEGRATED, 'database.password': ARN, 'cloud.provider': 'AZURE' });

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-azure']).toMatchObject({ result: 'skipped', reason: 'other-cloud' });
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'restarted' });
    expect(platform.calls).toContain('listConnectors env-p1/lkc-az1');
  });

  it('unions tags and the mapping with the scan, de-duplicated, and reports unknown and other-cloud names', async () => {
    // Prepare
    const mapping = JSON.stringify({
      secrets: { 'prod/orders-db': ['env-p1/lkc-aws1/datagen', 'env-p1/lkc-aws1/orders-cdc'] },
    });
    const { useCase, secrets } = setup({}, mapping);
    secrets.snapshot = {
      ...secrets.snapshot,
      tags: { 'confluent-connectors': 'env-p1/lkc-aws1/orders-cdc,env-p1/lkc-aws1/gone,env-p1/lkc-az1/orders-azure' },
    };

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    const outcomes = byName(report);
    expect(report.outcomes.filter((o) => o.connector.name === 'orders-cdc')).toHaveLength(1);
    expect(outcomes['orders-cdc']?.sources).toEqual(['secret-tag', 'mapping-file', 'config-scan']);
    expect(outcomes.datagen).toMatchObject({ result: 'restarted', sources: ['mapping-file'] });
    expect(outcomes.gone).toMatchObject({ result: 'skipped', reason: 'not-found' });
    expect(outcomes['orders-azure']).toMatchObject({ result: 'skipped', reason: 'other-cloud' });
  });

  it('skips the whole event while the version is only pending', async () => {
    // Prepare
    const { useCase, secrets, platform } = setup();
    secrets.snapshot = { ...secrets.snapshot, currentVersion: 'v1', pendingVersions: ['v2'] };

    // Act
    const report = await useCase.execute(rotated('v2'));

    // Assess
    expect(report.eventSkip).toMatchObject({ reason: 'version-not-current' });
    expect(report.outcomes).toEqual([]);
    expect(platform.calls).toEqual([]);
  });

  it('reloads for the newer current version when the event names a superseded one, and says so', async () => {
    // Prepare
    const { useCase, secrets } = setup();
    secrets.snapshot = { ...secrets.snapshot, currentVersion: 'v3' };

    // Act
    const report = await useCase.execute(rotated('v2'));

    // Assess
    expect(report.version).toBe('v3');
    expect(report.notes.join('\n')).toContain('a newer version v3 is');
  });

  it('reports FAILED with the trace, and does not restart again for the same version', async () => {
    // Prepare
    const { useCase, platform, build, store } = setup();
    platform.scriptAfterRestart(ORDERS, [
      status('PROVISIONING', []),
      status('FAILED', ['FAILED'], 'password authentication failed'),
    ]);
    const first = await useCase.execute(rotated());

    // Act
    const retried = await build('invocation-2').execute({ ...rotated(), version: 'v2' });

    // Assess
    expect(byName(first)['orders-cdc']).toMatchObject({ result: 'failed', detail: 'password authentication failed' });
    expect(byName(retried)['orders-cdc']).toMatchObject({ result: 'skipped', reason: 'already-covered' });
    expect(platform.restarts).toHaveLength(2);
    expect(store.snapshot().every((record) => record.lock === undefined)).toBe(true);
  });

  it('releases the lock and records nothing when the restart is refused', async () => {
    // Prepare
    const { useCase, platform, store } = setup();
    platform.restartError = new Error('403 Forbidden');

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'restart-error', detail: '403 Forbidden' });
    expect(store.snapshot().every((record) => record.lock === undefined && record.lastRestartAt === undefined)).toBe(
      true,
    );
  });

  it('says a refusal that no retry can fix (a missing role) is not retryable, and leaves any other unmarked', async () => {
    // Prepare
    const permanent = setup();
    permanent.platform.restartError = Object.assign(new Error('403 Forbidden on restart and pause'), {
      retryable: false,
    });
    const transient = setup();
    transient.platform.restartError = new Error('500 Internal Server Error');

    // Act
    const refused = byName(await permanent.useCase.execute(rotated()))['orders-cdc'];
    const failed = byName(await transient.useCase.execute(rotated()))['orders-cdc'];

    // Assess
    expect(refused).toMatchObject({ result: 'restart-error', retryable: false });
    expect(failed).toMatchObject({ result: 'restart-error' });
    expect(failed).not.toHaveProperty('retryable');
  });
});

describe('ReloadAfterRotation.plan', () => {
  it('shows a connector the same version was already applied to as already covered, restarting nothing', async () => {
    // Prepare
    const { platform, useCase, build, clock } = setup();
    await useCase.execute(rotated());
    clock.advance(1_000);

    // Act
    const plan = await build('cli-plan').plan(rotated());

    // Assess
    const decisions = Object.fromEntries(plan.targets.map((t) => [t.connector.name, t.decision]));
    expect(decisions['orders-cdc']).toEqual({
      action: 'skip',
      reason: 'already-covered',
      detail: 'version v2 was already applied to this connector',
    });
    expect(decisions['orders-archive']).toMatchObject({ reason: 'paused' });
    expect(platform.restarts).toHaveLength(2);
  });

  it('shows a connector restarted after the version became current as already covered, and one before as due', async () => {
    // Prepare
    const { useCase, store, secrets, clock } = setup();
    const since = clock.now().getTime();
    secrets.snapshot = { ...secrets.snapshot, currentSince: new Date(since) };
    await store.write({ connectorKey: 'env-p1/lkc-aws1/orders-cdc', lastRestartAt: since + 5_000 }, null);
    await store.write({ connectorKey: 'env-p1/lkc-aws1/orders-outbox', lastRestartAt: since - 5_000 }, null);

    // Act
    const plan = await useCase.plan(rotated());

    // Assess
    const decisions = Object.fromEntries(plan.targets.map((t) => [t.connector.name, t.decision]));
    expect(decisions['orders-cdc']).toEqual({
      action: 'skip',
      reason: 'already-covered',
      detail: `restarted at ${new Date(since + 5_000).toISOString()}, after the version became current at ${new Date(since).toISOString()}`,
    });
    expect(decisions['orders-outbox']).toEqual({ action: 'restart' });
    expect(store.snapshot().every((record) => record.lock === undefined)).toBe(true);
  });
});

describe('ReloadAfterRotation edge cases', () => {
  it('records the version under the resolved secret, so a reload by bare name covers the ARN event', async () => {
    // Prepare: the CLI names the secret; the provider resolves it to its full ARN; the cloud event carries that ARN.
    const { useCase, build, platform, store, clock } = setup();
    const byBareName: SecretRotated = { ...rotated(null), secret: parseSecretRef('prod/orders-db') };
    await useCase.execute(byBareName);
    clock.advance(1_000);
    const restartsBefore = platform.restarts.length;

    // Act
    const fromEvent = await build('invocation-2').execute(rotated('v2'));

    // Assess
    expect(platform.restarts).toHaveLength(restartsBefore);
    expect(byName(fromEvent)['orders-cdc']).toMatchObject({
      reason: 'already-covered',
      detail: 'version v2 was already applied to this connector',
    });
    expect(store.snapshot().find((r) => r.connectorKey === 'env-p1/lkc-aws1/orders-cdc')?.appliedVersions).toEqual({
      'aws:us-east-1:123456789012:prod/orders-db': 'v2',
    });
  });

  it('does not count a restart earlier in the same whole second as covering the version', async () => {
    // Prepare: the version became current at 12:00:05 (whole seconds); a restart happened at 12:00:05.400.
    const { useCase, store, secrets, platform } = setup();
    const second = Date.parse('2026-11-27T12:00:05Z');
    secrets.snapshot = { ...secrets.snapshot, currentSince: new Date(second) };
    await store.write({ connectorKey: 'env-p1/lkc-aws1/orders-cdc', lastRestartAt: second + 400 }, null);

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'restarted' });
    expect(platform.restarts).toContain('env-p1/lkc-aws1/orders-cdc');
  });

  it('reports every outcome to the outcome channel, with the event time for the latency metric', async () => {
    // Prepare
    const { platform, secrets, clock } = setup();
    const delivered: OutcomeReport[] = [];
    const useCase = new ReloadAfterRotation(
      {
        secrets,
        platform,
        resolver: new TargetResolver(platform, emptyTargetMapping, {
          tagKey: 'confluent-connectors',
          configScan: true,
          sameCloudOnly: true,
        }),
        leases: new ConnectorLeases(new MemoryStateStore(), clock, {
          owner: 'x',
          lockTtlMs: 60_000,
          retentionMs: 60_000,
        }),
        clock,
        logger: silentLogger,
        outcomes: { name: 'recorded', deliver: async (outcome) => void delivered.push(outcome) },
      },
      SETTINGS,
    );
    const occurredAt = new Date(clock.now().getTime() - 2_000);

    // Act
    const report = await useCase.execute({ ...rotated(), occurredAt });

    // Assess
    expect(delivered).toEqual([{ kind: 'rotation', report }]);
    expect(report.eventTime).toEqual(occurredAt);
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'restarted' });
  });

  it('keeps the verified outcome when delivering it fails, and logs the error with every outcome', async () => {
    // Prepare
    const { platform, secrets, clock } = setup();
    const store = new MemoryStateStore();
    const { logger, lines } = recordingLogger();
    const useCase = new ReloadAfterRotation(
      {
        secrets,
        platform,
        resolver: new TargetResolver(platform, emptyTargetMapping, {
          tagKey: 'confluent-connectors',
          configScan: true,
          sameCloudOnly: true,
        }),
        leases: new ConnectorLeases(store, clock, { owner: 'x', lockTtlMs: 60_000, retentionMs: 60_000 }),
        clock,
        logger,
        outcomes: {
          name: 'EventBridge',
          deliver: async () => {
            throw new Error('EventBridge unavailable');
          },
        },
      },
      SETTINGS,
    );

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'restarted' });
    const failure = lines.find((line) => line.message === 'outcome notification failed');
    expect(failure?.fields).toMatchObject({
      sink: 'EventBridge',
      outcome: 'rotation',
      error: 'EventBridge unavailable',
      secret: ARN,
      version: 'v2',
    });
    expect(failure?.fields?.outcomes).toContainEqual({
      connector: 'env-p1/lkc-aws1/orders-cdc',
      result: 'restarted',
      reason: undefined,
    });
    expect(failure?.fields?.outcomes).toHaveLength(report.outcomes.length);
  });

  describe('never orphans a connector it paused', () => {
    const MAPPING = JSON.stringify({ secrets: { [ARN]: ['env-p1/lkc-aws1/orders-cdc'] } });

    it('records the pause before pausing, and a fault between pause and resume leaves the record for the next run', async () => {
      // Prepare
      const { useCase, platform, store } = setup({}, MAPPING);
      platform.pauseResume = true;
      platform.crashBetweenPauseAndResume = true;

      // Act
      const report = await useCase.execute(rotated());

      // Assess
      expect(byName(report)['orders-cdc']).toMatchObject({ result: 'restart-error' });
      const record = store.snapshot().find((r) => r.connectorKey === 'env-p1/lkc-aws1/orders-cdc');
      expect(record?.pausedByReloader).toMatchObject({ operation: `reload ${ARN}@v2`, at: expect.any(Number) });
      expect(record?.lock).toBeUndefined();
    });

    it('resumes and verifies it on the next rotation, clearing the record and applying the version', async () => {
      // Prepare
      const { useCase, platform, store, build } = setup({}, MAPPING);
      platform.pauseResume = true;
      platform.crashBetweenPauseAndResume = true;
      await useCase.execute(rotated());
      platform.crashBetweenPauseAndResume = false;

      // Act
      const report = await build('invocation-2').execute(rotated());

      // Assess
      const outcome = byName(report)['orders-cdc'];
      expect(outcome).toMatchObject({ result: 'restarted', method: 'resume' });
      expect(outcome?.detail).toMatch(
        /^resumed: the reloader paused it at .* \(reload arn:.*@v2\) and had not resumed it$/,
      );
      expect(platform.resumes).toContain('env-p1/lkc-aws1/orders-cdc');
      const record = store.snapshot().find((r) => r.connectorKey === 'env-p1/lkc-aws1/orders-cdc');
      expect(record?.pausedByReloader).toBeUndefined();
      expect(record?.appliedVersions).toEqual({ [secretIdentityKey(SECRET)]: 'v2' });
      // A connector paused by a person (no record) is still left alone.
      expect(byName(report)['orders-archive']).toMatchObject({ result: 'skipped', reason: 'paused' });
    });

    it('leaves a connector paused by a pause/resume still in flight to that operation', async () => {
      // Prepare
      const { useCase, platform, store, build } = setup({}, MAPPING);
      platform.pauseResume = true;
      platform.crashBetweenPauseAndResume = true;
      await useCase.execute(rotated());
      const key = 'env-p1/lkc-aws1/orders-cdc';
      const current = await store.read(key);
      const lock = { owner: 'other', operation: 'reload elsewhere', expiresAt: Date.parse('2100-01-01T00:00:00Z') };
      await store.write({ ...(current?.record ?? { connectorKey: key }), lock }, current?.etag ?? null);

      // Act
      const report = await build('invocation-2').execute(rotated());

      // Assess
      expect(byName(report)['orders-cdc']).toMatchObject({ result: 'skipped', reason: 'in-flight' });
      expect(platform.resumes).not.toContain(key);
    });
  });
});

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('ReloadAfterRotation: targets anchored to the secret manager integration', () => {
  const LEGACY = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-legacy' };
  const TOPIC_TWIN = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-router' };

  it('names a connector holding the ARN in plain config as plain-config and does not restart it', async () => {
    // Prepare
    const { useCase, platform } = setup();
    platform.addConnector(LEGACY, { 'transforms.tag.static.value': ARN, 'database.password': '****************' });

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-legacy']).toMatchObject({
      result: 'skipped',
      reason: 'plain-config',
      sources: ['config-scan'],
      detail: expect.stringContaining('transforms.tag.static.value'),
    });
    expect(report.notes.join('\n')).toContain('1 connector(s) hold a reference to the secret in plain config');
    expect(platform.restarts).not.toContain('env-p1/lkc-aws1/orders-legacy');
  });

  it('restarts a plain-config connector that the mapping file names: tags and the mapping stay explicit', async () => {
    // Prepare
    const mapping = JSON.stringify({ secrets: { [ARN]: ['env-p1/lkc-aws1/orders-legacy'] } });
    const { useCase, platform } = setup({}, mapping);
    platform.addConnector(LEGACY, { 'transforms.tag.static.value': ARN });

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-legacy']).toMatchObject({
      result: 'restarted',
      sources: ['mapping-file', 'config-scan'],
    });
  });

  it('restarts plain-config connectors too when REQUIRE_PROVIDER_INTEGRATION is off', async () => {
    // Prepare
    const { platform, secrets, clock } = setup();
    platform.addConnector(LEGACY, { 'database.password': ARN });
    const resolver = new TargetResolver(platform, emptyTargetMapping, {
      tagKey: 'confluent-connectors',
      configScan: true,
      sameCloudOnly: true,
      requireProviderIntegration: false,
    });
    const useCase = new ReloadAfterRotation(
      {
        secrets,
        platform,
        resolver,
        leases: new ConnectorLeases(new MemoryStateStore(), clock, { owner: 'x', lockTtlMs: 60_000, retentionMs: 1 }),
        clock,
        logger: silentLogger,
      },
      SETTINGS,
    );

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-legacy']).toMatchObject({ result: 'restarted', sources: ['config-scan'] });
  });

  it('does not take a topic or a connector named like the secret for a reference', async () => {
    // Prepare
    const { useCase, platform } = setup();
    platform.addConnector(TOPIC_TWIN, { ...INTEGRATED, topics: 'prod/orders-db', name: 'prod/orders-db' });

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-router']).toBeUndefined();
    expect(byName(report)['orders-outbox']).toMatchObject({ result: 'restarted' });
  });
});

describe('ReloadAfterRotation: Key Vault references pinned to a version', () => {
  const VAULT = 'https://contoso.vault.azure.net/secrets/analytics-db';
  const OLD = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
  const NEW = '9a8b7c6d5e4f30211203f4e5d6c7b8a9';
  const FOLLOWS = { environmentId: 'env-p1', clusterId: 'lkc-az1', name: 'follows-current' };
  const PINNED_OLD = { environmentId: 'env-p1', clusterId: 'lkc-az1', name: 'pinned-old' };
  const PINNED_NEW = { environmentId: 'env-p1', clusterId: 'lkc-az1', name: 'pinned-new' };

  function azureSetup() {
    const clock = new FakeClock();
    const platform = new FakePlatform()
      .addCluster({ environmentId: 'env-p1', clusterId: 'lkc-az1', cloud: 'azure', kind: 'Dedicated' })
      .addConnector(FOLLOWS, { ...INTEGRATED, 'azblob.account.key': VAULT })
      .addConnector(PINNED_OLD, { ...INTEGRATED, 'azure.sql.dw.password': `${VAULT}/${OLD}` })
      .addConnector(PINNED_NEW, { ...INTEGRATED, 'azure.sql.dw.password': `${VAULT}/${NEW.toUpperCase()}` });
    const secret = parseSecretRef(VAULT);
    const secrets: SecretSource = {
      describe: async () => ({ secret, currentVersion: NEW, currentSince: clock.now(), pendingVersions: [], tags: {} }),
    };
    const resolver = new TargetResolver(platform, emptyTargetMapping, {
      tagKey: 'confluent-connectors',
      configScan: true,
      sameCloudOnly: true,
    });
    const useCase = new ReloadAfterRotation(
      {
        secrets,
        platform,
        resolver,
        leases: new ConnectorLeases(new MemoryStateStore(), clock, { owner: 'x', lockTtlMs: 60_000, retentionMs: 1 }),
        clock,
        logger: silentLogger,
      },
      SETTINGS,
    );
    const event: SecretRotated = { kind: 'secret-rotated', secret, version: NEW, source: 'test', eventId: 'evt-kv' };
    return { platform, useCase, event };
  }

  it('skips a connector pinned to another version, naming the version, and restarts one pinned to the new one', async () => {
    // Prepare
    const { platform, useCase, event } = azureSetup();

    // Act
    const report = await useCase.execute(event);

    // Assess
    const outcomes = byName(report);
    expect(outcomes['pinned-old']).toMatchObject({
      result: 'skipped',
      reason: 'pinned-version',
      detail: expect.stringContaining(`pin version ${OLD}`),
    });
    expect(outcomes['pinned-new']).toMatchObject({ result: 'restarted' });
    expect(outcomes['follows-current']).toMatchObject({ result: 'restarted' });
    expect(platform.restarts.sort()).toEqual(['env-p1/lkc-az1/follows-current', 'env-p1/lkc-az1/pinned-new']);
  });
});

describe('ReloadAfterRotation: a connector another operation holds is pending, not skipped', () => {
  const KEY = 'env-p1/lkc-aws1/orders-cdc';
  const lockedBy = (operation: string, expiresAt: number) => ({ owner: 'other', operation, expiresAt });

  it('waits on the holder: pending until its lock expires, the version recorded for it, the rest restarted', async () => {
    // Prepare
    const { useCase, store, clock, platform, secrets } = setup();
    const expiresAt = clock.now().getTime() + 60_000;
    await store.write({ connectorKey: KEY, lock: lockedBy('recover failed (attempt 1)', expiresAt) }, null);

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({
      result: 'skipped',
      reason: 'in-flight',
      pending: { holder: 'recover failed (attempt 1)', lockExpiresAt: expiresAt },
    });
    expect(pendingOutcomes(report).map((o) => o.connector.name)).toEqual(['orders-cdc']);
    expect(platform.restarts).toEqual(['env-p1/lkc-aws1/orders-outbox']);
    const record = (await store.read(KEY))?.record;
    expect(record?.lock?.owner).toBe('other');
    expect(record?.pendingVersions).toEqual({
      [secretIdentityKey(SECRET)]: {
        secret: report.secret,
        version: 'v2',
        becameCurrentAt: secrets.snapshot.currentSince?.getTime(),
        since: expect.any(Number),
      },
    });
  });

  it('counts a connector the holder restarted after the version became current as covered, not pending', async () => {
    // Prepare
    const { useCase, store, clock } = setup();
    const lock = lockedBy('recover failed (attempt 1)', clock.now().getTime() + 60_000);
    // The version became current at a whole second: a restart covers it once that second is over.
    await store.write({ connectorKey: KEY, lock, lastRestartAt: clock.now().getTime() + 1_000 }, null);

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'skipped', reason: 'already-covered' });
    expect(pendingOutcomes(report)).toEqual([]);
  });

  it('restarts a connector itself when the holder released it between planning and restarting', async () => {
    // Prepare: the record planning reads still shows the lock; the holder releases right after.
    const { clock, platform, secrets, store: inner } = setup();
    await inner.write({ connectorKey: KEY, lock: lockedBy('recover failed', clock.now().getTime() + 60_000) }, null);
    let released = false;
    const store: StateStore = {
      async read(key) {
        const found = await inner.read(key);
        if (key === KEY && !released && found) {
          released = true;
          const { lock: _lock, ...rest } = found.record;
          await inner.write(rest, found.etag);
        }
        return found;
      },
      write: (record, etag) => inner.write(record, etag),
    };
    const resolver = new TargetResolver(platform, emptyTargetMapping, {
      tagKey: 'confluent-connectors',
      configScan: true,
      sameCloudOnly: true,
    });
    const leases = new ConnectorLeases(store, clock, { owner: 'rotation', lockTtlMs: 600_000, retentionMs: 1 });
    const useCase = new ReloadAfterRotation(
      { secrets, platform, resolver, leases, clock, logger: silentLogger },
      SETTINGS,
    );

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'restarted' });
    expect(pendingOutcomes(report)).toEqual([]);
    expect(platform.restarts).toContain(KEY);
  });

  it('DRY_RUN reports the in-flight connector without waiting on it or writing anything', async () => {
    // Prepare
    const { useCase, store, clock } = setup({ dryRun: true });
    await store.write({ connectorKey: KEY, lock: lockedBy('recover failed', clock.now().getTime() + 60_000) }, null);
    const before = await store.read(KEY);

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({ result: 'skipped', reason: 'in-flight' });
    expect(pendingOutcomes(report)).toEqual([]);
    expect(await store.read(KEY)).toEqual(before);
  });

  it('plans an in-flight connector as in flight without recording anything (plan writes no state)', async () => {
    // Prepare
    const { useCase, store, clock } = setup();
    await store.write({ connectorKey: KEY, lock: lockedBy('recover failed', clock.now().getTime() + 60_000) }, null);
    const before = await store.read(KEY);

    // Act
    const plan = await useCase.plan(rotated());

    // Assess
    const target = plan.targets.find((t) => t.connector.name === 'orders-cdc');
    expect(target?.decision).toMatchObject({ action: 'skip', reason: 'in-flight' });
    expect(await store.read(KEY)).toEqual(before);
  });
});

describe('ReloadAfterRotation: what the plan and the report say', () => {
  function recordingLogger() {
    const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
    const at =
      (level: string) =>
      (message: string, fields?: Record<string, unknown>): void => {
        lines.push({ level, message, ...(fields ? { fields } : {}) });
      };
    return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
  }

  function withLogger(outcomes?: OutcomeSink) {
    const context = setup();
    const { lines, logger } = recordingLogger();
    const useCase = new ReloadAfterRotation(
      {
        secrets: context.secrets,
        platform: context.platform,
        resolver: new TargetResolver(context.platform, emptyTargetMapping, {
          tagKey: 'confluent-connectors',
          configScan: true,
          sameCloudOnly: true,
        }),
        leases: new ConnectorLeases(context.store, context.clock, {
          owner: 'x',
          lockTtlMs: 60_000,
          retentionMs: 60_000,
        }),
        clock: context.clock,
        logger,
        ...(outcomes ? { outcomes } : {}),
      },
      { ...SETTINGS, exclusions: [parseConnectorPattern('*/*/orders-outbox')] },
    );
    return { ...context, useCase, lines };
  }

  it("plans with each connector's state, when the version became current, and the detail of every skip", async () => {
    // Prepare
    const { useCase, store, clock, secrets } = setup({ exclusions: [parseConnectorPattern('*/*/orders-outbox')] });
    const since = new Date(clock.now().getTime() - 60_000);
    secrets.snapshot = { ...secrets.snapshot, currentSince: since };
    const lock = { owner: 'other', operation: 'recover failed', expiresAt: clock.now().getTime() + 60_000 };
    await store.write({ connectorKey: 'env-p1/lkc-aws1/orders-cdc', lock }, null);

    // Act
    const plan = await useCase.plan(rotated());

    // Assess
    const targets = Object.fromEntries(plan.targets.map((t) => [t.connector.name, t]));
    expect(plan.versionBecameCurrentAt).toEqual(since);
    expect(targets['orders-cdc']).toMatchObject({
      state: 'RUNNING',
      decision: { reason: 'in-flight', detail: 'another operation on this connector is in flight (recover failed)' },
    });
    expect(targets['orders-outbox']?.decision).toMatchObject({ detail: 'matches exclusion "*/*/orders-outbox"' });
    expect(targets['orders-archive']).toMatchObject({ state: 'PAUSED' });
  });

  it('names both clouds when it skips a connector on another cloud, and gives a missing one no state', async () => {
    // Prepare
    const mapping = JSON.stringify({
      secrets: { 'prod/orders-db': ['env-p1/lkc-az1/orders-azure', 'env-p1/lkc-aws1/gone'] },
    });
    const { useCase } = setup({}, mapping);

    // Act
    const plan = await useCase.plan(rotated());

    // Assess
    const targets = Object.fromEntries(plan.targets.map((t) => [t.connector.name, t]));
    expect(targets['orders-azure']?.decision).toMatchObject({
      reason: 'other-cloud',
      detail: 'cluster runs on azure, the secret is on aws',
    });
    expect(targets.gone).toEqual({
      connector: { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'gone' },
      sources: ['mapping-file'],
      decision: { action: 'skip', reason: 'not-found', detail: expect.any(String) },
    });
  });

  it('logs every outcome with its connector, result, reason and detail', async () => {
    // Prepare
    const { useCase, lines } = withLogger();

    // Act
    await useCase.execute(rotated());

    // Assess
    const outcomes = lines.filter((line) => line.message === 'reload outcome');
    expect(outcomes).toHaveLength(3);
    expect(outcomes).toContainEqual({
      level: 'info',
      message: 'reload outcome',
      fields: {
        connector: 'env-p1/lkc-aws1/orders-outbox',
        result: 'skipped',
        reason: 'excluded',
        detail: 'matches exclusion "*/*/orders-outbox"',
      },
    });
    expect(outcomes).toContainEqual({
      level: 'info',
      message: 'reload outcome',
      fields: { connector: 'env-p1/lkc-aws1/orders-cdc', result: 'restarted', reason: undefined, detail: undefined },
    });
  });

  it('logs the whole outcome as an error when publishing it fails, so that it is not lost', async () => {
    // Prepare
    const { useCase, lines } = withLogger({
      name: 'EventBridge',
      deliver: async () => {
        throw new Error('EventBridge unavailable');
      },
    });

    // Act
    await useCase.execute(rotated());

    // Assess
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      message: 'outcome notification failed',
      fields: {
        error: 'EventBridge unavailable',
        secret: ARN,
        version: 'v2',
        outcomes: expect.arrayContaining([
          { connector: 'env-p1/lkc-aws1/orders-cdc', result: 'restarted', reason: undefined },
          { connector: 'env-p1/lkc-aws1/orders-outbox', result: 'skipped', reason: 'excluded' },
        ]),
      },
    });
  });

  it('reports the restart latency, and for a timeout the last state seen', async () => {
    // Prepare
    const { useCase, platform } = setup();
    platform.scriptAfterRestart(ORDERS, [status('PROVISIONING', [])]);

    // Act
    const report = await useCase.execute(rotated());

    // Assess
    expect(byName(report)['orders-cdc']).toMatchObject({
      result: 'timed-out',
      detail: 'not RUNNING after 60000 ms (last state PROVISIONING)',
      finalStatus: { state: 'PROVISIONING', tasks: [] },
      restartLatencyMs: 0,
    });
    expect(byName(report)['orders-outbox']).toMatchObject({ result: 'restarted', restartLatencyMs: 0 });
  });
});

describe('ReloadAfterRotation: which version is applied', () => {
  it('uses the current version when the event names none, and says so', async () => {
    // Prepare
    const { useCase, secrets } = setup();
    const unknown = setup();
    unknown.secrets.snapshot = { ...unknown.secrets.snapshot, currentVersion: null };

    // Act
    const plan = await useCase.plan(rotated(null));
    const unknownPlan = await unknown.useCase.plan(rotated(null));

    // Assess
    expect(plan).toMatchObject({
      version: 'v2',
      notes: [
        'event names no version; using the current version v2',
        '1 cluster(s) on another cloud than the secret were not scanned',
      ],
    });
    expect(unknownPlan).toMatchObject({
      version: null,
      notes: [
        'event names no version; using the current version (unknown)',
        '1 cluster(s) on another cloud than the secret were not scanned',
      ],
    });
    expect(secrets.snapshot.currentVersion).toBe('v2');
  });

  it("takes the event's version as it is when it is current, or when the current one is unknown", async () => {
    // Prepare
    const { useCase } = setup();
    const unknown = setup();
    unknown.secrets.snapshot = { ...unknown.secrets.snapshot, currentVersion: null };

    // Act
    const plans = [await useCase.plan(rotated('v2')), await unknown.useCase.plan(rotated('v2'))];

    // Assess
    for (const plan of plans)
      expect(plan).toMatchObject({
        version: 'v2',
        notes: ['1 cluster(s) on another cloud than the secret were not scanned'],
      });
  });

  it('counts a restart in the last millisecond of the whole second as not covering, and any later one as covering', async () => {
    // Prepare: the version became current at 12:00:05 (whole seconds), so anywhere up to 12:00:05.999.
    const second = Date.parse('2026-11-27T12:00:05Z');
    const { useCase, store, secrets } = setup();
    secrets.snapshot = { ...secrets.snapshot, currentSince: new Date(second) };
    await store.write({ connectorKey: 'env-p1/lkc-aws1/orders-cdc', lastRestartAt: second + 999 }, null);
    await store.write({ connectorKey: 'env-p1/lkc-aws1/orders-outbox', lastRestartAt: second + 1_000 }, null);

    // Act
    const plan = await useCase.plan(rotated());

    // Assess
    const decisions = Object.fromEntries(plan.targets.map((t) => [t.connector.name, t.decision]));
    expect(decisions['orders-cdc']).toEqual({ action: 'restart' });
    expect(decisions['orders-outbox']).toMatchObject({ reason: 'already-covered' });
  });

  it('takes a time with milliseconds as exact: a restart just after it covers the version', async () => {
    // Prepare
    const exact = Date.parse('2026-11-27T12:00:05.250Z');
    const { useCase, store, secrets } = setup();
    secrets.snapshot = { ...secrets.snapshot, currentSince: new Date(exact) };
    await store.write({ connectorKey: 'env-p1/lkc-aws1/orders-cdc', lastRestartAt: exact + 1 }, null);

    // Act
    const plan = await useCase.plan(rotated());

    // Assess
    const decisions = Object.fromEntries(plan.targets.map((t) => [t.connector.name, t.decision]));
    expect(decisions['orders-cdc']).toMatchObject({ reason: 'already-covered' });
  });
});
