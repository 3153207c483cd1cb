import {
  type ConfluentEmulator,
  type ConfluentEmulatorOptions,
  INITIAL_SECRET_VERSION,
  MASKED_VALUE,
  maskConfig,
  startConfluentEmulator,
  UnknownConnectorError,
} from '#local/confluent-emulator/index';
import { SEED_SECRETS } from '#local/seed-estate';

const AUTH = `Basic ${Buffer.from('local-api-key:local-api-secret').toString('base64')}`;
const CONNECTORS = '/connect/v1/environments/env-prod01/clusters/lkc-orders1/connectors';
const ORDERS_CDC = 'env-prod01/lkc-orders1/orders-cdc';

let emulator: ConfluentEmulator | undefined;
let clock = 1_000_000;

async function start(options: ConfluentEmulatorOptions = {}): Promise<ConfluentEmulator> {
  clock = 1_000_000;
  emulator = await startConfluentEmulator({ now: () => clock, ...options });
  return emulator;
}

function call(path: string, init: RequestInit = {}): Promise<Response> {
  if (!emulator) throw new Error('emulator not started');
  return fetch(`${emulator.url}${path}`, { ...init, headers: { authorization: AUTH, ...init.headers } });
}

async function json(path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> {
  const response = await call(path, init);
  return { status: response.status, body: await response.json() };
}

async function status(name: string): Promise<{ connector: { state: string; trace?: string }; tasks: unknown[] }> {
  const response = await call(`${CONNECTORS}/${name}/status`);
  return (await response.json()) as { connector: { state: string; trace?: string }; tasks: unknown[] };
}

afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

describe('auth', () => {
  it('answers connect/v1 without credentials with the connect error body', async () => {
    // Prepare
    await start();

    // Act
    const response = await call(CONNECTORS, { headers: { authorization: '' } });

    // Assess
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: { code: 401, message: 'Unauthorized' } });
  });

  it('answers org/v2 with a wrong key with the standard error and a WWW-Authenticate challenge', async () => {
    // Prepare
    await start();
    const wrong = `Basic ${Buffer.from('local-api-key:nope').toString('base64')}`;

    // Act
    const response = await call('/org/v2/environments', { headers: { authorization: wrong } });

    // Assess
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      'Basic error="invalid_key", error_description="The API Key is invalid"',
    );
    const body = (await response.json()) as { errors: Record<string, unknown>[] };
    expect(body.errors[0]).toMatchObject({ status: '401', code: expect.any(String), title: expect.any(String) });
    expect(body.errors[0]?.id).toEqual(expect.any(String));
    expect(body.errors[0]?.detail).toEqual(expect.any(String));
  });

  it('accepts the configured key and secret', async () => {
    // Prepare
    await start({ apiKey: 'k1', apiSecret: 's1' });
    const custom = `Basic ${Buffer.from('k1:s1').toString('base64')}`;

    // Act
    const accepted = await call('/cmk/v2/clusters?environment=env-prod01', { headers: { authorization: custom } });
    const defaults = await call('/cmk/v2/clusters?environment=env-prod01');

    // Assess
    expect(accepted.status).toBe(200);
    expect(defaults.status).toBe(401);
  });
});

