import { ConnectorLeases } from '#core/connector-lease';
import type { ConnectorRef } from '#core/connector-ref';
import type { SecretRotated } from '#core/events';
import { type SecretSnapshot, silentLogger } from '#core/ports';
import { ReloadAfterRotation, type ReloadSettings } from '#core/reload-after-rotation';
import type { ReloadReport } from '#core/reload-plan';
import { isCredentialError, type RolloutSettings, rolloutKey } from '#core/rollout-waves';
import { parseSecretRef, secretIdentityKey } from '#core/secret-ref';
import { emptyTargetMapping } from '#core/target-mapping';
import { TargetResolver } from '#core/target-resolver';
import { alertFor } from '#notifiers/alert-messages';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';
import { FakePlatform, status } from '#test-helpers/fake-platform';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const SECRET = parseSecretRef(ARN);
const INTEGRATED = { 'secret.manager.provider.integration.id': 'cspi-aws1' };
const connector = (name: string): ConnectorRef => ({ environmentId: 'env-p1', clusterId: 'lkc-aws1', name });
/** Five connectors on the rotated secret; the first in listing order is FAILED already, so it is not the canary. */
const ALREADY_FAILED = connector('orders-broken');
const DEPENDENTS = ['orders-cdc', 'orders-outbox', 'orders-audit', 'orders-search'].map(connector);
const WRONG_PASSWORD = 'SYSTEM_ERROR: org.postgresql.util.PSQLException: FATAL: password authentication failed';
const WAVES: RolloutSettings = { mode: 'waves', threshold: 3, firstWave: 1 };

function setup(rollout: RolloutSettings = WAVES) {
  const clock = new FakeClock();
  const platform = new FakePlatform().addCluster({
    environmentId: 'env-p1',
    clusterId: 'lkc-aws1',
    cloud: 'aws',
    kind: 'Dedicated',
  });
  platform.addConnectorWithStatus(ALREADY_FAILED, status('FAILED', ['FAILED'], 'disk full'), {
    ...INTEGRATED,
    'database.password': ARN,
  });
  for (const ref of DEPENDENTS) platform.addConnector(ref, { ...INTEGRATED, 'database.password': ARN });
  let snapshot: SecretSnapshot = {
    secret: SECRET,
    currentVersion: 'v2',
    currentSince: clock.now(),
    pendingVersions: [],
    tags: {},
  };
  const store = new MemoryStateStore();
  const resolver = new TargetResolver(platform, emptyTargetMapping, {
    tagKey: 'confluent-connectors',
    configScan: true,
    sameCloudOnly: true,
  });
  const settings: ReloadSettings = {
    dryRun: false,
    restartConcurrency: 10,
    exclusions: [],
    verify: { timeoutMs: 60_000, pollIntervalMs: 1_000, settleMs: 5_000 },
    rollout,
  };
  let invocation = 0;
  const execute = (version: string) => {
    snapshot = { ...snapshot, currentVersion: version, currentSince: clock.now() };
    clock.advance(1_000);
    const useCase = new ReloadAfterRotation(
      {
        secrets: { describe: async () => snapshot },
        platform,
        resolver,
        leases: new ConnectorLeases(store, clock, {
          owner: `invocation-${++invocation}`,
          lockTtlMs: 600_000,
          retentionMs: 86_400_000,
        }),
        clock,
        logger: silentLogger,
      },
      settings,
    );
    const event: SecretRotated = { kind: 'secret-rotated', secret: SECRET, version, source: 'test', eventId: version };
    return useCase.execute(event);
  };
  return { platform, store, execute };
}

const results = (report: ReloadReport) =>
  Object.fromEntries(report.outcomes.map((o) => [o.connector.name, o.reason ?? o.result]));

