import { type ConfluentEmulator, type RecordedRequest, startConfluentEmulator } from '#local/confluent-emulator/index';
import { SEED_SECRETS } from '#local/seed-estate';
import { loadOpenApiContracts, type OpenApiContracts, validateRecordedRequests } from './openapi-contract';

const AUTH = `Basic ${Buffer.from('local-api-key:local-api-secret').toString('base64')}`;
const CLUSTERS = [
  ['env-prod01', 'lkc-orders1'],
  ['env-prod01', 'lkc-pay01'],
  ['env-prod01', 'lkc-azan01'],
  ['env-stage01', 'lkc-stage01'],
] as const;
const ORDERS = '/connect/v1/environments/env-prod01/clusters/lkc-orders1/connectors';

/** One request per connect/v1 operation the emulator implements, for a given connectors path and connector. */
function connectOperations(connectors: string, name: string): [operationId: string, method: string, path: string][] {
  return [
    ['listConnectv1Connectors', 'GET', connectors],
    ['listConnectv1ConnectorsWithExpansions', 'GET', `${connectors}?expand=id,info,status`],
    ['readConnectv1Connector', 'GET', `${connectors}/${name}`],
    ['getConnectv1ConnectorConfig', 'GET', `${connectors}/${name}/config`],
    ['readConnectv1ConnectorStatus', 'GET', `${connectors}/${name}/status`],
    ['listConnectv1ConnectorTasks', 'GET', `${connectors}/${name}/tasks`],
    ['pauseConnectv1Connector', 'PUT', `${connectors}/${name}/pause`],
    ['resumeConnectv1Connector', 'PUT', `${connectors}/${name}/resume`],
    ['restartConnectv1Connector', 'POST', `${connectors}/${name}/restart`],
  ];
}

let emulator: ConfluentEmulator;
let contracts: OpenApiContracts;
let clock = 1_000_000;

function call(method: string, path: string, authorization = AUTH): Promise<Response> {
  return fetch(`${emulator.url}${path}`, { method, headers: authorization ? { authorization } : {} });
}

/** Every read of every connector of the estate, and every subset of expansions. */
async function sweepReads(): Promise<void> {
  for (const [environment, cluster] of CLUSTERS) {
    const connectors = `/connect/v1/environments/${environment}/clusters/${cluster}/connectors`;
    const names = (await (await call('GET', connectors)).json()) as string[];
    for (const expand of ['id', 'info', 'status', 'id,info', 'info,status', 'id,info,status']) {
      await call('GET', `${connectors}?expand=${expand}`);
    }
    for (const name of names) {
      for (const suffix of ['', '/config', '/status', '/tasks']) await call('GET', `${connectors}/${name}${suffix}`);
    }
  }
}

function responseProblems(requests: readonly RecordedRequest[]): string[] {
  return requests.flatMap((record) => contracts.checkResponse(record));
}

function coverage(requests: readonly RecordedRequest[]): Set<string> {
  return new Set(requests.map((record) => `${contracts.operationIdOf(record)} ${record.status}`));
}

beforeAll(async () => {
  contracts = await loadOpenApiContracts();
});

beforeEach(async () => {
  clock = 1_000_000;
  emulator = await startConfluentEmulator({ now: () => clock, provisioningMs: 400, pauseMs: 150 });
});

afterEach(async () => {
  await emulator.close();
});