describe('discovery (org/v2, cmk/v2)', () => {
  it('pages environments with an absolute metadata.next until the last page', async () => {
    // Prepare
    const { url } = await start();

    // Act
    const first = await json('/org/v2/environments?page_size=1');
    const next = (first.body as { metadata: { next?: string } }).metadata.next;
    const second = await fetch(next ?? 'missing', { headers: { authorization: AUTH } });
    const secondBody = (await second.json()) as { metadata: { next?: string }; data: { id: string }[] };

    // Assess
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      api_version: 'org/v2',
      kind: 'EnvironmentList',
      data: [{ api_version: 'org/v2', kind: 'Environment', id: 'env-prod01', display_name: 'production' }],
    });
    expect(next?.startsWith(`${url}/org/v2/environments?`)).toBe(true);
    expect(secondBody.data.map((environment) => environment.id)).toEqual(['env-stage01']);
    expect(secondBody.metadata.next).toBeUndefined();
  });

  it('defaults to 10 per page and rejects a page_size above 100', async () => {
    // Prepare
    await start();

    // Act
    const all = await json('/org/v2/environments');
    const tooBig = await json('/org/v2/environments?page_size=101');

    // Assess
    expect((all.body as { data: unknown[]; metadata: { next?: string } }).data).toHaveLength(2);
    expect((all.body as { metadata: { next?: string } }).metadata.next).toBeUndefined();
    expect(tooBig.status).toBe(400);
    expect(tooBig.body).toMatchObject({ errors: [{ status: '400', source: { parameter: 'page_size' } }] });
  });

  it('lists the clusters of an environment, paginated, keeping the environment filter in next', async () => {
    // Prepare
    await start();

    // Act
    const first = await json('/cmk/v2/clusters?environment=env-prod01&page_size=2');
    const firstBody = first.body as { data: Record<string, unknown>[]; metadata: { next?: string } };
    const second = await fetch(firstBody.metadata.next ?? 'missing', { headers: { authorization: AUTH } });
    const secondBody = (await second.json()) as { data: { id: string }[]; metadata: { next?: string } };

    // Assess
    expect(firstBody.data).toHaveLength(2);
    expect(firstBody.data[0]).toMatchObject({
      api_version: 'cmk/v2',
      kind: 'Cluster',
      id: 'lkc-orders1',
      spec: {
        display_name: 'orders-dedicated',
        cloud: 'AWS',
        region: 'us-east-1',
        config: { kind: 'Dedicated' },
        environment: { id: 'env-prod01' },
      },
      status: { phase: 'PROVISIONED' },
    });
    expect(firstBody.metadata.next).toContain('environment=env-prod01');
    expect(secondBody.data.map((cluster) => cluster.id)).toEqual(['lkc-azan01']);
    expect(secondBody.metadata.next).toBeUndefined();
  });

  it('requires the environment parameter on cmk/v2 clusters', async () => {
    // Prepare
    await start();

    // Act
    const missing = await json('/cmk/v2/clusters');

    // Assess
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ errors: [{ status: '400', source: { parameter: 'environment' } }] });
  });
});

describe('provider integrations (pim/v1, pim/v2)', () => {
  const ORG_CRN = 'crn://confluent.cloud/organization=00000000-0000-4000-8000-00000000c0de';

  it('lists AWS integrations on pim/v1 with the CRN of every connector whose config names them', async () => {
    // Prepare
    await start();

    // Act
    const listed = await json('/pim/v1/integrations?environment=env-prod01');

    // Assess
    expect(listed.status).toBe(200);
    const body = listed.body as { api_version: string; kind: string; data: Record<string, unknown>[] };
    expect(body).toMatchObject({ api_version: 'pim/v1', kind: 'IntegrationList' });
    expect(body.data).toEqual([
      expect.objectContaining({
        api_version: 'pim/v1',
        kind: 'Integration',
        id: 'cspi-aws0001',
        provider: 'AWS',
        config: expect.objectContaining({ kind: 'AwsIntegrationConfig' }),
        environment: expect.objectContaining({ id: 'env-prod01' }),
      }),
    ]);
    expect(body.data[0]?.usages).toEqual([
      `${ORG_CRN}/environment=env-prod01/cloud-cluster=lkc-orders1/connector=orders-cdc`,
      `${ORG_CRN}/environment=env-prod01/cloud-cluster=lkc-orders1/connector=orders-outbox`,
      `${ORG_CRN}/environment=env-prod01/cloud-cluster=lkc-orders1/connector=orders-archive-s3`,
      `${ORG_CRN}/environment=env-prod01/cloud-cluster=lkc-pay01/connector=payments-http-sink`,
      `${ORG_CRN}/environment=env-prod01/cloud-cluster=lkc-pay01/connector=payments-ledger-cdc`,
    ]);
  });

  it('lists Azure integrations on pim/v2 only, with their status, and none for an environment without any', async () => {
    // Prepare
    await start();

    // Act
    const azure = await json('/pim/v2/integrations?environment=env-prod01');
    const staging = await json('/pim/v2/integrations?environment=env-stage01');

    // Assess
    const data = (azure.body as { data: { id: string; provider: string; status: string; usages: string[] }[] }).data;
    expect(data.map(({ id, provider, status }) => ({ id, provider, status }))).toEqual([
      { id: 'cspi-azr0001', provider: 'AZURE', status: 'ACTIVE' },
    ]);
    expect(data[0]?.usages.map((crn) => crn.split('/connector=')[1])).toEqual([
      'analytics-sql-sink',
      'analytics-audit-sink',
      'analytics-blob-sink',
    ]);
    expect((staging.body as { data: unknown[] }).data).toEqual([]);
  });

  it('requires the environment, and answers 403 or 404 when a version is switched off', async () => {
    // Prepare
    const { control } = await start();

    // Act
    const missing = await json('/pim/v1/integrations');
    control.setProviderIntegrationApi('v2', 'not-found');
    const notOffered = await json('/pim/v2/integrations?environment=env-prod01');
    control.setProviderIntegrationApi('v1', 'forbidden');
    const forbidden = await json('/pim/v1/integrations?environment=env-prod01');

    // Assess
    expect(missing).toMatchObject({ status: 400, body: { errors: [{ source: { parameter: 'environment' } }] } });
    expect(notOffered.status).toBe(404);
    expect(forbidden).toMatchObject({ status: 403, body: { errors: [{ status: '403', code: 'forbidden' }] } });
  });
});