describe('isCredentialError', () => {
  it.each([
    WRONG_PASSWORD,
    "java.sql.SQLException: Access denied for user 'cdc'@'10.0.0.4' (using password: YES)",
    "com.microsoft.sqlserver.jdbc.SQLServerException: Login failed for user 'cdc'.",
    'org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed: Invalid username or password',
    'com.mongodb.MongoSecurityException: Exception authenticating MongoCredential',
    'HTTP 401 Unauthorized from https://api.example.com/ingest',
    'Sink task failed: status code: 403, message: forbidden',
    'ORA-01017: invalid username/password; logon denied',
    'Snowflake: Incorrect username or password was specified.',
    'The security token included in the request is invalid (UnrecognizedClientException)',
    'Request failed with status 401',
    'HTTP/1.1 403 Forbidden',
    'Elasticsearch sink: Unauthorised',
    'FATAL: password expired for user "cdc"',
    'HTTP 400: Invalid API key',
    'invalid apikey',
    'AADSTS7000215: Invalid client secret provided.',
    'invalid access key',
    'Invalid credential',
    'credential expired at 2026-11-27T12:00:00Z',
    'credentials rejected by the server',
    'The AWS Access Key Id you provided does not exist in our records. (InvalidAccessKeyId)',
  ])('reads %p as a credential error', (trace) => {
    // Act
    const credential = isCredentialError(trace);

    // Assess
    expect(credential).toBe(true);
  });

  it.each([
    'org.apache.kafka.connect.errors.ConnectException: Connection refused (Connection refused)',
    'java.lang.NullPointerException\n\tat io.confluent.connect.jdbc.JdbcSourceTask.poll(JdbcSourceTask.java:401)',
    'task 0 UNASSIGNED (awaiting a worker) for 180 s',
    'Topic orders not present in metadata after 60000 ms.',
    undefined,
  ])('does not read %p as one', (trace) => {
    // Act
    const credential = isCredentialError(trace);

    // Assess
    expect(credential).toBe(false);
  });
});