describe('connect/v1 emulator responses against the reference OpenAPI', () => {
  it('conform for every implemented read in every connector state', async () => {
    // Prepare
    const { control } = emulator;

    // Act
    await sweepReads();
    control.rotateSecret(SEED_SECRETS.ordersDb, 'v2');
    control.failStaleConnectors();
    control.failConnector('env-prod01/lkc-orders1/orders-datagen', 'task failed', { taskOnly: true });
    control.failConnector('env-prod01/lkc-pay01/payments-http-sink', 'task 1 failed', { tasks: [1] });
    control.setStartOutcome('env-prod01/lkc-azan01/analytics-sql-sink', {
      kind: 'degraded',
      failingTasks: [0],
      unassignedMs: 1_000,
    });
    await call('POST', `${ORDERS}/orders-cdc/restart`);
    await call('PUT', `${ORDERS}/orders-outbox/pause`);
    await call('PUT', `${ORDERS}/orders-archive-s3/resume`);
    await call('POST', '/connect/v1/environments/env-prod01/clusters/lkc-azan01/connectors/analytics-sql-sink/restart');
    await sweepReads();
    clock += 200;
    await sweepReads();
    clock += 1_000;
    await sweepReads();
    clock += 1_000;
    await sweepReads();

    // Assess
    const requests = control.requests();
    expect(responseProblems(requests)).toEqual([]);
    const states = new Set(
      requests.flatMap((record) => {
        const body = record.responseBody as { connector?: { state?: string } } | undefined;
        return record.path.endsWith('/status') && body?.connector?.state ? [body.connector.state] : [];
      }),
    );
    expect([...states].sort()).toEqual(['DEGRADED', 'FAILED', 'PAUSED', 'PROVISIONING', 'RUNNING']);
    const taskStates = new Set(
      requests.flatMap((record) => {
        const body = record.responseBody as { tasks?: { state?: string }[] } | undefined;
        return record.path.endsWith('/status') ? (body?.tasks ?? []).map((task) => task.state) : [];
      }),
    );
    // Confluent's task vocabulary (docs.confluent.io connector-statuses), never Kafka's FAILED.
    expect([...taskStates].sort()).toEqual([
      'RESTARTING',
      'RUNNING',
      'STOPPED',
      'SYSTEM_ERROR',
      'UNASSIGNED',
      'USER_ACTIONABLE_ERROR',
    ]);
  });

  it('conform for every operation and every error response: 401, 403, 404, 429 and 500', async () => {
    // Prepare
    const { control } = emulator;
    const operations = connectOperations(ORDERS, 'orders-cdc');
    const unknownEnvironment = connectOperations(
      '/connect/v1/environments/env-nope/clusters/lkc-orders1/connectors',
      'x',
    );
    const unknownConnector = connectOperations(ORDERS, 'no-such-connector').slice(2);

    // Act
    for (const [, method, path] of operations) {
      await call(method, path);
      await call(method, path, '');
      control.setFaults({ throttleNext: { count: 1, retryAfterSeconds: 2 } });
      await call(method, path);
      control.setFaults({ failNext: 1 });
      await call(method, path);
    }
    for (const [, method, path] of [...unknownEnvironment, ...unknownConnector]) await call(method, path);
    control.forbid('env-prod01/lkc-orders1/orders-cdc', ['restart']);
    await call('POST', `${ORDERS}/orders-cdc/restart`);
    control.allow('env-prod01/lkc-orders1/orders-cdc');
    control.setRestartEndpoint('not-found');
    await call('POST', `${ORDERS}/orders-cdc/restart`);

    // Assess
    const requests = control.requests();
    expect(responseProblems(requests)).toEqual([]);
    const covered = coverage(requests);
    for (const [operationId] of operations) {
      const success = /^(pause|resume|restart)/.test(operationId) ? 202 : 200;
      for (const status of [success, 401, 404, 429, 500]) expect(covered).toContain(`${operationId} ${status}`);
    }
    expect(covered).toContain('restartConnectv1Connector 403');
  });
});

describe('org/v2 and cmk/v2 emulator responses against the subset document', () => {
  it('conform for pages, validation errors, auth, rate limits and server errors', async () => {
    // Prepare
    const { control } = emulator;

    // Act
    let next: string | undefined = `${emulator.url}/org/v2/environments?page_size=1`;
    while (next) {
      const response = await fetch(next, { headers: { authorization: AUTH } });
      next = ((await response.json()) as { metadata: { next?: string } }).metadata.next;
    }
    await call('GET', '/cmk/v2/clusters?environment=env-prod01&page_size=2');
    await call('GET', '/cmk/v2/clusters?environment=env-stage01');
    await call('GET', '/cmk/v2/clusters');
    await call('GET', '/cmk/v2/clusters?environment=env-nope');
    await call('GET', '/org/v2/environments?page_size=500');
    await call('GET', '/org/v2/environments', '');
    control.setFaults({ throttleNext: { count: 1, retryAfterSeconds: 3 } });
    await call('GET', '/cmk/v2/clusters?environment=env-prod01');
    control.setFaults({ failNext: 1 });
    await call('GET', '/org/v2/environments');

    // Assess
    const requests = control.requests();
    expect(responseProblems(requests)).toEqual([]);
    expect([...coverage(requests)].sort()).toEqual([
      'listCmkV2Clusters 200',
      'listCmkV2Clusters 400',
      'listCmkV2Clusters 403',
      'listCmkV2Clusters 429',
      'listOrgV2Environments 200',
      'listOrgV2Environments 400',
      'listOrgV2Environments 401',
      'listOrgV2Environments 500',
    ]);
  });
});