describe('connect/v1 reads', () => {
  it('lists connector names without expand', async () => {
    // Prepare
    await start();

    // Act
    const { status: code, body } = await json(CONNECTORS);

    // Assess
    expect(code).toBe(200);
    expect(body).toEqual(['orders-cdc', 'orders-outbox', 'orders-archive-s3', 'orders-datagen']);
  });

  it('returns only the requested expansions, whether comma-separated or repeated', async () => {
    // Prepare
    await start();

    // Act
    const idOnly = (await json(`${CONNECTORS}?expand=id`)).body as Record<string, Record<string, unknown>>;
    const all = (await json(`${CONNECTORS}?expand=id,info,status`)).body as Record<string, Record<string, unknown>>;
    const repeated = (await json(`${CONNECTORS}?expand=info&expand=status`)).body as Record<string, object>;

    // Assess
    expect(idOnly['orders-cdc']).toEqual({ id: { id: 'lcc-orders01', id_type: 'ID' } });
    expect(Object.keys(all['orders-cdc'] ?? {})).toEqual(['id', 'info', 'status']);
    expect(all['orders-archive-s3']?.status).toMatchObject({ connector: { state: 'PAUSED' }, type: 'sink' });
    expect(Object.keys(repeated['orders-cdc'] ?? {})).toEqual(['info', 'status']);
  });

  it('reads a connector, its config, status and tasks in the reference shapes', async () => {
    // Prepare
    await start();

    // Act
    const connector = await json(`${CONNECTORS}/orders-cdc`);
    const config = await json(`${CONNECTORS}/orders-cdc/config`);
    const current = await json(`${CONNECTORS}/orders-cdc/status`);
    const tasks = await json(`${CONNECTORS}/orders-cdc/tasks`);

    // Assess
    expect(connector.body).toMatchObject({
      name: 'orders-cdc',
      type: 'source',
      tasks: [
        { connector: 'orders-cdc', task: 0 },
        { connector: 'orders-cdc', task: 1 },
      ],
    });
    expect(config.body).toMatchObject({ name: 'orders-cdc', 'connector.class': 'PostgresCdcSourceV2' });
    expect(current.body).toEqual({
      name: 'orders-cdc',
      type: 'source',
      connector: { state: 'RUNNING', worker_id: 'orders-cdc' },
      tasks: [
        { id: 0, state: 'RUNNING', worker_id: 'orders-cdc' },
        { id: 1, state: 'RUNNING', worker_id: 'orders-cdc' },
      ],
    });
    expect(tasks.body).toEqual([
      { id: { connector: 'orders-cdc', task: 0 }, config: config.body },
      { id: { connector: 'orders-cdc', task: 1 }, config: config.body },
    ]);
  });

  it.each([
    ['environment', '/connect/v1/environments/env-nope/clusters/lkc-orders1/connectors'],
    ['cluster', '/connect/v1/environments/env-prod01/clusters/lkc-nope/connectors'],
    ['cluster of another environment', '/connect/v1/environments/env-stage01/clusters/lkc-orders1/connectors'],
    ['connector', `${CONNECTORS}/nope/status`],
  ])('answers an unknown %s with 404 and the connect error body', async (_what, path) => {
    // Prepare
    await start();

    // Act
    const { status: code, body } = await json(path);

    // Assess
    expect(code).toBe(404);
    expect(body).toEqual({ error: { code: 404, message: expect.any(String) } });
  });
});

