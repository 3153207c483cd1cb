import {
  type ConfluentEmulator,
  type ConfluentEmulatorOptions,
  INITIAL_SECRET_VERSION,
  MASKED_VALUE,
  maskConfig,
  startConfluentEmulator,
  UnknownConnectorError,
} from '../../local/confluent-emulator';
import { SEED_SECRETS } from '../../local/seed-estate';

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
  it('restarts through PROVISIONING with no tasks, then RUNNING with every task, fetching current secrets', async () => {
    // Prepare
    const { control } = await start({ provisioningMs: 400 });
    control.rotateSecret(SEED_SECRETS.ordersDb, 'v2');

    // Act
    const restart = await call(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });
    const provisioning = await status('orders-cdc');
    clock += 399;
    const stillProvisioning = await status('orders-cdc');
    clock += 1;
    const running = await status('orders-cdc');

    // Assess
    expect(restart.status).toBe(202);
    expect(await restart.text()).toBe('');
    expect(provisioning).toMatchObject({ connector: { state: 'PROVISIONING' }, tasks: [] });
    expect(stillProvisioning.connector.state).toBe('PROVISIONING');
    expect(running.connector.state).toBe('RUNNING');
    expect(running.tasks).toHaveLength(2);
    expect(control.connector(ORDERS_CDC)).toMatchObject({
      state: 'RUNNING',
      restarts: 1,
      heldVersions: { [SEED_SECRETS.ordersDb]: 'v2' },
    });
  });

  it('pauses after pauseMs and resumes through PROVISIONING', async () => {
    // Prepare
    const { control } = await start({ pauseMs: 150, provisioningMs: 400 });

    // Act
    const pause = await call(`${CONNECTORS}/orders-cdc/pause`, { method: 'PUT' });
    const beforePaused = await status('orders-cdc');
    clock += 150;
    const paused = await status('orders-cdc');
    const resume = await call(`${CONNECTORS}/orders-cdc/resume`, { method: 'PUT' });
    const resuming = await status('orders-cdc');
    clock += 400;

    // Assess
    expect(pause.status).toBe(202);
    expect(beforePaused.connector.state).toBe('RUNNING');
    expect(paused).toMatchObject({ connector: { state: 'PAUSED' }, tasks: [{ state: 'PAUSED' }, { state: 'PAUSED' }] });
    expect(resume.status).toBe(202);
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

  it('fails the running connectors that hold a rotated secret, naming the failure but no secret value', async () => {
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
    expect(control.failStaleConnectors()).toEqual([]);
  });

  it('recovers a stale connector by restart, but not one set to always fail', async () => {
    // Prepare
    const { control } = await start({ provisioningMs: 10 });
    control.rotateSecret(SEED_SECRETS.ordersDb, 'v2');
    control.failStaleConnectors();
    control.setAlwaysFails('env-prod01/lkc-orders1/orders-outbox', true);

    // Act
    await call(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });
    await call(`${CONNECTORS}/orders-outbox/restart`, { method: 'POST' });
    clock += 10;

    // Assess
    expect(control.connector(ORDERS_CDC).state).toBe('RUNNING');
    const outbox = control.connector('env-prod01/lkc-orders1/orders-outbox');
    expect(outbox.state).toBe('FAILED');
    expect(outbox.trace).toEqual(expect.any(String));
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

  it('fails only the tasks when asked, with each task carrying the message', async () => {
    // Prepare
    const { control } = await start();

    // Act
    control.failConnector(ORDERS_CDC, 'task boom', { taskOnly: true });
    const current = await status('orders-cdc');

    // Assess
    expect(current.connector).toEqual({ state: 'FAILED', worker_id: 'orders-cdc' });
    expect(current.tasks).toEqual([
      { id: 0, state: 'FAILED', worker_id: 'orders-cdc', msg: 'task boom' },
      { id: 1, state: 'FAILED', worker_id: 'orders-cdc', msg: 'task boom' },
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

  it.each([
    ['not-found', 404],
    ['forbidden', 403],
  ] as const)(
    'answers restart with %s when the endpoint is set so, leaving the connector alone',
    async (mode, code) => {
      // Prepare
      const { control } = await start();
      control.setRestartEndpoint(mode);

      // Act
      const { status: got, body } = await json(`${CONNECTORS}/orders-cdc/restart`, { method: 'POST' });

      // Assess
      expect(got).toBe(code);
      expect(body).toEqual({ error: { code, message: expect.any(String) } });
      expect(control.connector(ORDERS_CDC).restarts).toBe(0);
    },
  );
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
  it('masks plain credentials and leaves secret-manager identifiers readable', () => {
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
      'database.password': SEED_SECRETS.ordersDb,
      'azblob.account.key': SEED_SECRETS.analyticsDb,
      'auth.password': MASKED_VALUE,
      topics: 'orders',
    });
    expect(withIntegration).toMatchObject({
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