describe('rollout waves', () => {
  it('halts the rest when the first wave fails with a credential error, reporting them halted with its trace', async () => {
    // Prepare
    const { platform, store, execute } = setup();
    platform.scriptAfterRestart(DEPENDENTS[0] as ConnectorRef, [
      status('PROVISIONING', []),
      status('FAILED', ['SYSTEM_ERROR'], WRONG_PASSWORD),
    ]);

    // Act
    const report = await execute('v2');
    const redelivered = await execute('v2');

    // Assess
    expect(platform.restarts).toEqual(['env-p1/lkc-aws1/orders-cdc']);
    expect(results(report)).toEqual({
      'orders-broken': 'halted',
      'orders-cdc': 'failed',
      'orders-outbox': 'halted',
      'orders-audit': 'halted',
      'orders-search': 'halted',
    });
    const halted = report.outcomes.find((o) => o.connector.name === 'orders-outbox');
    expect(halted).toMatchObject({ result: 'skipped', reason: 'halted' });
    expect(halted?.detail).toContain('env-p1/lkc-aws1/orders-cdc');
    expect(halted?.detail).toContain('password authentication failed');
    const record = (await store.read(rolloutKey(secretIdentityKey(SECRET))))?.record;
    expect(record?.rolloutHalt).toMatchObject({ version: 'v2', firstWave: ['env-p1/lkc-aws1/orders-cdc'] });
    // A redelivery of the same version halts again: the canary is covered, the rest stay untouched.
    expect(results(redelivered)).toMatchObject({ 'orders-cdc': 'already-covered', 'orders-outbox': 'halted' });
    expect(platform.restarts).toHaveLength(1);
  });

  it('lets the rest proceed, in parallel, once the first wave is verified RUNNING', async () => {
    // Prepare
    const { platform, execute } = setup();

    // Act
    const report = await execute('v2');

    // Assess
    expect(Object.values(results(report)).every((result) => result === 'restarted')).toBe(true);
    expect(platform.restarts[0]).toBe('env-p1/lkc-aws1/orders-cdc');
    expect(platform.restarts).toHaveLength(5);
    // The canary was verified before anyone else was restarted.
    const firstOther = platform.calls.indexOf('restart env-p1/lkc-aws1/orders-outbox');
    const lastCanaryPoll = platform.calls.lastIndexOf('getStatus env-p1/lkc-aws1/orders-cdc');
    expect(lastCanaryPoll).toBeLessThan(firstOther);
  });

  it('lets the halted connectors proceed on the next version of the secret', async () => {
    // Prepare
    const { platform, execute } = setup();
    const canary = DEPENDENTS[0] as ConnectorRef;
    platform.scriptAfterRestart(canary, [
      status('PROVISIONING', []),
      status('FAILED', ['SYSTEM_ERROR'], WRONG_PASSWORD),
    ]);
    await execute('v2');
    platform.scriptAfterRestart(canary, [status('PROVISIONING', []), status('RUNNING', ['RUNNING'])]);

    // Act
    const corrected = await execute('v3');

    // Assess
    expect(Object.values(results(corrected)).every((result) => result === 'restarted')).toBe(true);
    expect(platform.restarts.filter((key) => key.endsWith('/orders-outbox'))).toHaveLength(1);
    expect(platform.restarts).toHaveLength(6);
  });

  it('lets the rest proceed when the first wave fails for a reason other than a credential', async () => {
    // Prepare
    const { platform, execute } = setup();
    platform.scriptAfterRestart(DEPENDENTS[0] as ConnectorRef, [
      status('PROVISIONING', []),
      status('FAILED', ['SYSTEM_ERROR'], 'Connection refused (Connection refused)'),
    ]);

    // Act
    const report = await execute('v2');

    // Assess
    expect(results(report)).toMatchObject({ 'orders-cdc': 'failed', 'orders-outbox': 'restarted' });
    expect(platform.restarts).toHaveLength(5);
  });

  it('restarts everyone together with ROLLOUT=all-at-once, or at or under the threshold', async () => {
    // Prepare
    const allAtOnce = setup({ ...WAVES, mode: 'all-at-once' });
    const underThreshold = setup({ ...WAVES, threshold: 5 });
    for (const { platform } of [allAtOnce, underThreshold]) {
      platform.scriptAfterRestart(DEPENDENTS[0] as ConnectorRef, [status('FAILED', ['SYSTEM_ERROR'], WRONG_PASSWORD)]);
    }

    // Act
    await allAtOnce.execute('v2');
    await underThreshold.execute('v2');

    // Assess
    expect(allAtOnce.platform.restarts).toHaveLength(5);
    expect(underThreshold.platform.restarts).toHaveLength(5);
  });

  it('fills the first wave with connectors that were RUNNING first, then the others in listing order', async () => {
    // Prepare: only orders-broken (listed first) is RUNNING before the rotation; a first wave of 2.
    const { platform, execute } = setup({ ...WAVES, firstWave: 2 });
    platform.addConnectorWithStatus(ALREADY_FAILED, status('RUNNING', ['RUNNING']), {
      ...INTEGRATED,
      'database.password': ARN,
    });
    for (const ref of DEPENDENTS) {
      platform.addConnectorWithStatus(ref, status('FAILED', ['FAILED'], 'disk full'), {
        ...INTEGRATED,
        'database.password': ARN,
      });
    }
    platform.scriptAfterRestart(ALREADY_FAILED, [status('RUNNING', ['RUNNING'])]);
    platform.scriptAfterRestart(DEPENDENTS[0] as ConnectorRef, [status('FAILED', ['SYSTEM_ERROR'], WRONG_PASSWORD)]);

    // Act
    const report = await execute('v2');

    // Assess
    expect([...platform.restarts].sort()).toEqual(['env-p1/lkc-aws1/orders-broken', 'env-p1/lkc-aws1/orders-cdc']);
    expect(results(report)).toMatchObject({ 'orders-broken': 'restarted', 'orders-outbox': 'halted' });
    const halted = report.outcomes.find((o) => o.connector.name === 'orders-outbox');
    expect(halted?.detail).toContain('(env-p1/lkc-aws1/orders-broken, env-p1/lkc-aws1/orders-cdc) failed');
  });

  it('keeps the rollout record apart from connector records, one per secret', () => {
    // Act
    const key = rolloutKey(secretIdentityKey(SECRET));

    // Assess
    expect(key).toBe(`rollout|${secretIdentityKey(SECRET)}`);
  });

  it('alerts a halted rollout: the first wave with its trace, the halted connectors without repeating it', async () => {
    // Prepare
    const { platform, execute } = setup();
    platform.scriptAfterRestart(DEPENDENTS[0] as ConnectorRef, [status('FAILED', ['SYSTEM_ERROR'], WRONG_PASSWORD)]);
    const report = await execute('v2');

    // Act
    const alert = alertFor({ kind: 'rotation', report }, false);

    // Assess
    expect(alert?.severity).toBe('critical');
    expect(alert?.title).toContain('0 restarted, 1 failed, 4 halted');
    expect(alert?.lines[0]).toMatch(/^env-p1\/lkc-aws1\/orders-cdc: failed — .*password authentication failed/);
    expect(alert?.lines.slice(1)).toContain('env-p1/lkc-aws1/orders-outbox: halted (not restarted)');
    expect(alert?.lines.slice(1).join('\n')).not.toContain('password');
  });
});