describe('lifecycle (fake clock)', () => {
  it('restarts asynchronously: the old state for statusLagMs, PROVISIONING with tasks RESTARTING, then RUNNING, fetching current secrets', async () => {
    // Prepare
    const { control } = await start({ provisioningMs: 400, statusLagMs: 100 });
    control.rotateSecret(SEED_SECRETS.ordersDb, 'v2');

    // Act
    const restart = await call(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });
    const stale = await status('orders-cdc');
    clock += 100;
    const provisioning = await status('orders-cdc');
    clock += 399;
    const stillProvisioning = await status('orders-cdc');
    clock += 1;
    const running = await status('orders-cdc');

    // Assess
    expect(restart.status).toBe(202);
    expect(await restart.text()).toBe('');
    expect(stale).toMatchObject({
      connector: { state: 'RUNNING' },
      tasks: [{ state: 'RUNNING' }, { state: 'RUNNING' }],
    });
    expect(provisioning).toMatchObject({
      connector: { state: 'PROVISIONING' },
      tasks: [{ state: 'RESTARTING' }, { state: 'RESTARTING' }],
    });
    expect(stillProvisioning.connector.state).toBe('PROVISIONING');
    expect(running.connector.state).toBe('RUNNING');
    expect(running.tasks).toHaveLength(2);
    expect(control.connector(ORDERS_CDC)).toMatchObject({
      state: 'RUNNING',
      restarts: 1,
      heldVersions: { [SEED_SECRETS.ordersDb]: 'v2' },
    });
  });

  it('pauses after pauseMs with every task STOPPED, and resumes: PAUSED for statusLagMs, then PROVISIONING without tasks', async () => {
    // Prepare
    const { control } = await start({ pauseMs: 150, provisioningMs: 400, statusLagMs: 100 });

    // Act
    const pause = await call(`${CONNECTORS}/orders-cdc/pause`, { method: 'PUT' });
    const beforePaused = await status('orders-cdc');
    clock += 150;
    const paused = await status('orders-cdc');
    const resume = await call(`${CONNECTORS}/orders-cdc/resume`, { method: 'PUT' });
    const staleAfterResume = await status('orders-cdc');
    clock += 100;
    const resuming = await status('orders-cdc');
    clock += 400;

    // Assess
    expect(pause.status).toBe(202);
    expect(beforePaused.connector.state).toBe('RUNNING');
    expect(paused).toMatchObject({
      connector: { state: 'PAUSED' },
      tasks: [{ state: 'STOPPED' }, { state: 'STOPPED' }],
    });
    expect(resume.status).toBe(202);
    expect(staleAfterResume.connector.state).toBe('PAUSED');
    expect(resuming).toMatchObject({ connector: { state: 'PROVISIONING' }, tasks: [] });
    expect(control.connector(ORDERS_CDC)).toMatchObject({ state: 'RUNNING', pauses: 1, resumes: 1 });
  });

  it('treats resume of a running connector as a no-op and keeps a paused connector paused across a restart', async () => {
    // Prepare
    const { control } = await start();
    control.rotateSecret(SEED_SECRETS.ordersDb, 'v2');

    // Act
    const resume = await call(`${CONNECTORS}/orders-datagen/resume`, { method: 'PUT' });
    const restartPaused = await call(`${CONNECTORS}/orders-archive-s3/restart`, { method: 'POST' });

    // Assess
    expect(resume.status).toBe(202);
    expect(control.connector('env-prod01/lkc-orders1/orders-datagen')).toMatchObject({ state: 'RUNNING', resumes: 1 });
    expect(restartPaused.status).toBe(202);
    expect(control.connector('env-prod01/lkc-orders1/orders-archive-s3')).toMatchObject({
      state: 'PAUSED',
      restarts: 1,
      heldVersions: { [SEED_SECRETS.ordersDb]: INITIAL_SECRET_VERSION },
    });
  });

  it('fails the running connectors that hold a rotated secret, every task USER_ACTIONABLE_ERROR, naming no secret value', async () => {
    // Prepare
    const { control } = await start();
    control.rotateSecret(SEED_SECRETS.ordersDb, 'v2');

    // Act
    const failed = control.failStaleConnectors();
    const current = await status('orders-cdc');

    // Assess
    expect(failed.sort()).toEqual([
      'env-prod01/lkc-orders1/orders-cdc',
      'env-prod01/lkc-orders1/orders-outbox',
      'env-prod01/lkc-pay01/payments-ledger-cdc',
    ]);
    expect(current.connector.state).toBe('FAILED');
    expect(current.connector.trace).toMatch(/Authentication failed/);
    expect(current.connector.trace).toContain(SEED_SECRETS.ordersDb);
    expect(current.tasks).toEqual([
      expect.objectContaining({ id: 0, state: 'USER_ACTIONABLE_ERROR', msg: expect.stringMatching(/rotated since/) }),
      expect.objectContaining({ id: 1, state: 'USER_ACTIONABLE_ERROR', msg: expect.stringMatching(/rotated since/) }),
    ]);
    expect(control.connector(ORDERS_CDC).errorSince).toBe(clock);
    expect(control.failStaleConnectors()).toEqual([]);
  });

  it('brings a start back USER_ACTIONABLE_ERROR when the credential it fetched went stale while it provisioned', async () => {
    // Prepare
    const { control } = await start({ provisioningMs: 400, statusLagMs: 100 });
    await call(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });
    clock += 200;

    // Act
    control.rotateSecret(SEED_SECRETS.ordersDb, 'v3');
    clock += 300;
    const after = await status('orders-cdc');

    // Assess
    expect(after.connector.state).toBe('FAILED');
    expect(after.tasks.map((task) => (task as { state: string }).state)).toEqual([
      'USER_ACTIONABLE_ERROR',
      'USER_ACTIONABLE_ERROR',
    ]);
    expect(control.connector(ORDERS_CDC)).toMatchObject({
      heldVersions: { [SEED_SECRETS.ordersDb]: INITIAL_SECRET_VERSION },
      errorSince: 1_000_000 + 500,
    });
  });

  it('recovers a stale connector by restart, but not one set to always fail', async () => {
    // Prepare
    const { control } = await start({ provisioningMs: 10, statusLagMs: 5 });
    control.rotateSecret(SEED_SECRETS.ordersDb, 'v2');
    control.failStaleConnectors();
    control.setAlwaysFails('env-prod01/lkc-orders1/orders-outbox', true);

    // Act
    await call(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });
    await call(`${CONNECTORS}/orders-outbox/restart`, { method: 'POST' });
    clock += 15;

    // Assess
    expect(control.connector(ORDERS_CDC).state).toBe('RUNNING');
    const outbox = control.connector('env-prod01/lkc-orders1/orders-outbox');
    expect(outbox.state).toBe('FAILED');
    expect(outbox.trace).toEqual(expect.any(String));
    expect(outbox.tasks).toEqual([expect.objectContaining({ state: 'SYSTEM_ERROR', msg: outbox.trace })]);
  });

  it('comes back DEGRADED with mixed tasks: a failing task awaits a worker, then turns SYSTEM_ERROR', async () => {
    // Prepare
    const { control } = await start({ provisioningMs: 400, statusLagMs: 100 });
    control.setStartOutcome('env-prod01/lkc-pay01/payments-http-sink', {
      kind: 'degraded',
      failingTasks: [1],
      msg: 'java.net.SocketTimeoutException: connect timed out',
      unassignedMs: 1_000,
    });
    const sink = '/connect/v1/environments/env-prod01/clusters/lkc-pay01/connectors/payments-http-sink';

    // Act
    await call(`${sink}/restart`, { method: 'POST' });
    clock += 500;
    const assigning = (await json(`${sink}/status`)).body;
    clock += 1_000;
    const degraded = (await json(`${sink}/status`)).body;

    // Assess
    expect(assigning).toMatchObject({
      connector: { state: 'DEGRADED' },
      tasks: [{ state: 'RUNNING' }, { state: 'UNASSIGNED' }, { state: 'RUNNING' }],
    });
    expect(degraded).toMatchObject({
      connector: { state: 'DEGRADED' },
      tasks: [
        { state: 'RUNNING' },
        { state: 'SYSTEM_ERROR', msg: 'java.net.SocketTimeoutException: connect timed out' },
        { state: 'RUNNING' },
      ],
    });
    expect(control.connector('env-prod01/lkc-pay01/payments-http-sink').errorSince).toBe(1_000_000 + 1_500);
  });

  it('keeps a slow-starting connector PROVISIONING after its restart until told to finish', async () => {
    // Prepare
    const { control } = await start({ provisioningMs: 10 });
    control.setSlowStart(ORDERS_CDC, true);

    // Act
    await call(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });
    clock += 60_000;
    const held = await status('orders-cdc');
    control.setSlowStart(ORDERS_CDC, false);
    const released = await status('orders-cdc');

    // Assess
    expect(held.connector.state).toBe('PROVISIONING');
    expect(released.connector.state).toBe('RUNNING');
  });

  it('fails only the tasks when asked, with each task carrying the message; some tasks only: DEGRADED', async () => {
    // Prepare
    const { control } = await start();

    // Act
    control.failConnector(ORDERS_CDC, 'task boom', { taskOnly: true });
    const all = await status('orders-cdc');
    control.failConnector(ORDERS_CDC, 'bad record', { tasks: [0], taskState: 'USER_ACTIONABLE_ERROR' });
    const some = await status('orders-cdc');

    // Assess
    expect(all.connector).toEqual({ state: 'FAILED', worker_id: 'orders-cdc' });
    expect(all.tasks).toEqual([
      { id: 0, state: 'SYSTEM_ERROR', worker_id: 'orders-cdc', msg: 'task boom' },
      { id: 1, state: 'SYSTEM_ERROR', worker_id: 'orders-cdc', msg: 'task boom' },
    ]);
    expect(some.connector).toEqual({ state: 'DEGRADED', worker_id: 'orders-cdc' });
    expect(some.tasks).toEqual([
      { id: 0, state: 'USER_ACTIONABLE_ERROR', worker_id: 'orders-cdc', msg: 'bad record' },
      { id: 1, state: 'RUNNING', worker_id: 'orders-cdc' },
    ]);
  });

  it('throws UnknownConnectorError for an unknown key', async () => {
    // Prepare
    const { control } = await start();

    // Act
    const read = () => control.connector('env-prod01/lkc-orders1/nope');

    // Assess
    expect(read).toThrow(UnknownConnectorError);
  });

  it('answers restart with 404 everywhere when the Preview endpoint is set missing, leaving the connector alone', async () => {
    // Prepare
    const { control } = await start();
    control.setRestartEndpoint('not-found');

    // Act
    const { status: got, body } = await json(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });

    // Assess
    expect(got).toBe(404);
    expect(body).toEqual({ error: { code: 404, message: expect.any(String) } });
    expect(control.connector(ORDERS_CDC).restarts).toBe(0);
  });
});