describe('pim/v1 and pim/v2 emulator responses against the subset document', () => {
  it('conform for lists, pages, validation errors, auth, permissions, rate limits and server errors', async () => {
    // Prepare
    const { control } = emulator;

    // Act
    for (const version of ['v1', 'v2']) {
      await call('GET', `/pim/${version}/integrations?environment=env-prod01`);
      await call('GET', `/pim/${version}/integrations?environment=env-prod01&page_size=1`);
      await call('GET', `/pim/${version}/integrations?environment=env-stage01`);
      await call('GET', `/pim/${version}/integrations`);
      await call('GET', `/pim/${version}/integrations?environment=env-prod01`, '');
      control.setFaults({ throttleNext: { count: 1, retryAfterSeconds: 1 } });
      await call('GET', `/pim/${version}/integrations?environment=env-prod01`);
      control.setFaults({ failNext: 1 });
      await call('GET', `/pim/${version}/integrations?environment=env-prod01`);
    }
    control.setProviderIntegrationApi('v1', 'forbidden');
    control.setProviderIntegrationApi('v2', 'forbidden');
    await call('GET', '/pim/v1/integrations?environment=env-prod01');
    await call('GET', '/pim/v2/integrations?environment=env-prod01');

    // Assess
    const requests = control.requests();
    expect(responseProblems(requests)).toEqual([]);
    const covered = coverage(requests);
    for (const operationId of ['listPimV1Integrations', 'listPimV2Integrations']) {
      for (const status of [200, 400, 401, 403, 429, 500]) expect(covered).toContain(`${operationId} ${status}`);
    }
    const usages = requests.flatMap(
      (record) => (record.responseBody as { data?: { usages?: string[] }[] } | undefined)?.data ?? [],
    );
    expect(usages.some((integration) => (integration.usages?.length ?? 0) > 0)).toBe(true);
  });
});

describe('validateRecordedRequests', () => {
  it('finds nothing wrong with a well-behaved client session', async () => {
    // Prepare
    await call('GET', '/org/v2/environments?page_size=100');
    await call('GET', '/cmk/v2/clusters?environment=env-prod01');
    await call('GET', `${ORDERS}?expand=id,info,status`);
    await call('POST', `${ORDERS}/orders-cdc/restart`);
    await call('GET', `${ORDERS}/orders-cdc/status`);

    // Act
    const problems = await validateRecordedRequests(emulator.control.requests());

    // Assess
    expect(problems).toEqual([]);
  });

  it('reports requests a client should not send', async () => {
    // Prepare
    await call('GET', ORDERS, '');
    await call('POST', `${ORDERS}/orders-cdc/restart?includeTasks=true`);
    await call('GET', `${ORDERS}?expand=everything`);
    await call('GET', '/org/v2/environments?page_size=500');
    await call('GET', `${ORDERS}/orders-cdc/offsets`);

    // Act
    const problems = await validateRecordedRequests(emulator.control.requests());

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(/^GET .*\/connectors \(listConnectv1Connectors\): no HTTP Basic Authorization$/),
      expect.stringMatching(/restart\?includeTasks=true \(restartConnectv1Connector\): .*properties: "includeTasks"$/),
      expect.stringMatching(/expand=everything \(listConnectv1ConnectorsWithExpansions\): request \/query\/expand/),
      expect.stringMatching(/page_size=500 \(listOrgV2Environments\): request \/query\/page_size must be <= 100$/),
      expect.stringMatching(/offsets: no operation in the reference documents$/),
    ]);
  });

  it('reports responses that break the contract', async () => {
    // Prepare
    const status: RecordedRequest = {
      method: 'GET',
      path: `${ORDERS}/orders-cdc/status`,
      query: {},
      headers: {},
      auth: 'basic-valid',
      status: 200,
      responseHeaders: { 'content-type': 'application/json' },
      at: 0,
    };
    const records: RecordedRequest[] = [
      { ...status, responseBody: { name: 'orders-cdc', type: 'source', connector: { state: 'RUNNING' }, tasks: [] } },
      { ...status, status: 418, responseBody: {} },
      { ...status, method: 'PUT', path: `${ORDERS}/orders-cdc/pause`, status: 202, responseBody: { ok: true } },
      {
        ...status,
        status: 429,
        responseHeaders: { ...status.responseHeaders, 'x-request-id': 'r1', 'x-ratelimit-limit': '60' },
        responseBody: { error: { code: 429, message: 'Too Many Requests' } },
      },
    ];

    // Act
    const problems = await validateRecordedRequests(records);

    // Assess
    expect(problems).toEqual([
      expect.stringMatching(
        /→ 200 \(readConnectv1ConnectorStatus\): body \/connector must have required .*'worker_id'/,
      ),
      expect.stringMatching(/→ 418 \(readConnectv1ConnectorStatus\): status 418 is not declared$/),
      expect.stringMatching(/→ 202 \(pauseConnectv1Connector\): has a body where none is declared$/),
      expect.stringMatching(/→ 429 \(readConnectv1ConnectorStatus\): header \/headers must have required property/),
    ]);
  });
});
