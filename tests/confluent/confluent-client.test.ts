import { ConfluentClient } from '#confluent/confluent-client';
import { ConfluentResponseError } from '#confluent/confluent-errors';
import { ConfluentHttp } from '#confluent/confluent-http';
import { StaticCredentials } from '#confluent/static-credentials';
import { FakeClock } from '#test-helpers/fake-clock';
import { type Scripted, scriptedFetch } from './support/fake-fetch';

const BASE = 'https://api.example.test';

function clientWith(script: Scripted[]) {
  const { fetch, calls } = scriptedFetch(script);
  const clock = new FakeClock();
  const http = new ConfluentHttp({
    credentials: new StaticCredentials('KEY123', 'secret-value-1'),
    baseUrl: BASE,
    fetch,
    clock,
    gate: { requestsPerSecond: Number.POSITIVE_INFINITY, clock },
  });
  return { client: new ConfluentClient(http), calls };
}

const ORDERS = { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' };

describe('ConfluentClient', () => {
  it('lists environments across pages, following metadata.next on the configured host only', async () => {
    // Prepare
    const { client, calls } = clientWith([
      {
        status: 200,
        body: {
          metadata: { next: 'https://elsewhere.example/org/v2/environments?page_token=tok2' },
          data: [{ id: 'env-prod01', display_name: 'production' }],
        },
      },
      { status: 200, body: { metadata: { next: null }, data: [{ id: 'env-stage01', display_name: 'staging' }] } },
    ]);

    // Act
    const environments = await client.listEnvironments();

    // Assess
    expect(environments).toEqual([
      { id: 'env-prod01', displayName: 'production' },
      { id: 'env-stage01', displayName: 'staging' },
    ]);
    expect(calls.map((call) => call.url.toString())).toEqual([
      `${BASE}/org/v2/environments?page_size=100`,
      `${BASE}/org/v2/environments?page_token=tok2&page_size=100`,
    ]);
  });

  it('lists clusters with cloud in lower case, region and kind, keeping environment on every page', async () => {
    // Prepare
    const cluster = (id: string, cloud: string, kind: string) => ({
      id,
      spec: { display_name: `${id}-name`, cloud, region: 'us-east-1', config: { kind } },
    });
    const { client, calls } = clientWith([
      {
        status: 200,
        body: { metadata: { next: '/cmk/v2/clusters?page_token=p2' }, data: [cluster('lkc-a', 'AWS', 'Dedicated')] },
      },
      { status: 200, body: { metadata: {}, data: [cluster('lkc-b', 'AZURE', 'Standard'), { id: 'lkc-c' }] } },
    ]);

    // Act
    const clusters = await client.listClusters('env-prod01');

    // Assess
    expect(clusters).toEqual([
      {
        environmentId: 'env-prod01',
        clusterId: 'lkc-a',
        displayName: 'lkc-a-name',
        cloud: 'aws',
        region: 'us-east-1',
        kind: 'Dedicated',
      },
      {
        environmentId: 'env-prod01',
        clusterId: 'lkc-b',
        displayName: 'lkc-b-name',
        cloud: 'azure',
        region: 'us-east-1',
        kind: 'Standard',
      },
      { environmentId: 'env-prod01', clusterId: 'lkc-c' },
    ]);
    expect(calls.map((call) => call.url.toString())).toEqual([
      `${BASE}/cmk/v2/clusters?environment=env-prod01&page_size=100`,
      `${BASE}/cmk/v2/clusters?page_token=p2&environment=env-prod01&page_size=100`,
    ]);
  });

  it('stops on a page link that repeats itself', async () => {
    // Prepare
    const page = { status: 200, body: { metadata: { next: '/org/v2/environments?page_token=same' }, data: [] } };
    const { client } = clientWith([page, page, page]);

    // Act
    const result = client.listEnvironments();

    // Assess
    await expect(result).rejects.toThrow(ConfluentResponseError);
  });

  it('lists connectors with one expanded call and maps id, config and status', async () => {
    // Prepare
    const { client, calls } = clientWith([
      {
        status: 200,
        body: {
          'orders-cdc': {
            id: { id: 'lcc-orders01', id_type: 'ID' },
            info: { name: 'orders-cdc', config: { 'connector.class': 'PostgresCdcSourceV2', 'tasks.max': '2' } },
            status: {
              name: 'orders-cdc',
              type: 'source',
              connector: { state: 'RUNNING', worker_id: 'w', trace: '' },
              tasks: [
                { id: 0, state: 'RUNNING', worker_id: 'w', msg: '' },
                { id: 1, state: 'FAILED', worker_id: 'w', msg: 'auth failed' },
              ],
            },
          },
          'orders-archive-s3': {
            info: { config: { 'aws.secret.access.key': '**********' } },
            status: { connector: { state: 'FAILED', worker_id: 'w', trace: 'boom' }, tasks: [] },
          },
        },
      },
    ]);

    // Act
    const connectors = await client.listConnectors('env-prod01', 'lkc-orders1');

    // Assess
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url.toString()).toBe(
      `${BASE}/connect/v1/environments/env-prod01/clusters/lkc-orders1/connectors?expand=id%2Cinfo%2Cstatus`,
    );
    expect(connectors).toEqual([
      {
        ref: ORDERS,
        id: 'lcc-orders01',
        config: { 'connector.class': 'PostgresCdcSourceV2', 'tasks.max': '2' },
        status: {
          state: 'RUNNING',
          tasks: [
            { id: 0, state: 'RUNNING' },
            { id: 1, state: 'FAILED', msg: 'auth failed' },
          ],
        },
      },
      {
        ref: { ...ORDERS, name: 'orders-archive-s3' },
        config: { 'aws.secret.access.key': '**********' },
        status: { state: 'FAILED', trace: 'boom', tasks: [] },
      },
    ]);
  });

  it('rejects a connector list of an unexpected shape without quoting its values', async () => {
    // Prepare
    const { client } = clientWith([{ status: 200, body: ['orders-cdc', 'orders-outbox'] }]);

    // Act
    const result = client.listConnectors('env-prod01', 'lkc-orders1');

    // Assess
    await expect(result).rejects.toThrow(ConfluentResponseError);
    await expect(result).rejects.toThrow(/list-connectors of env-prod01\/lkc-orders1 answered an unexpected body/);
  });

  it('reads a status, URL-encoding the connector name', async () => {
    // Prepare
    const { client, calls } = clientWith([
      { status: 200, body: { name: 'a/b c', type: 'sink', connector: { state: 'PAUSED', worker_id: 'w' }, tasks: [] } },
    ]);

    // Act
    const status = await client.getStatus({ ...ORDERS, name: 'a/b c' });

    // Assess
    expect(status).toEqual({ state: 'PAUSED', tasks: [] });
    expect(calls[0]?.url.pathname).toBe(
      '/connect/v1/environments/env-prod01/clusters/lkc-orders1/connectors/a%2Fb%20c/status',
    );
  });

  it('restarts with POST …/restart, pauses and resumes with PUT', async () => {
    // Prepare
    const { client, calls } = clientWith([{ status: 202 }, { status: 202 }, { status: 202 }]);

    // Act
    await client.restart(ORDERS);
    await client.pause(ORDERS);
    await client.resume(ORDERS);

    // Assess
    const prefix = '/connect/v1/environments/env-prod01/clusters/lkc-orders1/connectors/orders-cdc';
    expect(calls.map((call) => `${call.method} ${call.url.pathname}`)).toEqual([
      `POST ${prefix}/restart`,
      `PUT ${prefix}/pause`,
      `PUT ${prefix}/resume`,
    ]);
  });
});