describe('RBAC (403 per connector or per cluster)', () => {
  it('refuses restart on the one connector its role does not cover, and only there', async () => {
    // Prepare
    const { control } = await start();
    control.forbid(ORDERS_CDC, ['restart']);

    // Act
    const refused = await json(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });
    const paused = await call(`${CONNECTORS}/orders-cdc/pause`, { method: 'PUT' });
    const other = await call(`${CONNECTORS}/orders-outbox/restart`, { method: 'POST' });

    // Assess
    expect(refused).toEqual({ status: 403, body: { error: { code: 403, message: 'Forbidden' } } });
    expect(paused.status).toBe(202);
    expect(other.status).toBe(202);
    expect(control.connector(ORDERS_CDC)).toMatchObject({ restarts: 0, pauses: 1 });
  });

  it('refuses restart, pause and resume on every connector of a cluster, until allowed again', async () => {
    // Prepare
    const { control } = await start();
    control.forbid('env-prod01/lkc-orders1', ['restart', 'pause', 'resume']);
    const otherCluster = '/connect/v1/environments/env-prod01/clusters/lkc-pay01/connectors/payments-http-sink';

    // Act
    const refused = await Promise.all([
      call(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' }),
      call(`${CONNECTORS}/orders-outbox/pause`, { method: 'PUT' }),
      call(`${CONNECTORS}/orders-archive-s3/resume`, { method: 'PUT' }),
    ]);
    const elsewhere = await call(`${otherCluster}/restart`, { method: 'POST' });
    const read = await call(`${CONNECTORS}/orders-cdc/status`);
    control.allow('env-prod01/lkc-orders1');
    const allowed = await call(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });

    // Assess
    expect(refused.map((response) => response.status)).toEqual([403, 403, 403]);
    expect(elsewhere.status).toBe(202);
    expect(read.status).toBe(200);
    expect(allowed.status).toBe(202);
  });

  it('answers 404, not 403, for a connector that does not exist', async () => {
    // Prepare
    const { control } = await start();
    control.forbid('env-prod01/lkc-orders1', ['restart']);

    // Act
    const missing = await call(`${CONNECTORS}/nope/restart`, { method: 'POST' });

    // Assess
    expect(missing.status).toBe(404);
  });
});

describe('faults', () => {
  it('throttles the next requests with 429, Retry-After and X-RateLimit-* headers', async () => {
    // Prepare
    const { control } = await start();
    control.setFaults({ throttleNext: { count: 1, retryAfterSeconds: 7 } });

    // Act
    const throttled = await call(CONNECTORS);
    const after = await call(CONNECTORS);

    // Assess
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect(throttled.headers.get('x-ratelimit-limit')).toMatch(/^\d+$/);
    expect(throttled.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(throttled.headers.get('x-ratelimit-reset')).toBe('7');
    expect(await throttled.json()).toEqual({ error: { code: 429, message: 'Too Many Requests' } });
    expect(after.status).toBe(200);
  });

  it('enforces a per-second rate limit on the emulator clock', async () => {
    // Prepare
    const { control } = await start();
    clock = 5_000_250;
    control.setFaults({ rateLimitPerSecond: 2 });

    // Act
    const first = await call(CONNECTORS);
    const second = await call(CONNECTORS);
    const third = await call(CONNECTORS);
    clock += 750;
    const nextWindow = await call(CONNECTORS);

    // Assess
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(second.status).toBe(200);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('1');
    expect(third.headers.get('x-ratelimit-limit')).toBe('2');
    expect(nextWindow.status).toBe(200);
  });

  it('counts one organisation-wide window over every connection and key, of the length it is given', async () => {
    // Prepare: 3 a second over a 10 s window: 30 requests, whichever client sends them.
    const { control, url } = await start();
    clock = 7_000_000;
    control.setFaults({ rateLimitPerSecond: 3, rateLimitWindowSeconds: 10 });
    const otherKey = `Basic ${Buffer.from('someone-else:their-secret').toString('base64')}`;

    // Act: two clients (separate connections, one of them another user of the org) share it.
    const answers: Response[] = [];
    for (let i = 0; i < 31; i += 1) {
      answers.push(
        i % 2 === 0
          ? await call(CONNECTORS)
          : await fetch(`${url}${CONNECTORS}`, { headers: { authorization: otherKey, connection: 'close' } }),
      );
    }
    clock += 4_000;
    const laterInWindow = await call(CONNECTORS);
    clock += 6_000;
    const nextWindow = await call(CONNECTORS);

    // Assess
    expect(answers.slice(0, 30).every((answer) => answer.status !== 429)).toBe(true);
    expect(answers[0]?.headers.get('x-ratelimit-limit')).toBe('30');
    expect(answers[0]?.headers.get('x-ratelimit-remaining')).toBe('29');
    expect(answers[0]?.headers.get('x-ratelimit-reset')).toBe('10');
    expect(answers[30]?.status).toBe(429);
    expect(laterInWindow.status).toBe(429);
    expect(laterInWindow.headers.get('retry-after')).toBe('6');
    expect(nextWindow.status).toBe(200);
    expect(nextWindow.headers.get('x-ratelimit-remaining')).toBe('29');
  });

  it('fails the next requests and a share of requests with 500', async () => {
    // Prepare
    const { control } = await start();
    control.setFaults({ failNext: 1 });

    // Act
    const failed = await json(CONNECTORS);
    control.setFaults({ errorRate: 0.5, random: () => 0.4 });
    const unlucky = await call(CONNECTORS);
    control.setFaults({ random: () => 0.6 });
    const lucky = await call(CONNECTORS);

    // Assess
    expect(failed).toEqual({ status: 500, body: { error: { code: 500, message: expect.any(String) } } });
    expect(unlucky.status).toBe(500);
    expect(lucky.status).toBe(200);
  });

  it('uses the standard error body for faults on org/v2', async () => {
    // Prepare
    const { control } = await start();
    control.setFaults({ failNext: 1 });

    // Act
    const { status: code, body } = await json('/org/v2/environments');

    // Assess
    expect(code).toBe(500);
    expect(body).toMatchObject({ errors: [{ status: '500' }] });
  });

  it('hangs a request until the client gives up, and records it without a status', async () => {
    // Prepare
    const { control } = await start();
    control.setFaults({ hangNext: 1 });

    // Act
    const hung = call(CONNECTORS, { signal: AbortSignal.timeout(150) });

    // Assess
    await expect(hung).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(control.requests()[0]).toMatchObject({ path: CONNECTORS, status: 0 });
    expect((await call(CONNECTORS)).status).toBe(200);
  });

  it('drops a connection without a response', async () => {
    // Prepare
    const { control } = await start();
    control.setFaults({ dropNext: 1 });

    // Act
    const dropped = call(CONNECTORS);

    // Assess
    await expect(dropped).rejects.toThrow('fetch failed');
    expect(control.requestCount()).toBe(1);
  });

  it('adds latency before answering', async () => {
    // Prepare
    const { control } = await start();
    control.setFaults({ latencyMs: 120 });
    const started = performance.now();

    // Act
    const response = await call(CONNECTORS);

    // Assess
    expect(response.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('clears every fault', async () => {
    // Prepare
    const { control } = await start();
    control.setFaults({ failNext: 3, rateLimitPerSecond: 1 });
    control.clearFaults();

    // Act
    const responses = await Promise.all([call(CONNECTORS), call(CONNECTORS)]);

    // Assess
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
  });

  it('closes with a request still hanging', async () => {
    // Prepare
    const started = await start();
    started.control.setFaults({ hangNext: 1 });
    const hung = call(CONNECTORS);
    await new Promise((resolve) => setTimeout(resolve, 50));

    // Act
    await started.close();
    emulator = undefined;

    // Assess
    await expect(hung).rejects.toThrow();
  });
});

describe('request log', () => {
  it('records requests without the authorization header and counts them by method and path', async () => {
    // Prepare
    const { control } = await start();
    clock = 42;

    // Act
    await call(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST', headers: { 'user-agent': 'test/1.0' } });
    await call(`${CONNECTORS}/orders-cdc/status`);
    await call(`${CONNECTORS}?expand=id,status`, { headers: { authorization: '' } });

    // Assess
    const [restart, , unauthenticated] = control.requests();
    expect(restart).toMatchObject({
      method: 'POST',
      path: `${CONNECTORS}/orders-cdc/restart`,
      query: {},
      auth: 'basic-valid',
      status: 202,
      at: 42,
    });
    expect(restart?.headers.authorization).toBeUndefined();
    expect(restart?.headers['user-agent']).toBe('test/1.0');
    expect(restart?.responseHeaders['x-request-id']).toEqual(expect.any(String));
    expect(unauthenticated).toMatchObject({ query: { expand: 'id,status' }, auth: 'missing', status: 401 });
    expect(control.requestCount({ method: 'POST', pathIncludes: '/restart' })).toBe(1);
    expect(control.requestCount({ pathIncludes: '/orders-cdc/' })).toBe(2);
    control.resetRequests();
    expect(control.requestCount()).toBe(0);
  });
});

describe('masking', () => {
  it('masks plain credentials and leaves identifiers readable only behind a provider integration', () => {
    // Prepare
    const config = {
      name: 'c',
      'kafka.api.key': 'AKIA',
      'kafka.api.secret': 'hush',
      'salesforce.password': 'hunter2',
      'oauth.token': 'tok',
      'ssl.key': 'pem',
      'database.password': SEED_SECRETS.ordersDb,
      'azblob.account.key': SEED_SECRETS.analyticsDb,
      'auth.password': 'prod/orders-db',
      topics: 'orders',
    };

    // Act
    const masked = maskConfig(config);
    const withIntegration = maskConfig({ ...config, 'secret.manager.provider.integration.id': 'cspi-1' });

    // Assess
    expect(masked).toMatchObject({
      name: 'c',
      'kafka.api.key': MASKED_VALUE,
      'kafka.api.secret': MASKED_VALUE,
      'salesforce.password': MASKED_VALUE,
      'oauth.token': MASKED_VALUE,
      'ssl.key': MASKED_VALUE,
      // Without a provider integration an identifier in a password field is just that password.
      'database.password': MASKED_VALUE,
      'azblob.account.key': MASKED_VALUE,
      'auth.password': MASKED_VALUE,
      topics: 'orders',
    });
    expect(withIntegration).toMatchObject({
      'database.password': SEED_SECRETS.ordersDb,
      'azblob.account.key': SEED_SECRETS.analyticsDb,
      'auth.password': 'prod/orders-db',
      'secret.manager.provider.integration.id': 'cspi-1',
    });
  });

  it('masks in every response that carries a config', async () => {
    // Prepare
    await start();
    const crm = '/connect/v1/environments/env-prod01/clusters/lkc-pay01/connectors/crm-sync';
    const ledger = '/connect/v1/environments/env-prod01/clusters/lkc-pay01/connectors/payments-ledger-cdc';

    // Act
    const config = (await json(`${crm}/config`)).body as Record<string, string>;
    const read = (await json(crm)).body as { config: Record<string, string> };
    const tasks = (await json(`${crm}/tasks`)).body as { config: Record<string, string> }[];
    const expanded = (await json('/connect/v1/environments/env-prod01/clusters/lkc-pay01/connectors?expand=info'))
      .body as Record<string, { info: { config: Record<string, string> } }>;
    const ledgerConfig = (await json(`${ledger}/config`)).body as Record<string, string>;

    // Assess
    expect(config['salesforce.password']).toBe(MASKED_VALUE);
    expect(read.config['salesforce.password']).toBe(MASKED_VALUE);
    expect(tasks[0]?.config['salesforce.password']).toBe(MASKED_VALUE);
    expect(expanded['crm-sync']?.info.config['salesforce.password']).toBe(MASKED_VALUE);
    expect(ledgerConfig['database.password']).toBe('prod/orders-db');
  });
});
