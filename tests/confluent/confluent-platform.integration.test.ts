import { ConfluentAuthError, ConfluentNotFoundError, ConfluentTimeoutError } from '#confluent/confluent-errors';
import type { Credentials, CredentialsProvider } from '#confluent/confluent-http';
import { createConfluentPlatform } from '#confluent/create-confluent-platform';
import { ConnectorAlreadyPausedError, RestartPermissionError } from '#confluent/platform-errors';
import { StaticCredentials } from '#confluent/static-credentials';
import { type ConnectorStatus, isHealthy } from '#core/connector';
import type { ConnectorRef } from '#core/connector-ref';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import type { Estate } from '#local/estate';
import { seedEstate } from '#local/seed-estate';
import { EMULATOR_CREDENTIALS, emulatorPlatform } from './support/emulator-platform';

const ORDERS_CDC: ConnectorRef = { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' };
const ORDERS_CDC_KEY = 'env-prod01/lkc-orders1/orders-cdc';
const ORDERS_CDC_PATH = '/connect/v1/environments/env-prod01/clusters/lkc-orders1/connectors/orders-cdc';

/** The seed estate plus enough environments and clusters to need a second page at page_size=100. */
function largeEstate(): Estate {
  const seed = seedEstate();
  const environments = Array.from({ length: 120 }, (_, i) => ({
    id: `env-bulk${String(i).padStart(3, '0')}`,
    displayName: `bulk ${i}`,
  }));
  const clusters = Array.from({ length: 130 }, (_, i) => ({
    id: `lkc-bulk${String(i).padStart(3, '0')}`,
    environmentId: 'env-stage01',
    displayName: `bulk ${i}`,
    cloud: 'GCP' as const,
    region: 'us-central1',
    kind: 'Basic' as const,
  }));
  return { ...seed, environments: [...seed.environments, ...environments], clusters: [...seed.clusters, ...clusters] };
}

async function waitUntilHealthy(status: () => Promise<ConnectorStatus>) {
  for (let i = 0; i < 100; i += 1) {
    if (isHealthy(await status())) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('connector did not come back RUNNING');
}

describe('Confluent client against the emulator (real HTTP)', () => {
  let emulator: ConfluentEmulator;

  beforeEach(async () => {
    emulator = await startConfluentEmulator({ provisioningMs: 100, pauseMs: 100 });
  });

  afterEach(async () => {
    await emulator.close();
  });

  describe('discovery', () => {
    it('follows pagination for environments and clusters', async () => {
      // Prepare
      await emulator.close();
      emulator = await startConfluentEmulator({ estate: largeEstate() });
      const { client } = emulatorPlatform(emulator);

      // Act
      const environments = await client.listEnvironments();
      const stageClusters = await client.listClusters('env-stage01');

      // Assess
      expect(environments).toHaveLength(122);
      expect(new Set(environments.map((e) => e.id)).size).toBe(122);
      expect(stageClusters).toHaveLength(131);
      expect(emulator.control.requestCount({ pathIncludes: '/org/v2/environments' })).toBe(2);
      expect(emulator.control.requestCount({ pathIncludes: '/cmk/v2/clusters' })).toBe(2);
      const clusterPages = emulator.control.requests().filter((r) => r.path === '/cmk/v2/clusters');
      expect(clusterPages.map((r) => [r.query.environment, r.query.page_size, r.status])).toEqual([
        ['env-stage01', '100', 200],
        ['env-stage01', '100', 200],
      ]);
    });

    it('discovers every environment and cluster with cloud, region and kind when no scope is set', async () => {
      // Prepare
      const platform = createConfluentPlatform({ baseUrl: emulator.url, credentials: EMULATOR_CREDENTIALS });

      // Act
      const clusters = await platform.listClusters();

      // Assess
      expect(clusters).toEqual([
        {
          environmentId: 'env-prod01',
          clusterId: 'lkc-orders1',
          displayName: 'orders-dedicated',
          cloud: 'aws',
          region: 'us-east-1',
          kind: 'Dedicated',
        },
        {
          environmentId: 'env-prod01',
          clusterId: 'lkc-pay01',
          displayName: 'payments-dedicated',
          cloud: 'aws',
          region: 'us-east-1',
          kind: 'Dedicated',
        },
        {
          environmentId: 'env-prod01',
          clusterId: 'lkc-azan01',
          displayName: 'analytics-azure',
          cloud: 'azure',
          region: 'eastus2',
          kind: 'Dedicated',
        },
        {
          environmentId: 'env-stage01',
          clusterId: 'lkc-stage01',
          displayName: 'staging-standard',
          cloud: 'aws',
          region: 'us-east-1',
          kind: 'Standard',
        },
      ]);
      expect(emulator.control.requestCount()).toBe(3);
    });

    it('makes no discovery call when every scope names a cluster', async () => {
      // Prepare
      const scopes = [
        { environmentId: 'env-prod01', clusterId: 'lkc-pay01' },
        { environmentId: 'env-prod01', clusterId: 'lkc-azan01', cloud: 'azure' },
      ];
      const { platform } = emulatorPlatform(emulator, { platform: { scopes } });

      // Act
      const clusters = await platform.listClusters();

      // Assess
      expect(clusters.map((c) => [c.clusterId, c.cloud])).toEqual([
        ['lkc-pay01', undefined],
        ['lkc-azan01', 'azure'],
      ]);
      expect(emulator.control.requestCount()).toBe(0);
    });

    it('describes the scoped clusters on request, with one cmk/v2 call per environment', async () => {
      // Prepare
      const scopes = [
        { environmentId: 'env-prod01', clusterId: 'lkc-pay01' },
        { environmentId: 'env-prod01', clusterId: 'lkc-azan01' },
      ];
      const { platform } = emulatorPlatform(emulator, { platform: { scopes } });

      // Act
      const clusters = await platform.listClusters({ describe: true });

      // Assess
      expect(clusters.map((c) => [c.clusterId, c.cloud, c.kind])).toEqual([
        ['lkc-pay01', 'aws', 'Dedicated'],
        ['lkc-azan01', 'azure', 'Dedicated'],
      ]);
      expect(emulator.control.requestCount()).toBe(1);
    });

    it('makes one list call per cluster, with ids, masked configs and statuses', async () => {
      // Prepare
      const { platform } = emulatorPlatform(emulator);
      const clusters = await platform.listClusters();
      emulator.control.resetRequests();

      // Act
      const perCluster = await Promise.all(clusters.map((cluster) => platform.listConnectors(cluster)));

      // Assess
      expect(emulator.control.requestCount()).toBe(clusters.length);
      expect(emulator.control.requests().every((r) => r.query.expand === 'id,info,status')).toBe(true);
      const connectors = perCluster.flat();
      expect(connectors).toHaveLength(seedEstate().connectors.length);
      const orders = connectors.find((c) => c.ref.name === 'orders-cdc');
      expect(orders).toMatchObject({
        ref: ORDERS_CDC,
        id: 'lcc-orders01',
        status: { state: 'RUNNING', tasks: [{ state: 'RUNNING' }, { state: 'RUNNING' }] },
      });
      expect(orders?.config['database.password']).toMatch(/^arn:aws:secretsmanager:/);
      const archive = connectors.find((c) => c.ref.name === 'orders-archive-s3');
      expect(archive?.status.state).toBe('PAUSED');
      const crm = connectors.find((c) => c.ref.name === 'crm-sync');
      expect(crm?.config['salesforce.password']).toMatch(/^\*{2,}/);
    });
  });

  describe('restart', () => {
    it('restarts through the restart endpoint (202) and the connector comes back RUNNING', async () => {
      // Prepare
      const { platform } = emulatorPlatform(emulator);

      // Act
      const result = await platform.restart(ORDERS_CDC);

      // Assess
      expect(result).toEqual({ method: 'restart' });
      const restart = emulator.control.requests().find((r) => r.path === `${ORDERS_CDC_PATH}/restart`);
      expect(restart).toMatchObject({ method: 'POST', status: 202 });
      expect(emulator.control.connector(ORDERS_CDC_KEY)).toMatchObject({ restarts: 1, pauses: 0, resumes: 0 });
      await waitUntilHealthy(() => platform.getStatus(ORDERS_CDC));
    });

    it.each([
      ['is missing', 404],
      ['is forbidden on the cluster', 403],
    ] as const)(
      'falls back to pause/resume when the restart endpoint %s (%i), and remembers it for the cluster',
      async (_why, status) => {
        // Prepare
        if (status === 404) emulator.control.setRestartEndpoint('not-found');
        else emulator.control.forbid('env-prod01/lkc-orders1', ['restart']);
        const { platform } = emulatorPlatform(emulator);
        const outbox: ConnectorRef = { ...ORDERS_CDC, name: 'orders-outbox' };

        // Act
        const first = await platform.restart(ORDERS_CDC);
        const second = await platform.restart(outbox);

        // Assess
        expect([first, second]).toEqual([{ method: 'pause-resume' }, { method: 'pause-resume' }]);
        expect(
          emulator.control
            .requests()
            .filter((r) => r.path.endsWith('/restart'))
            .map((r) => r.status),
        ).toEqual([status]);
        expect(emulator.control.connector(ORDERS_CDC_KEY)).toMatchObject({ restarts: 0, pauses: 1, resumes: 1 });
        expect(emulator.control.connector('env-prod01/lkc-orders1/orders-outbox')).toMatchObject({
          restarts: 0,
          pauses: 1,
          resumes: 1,
        });
        expect(emulator.control.requestCount({ method: 'PUT', pathIncludes: '/pause' })).toBe(2);
        expect(emulator.control.requestCount({ method: 'PUT', pathIncludes: '/resume' })).toBe(2);
        await waitUntilHealthy(() => platform.getStatus(ORDERS_CDC));
      },
    );

    it('a 403 for one connector (RBAC) moves only its cluster to pause/resume', async () => {
      // Prepare
      emulator.control.forbid(ORDERS_CDC_KEY, ['restart']);
      const { platform } = emulatorPlatform(emulator);
      const payments: ConnectorRef = {
        environmentId: 'env-prod01',
        clusterId: 'lkc-pay01',
        name: 'payments-http-sink',
      };

      // Act
      const forbidden = await platform.restart(ORDERS_CDC);
      const otherCluster = await platform.restart(payments);

      // Assess
      expect([forbidden, otherCluster]).toEqual([{ method: 'pause-resume' }, { method: 'restart' }]);
      expect(emulator.control.connector(ORDERS_CDC_KEY)).toMatchObject({ restarts: 0, pauses: 1, resumes: 1 });
      expect(emulator.control.connector('env-prod01/lkc-pay01/payments-http-sink')).toMatchObject({
        restarts: 1,
        pauses: 0,
      });
      await waitUntilHealthy(() => platform.getStatus(ORDERS_CDC));
    });

    it('reports a permission error naming ConnectManager when restart and pause are both forbidden, and calls nothing more', async () => {
      // Prepare
      emulator.control.forbid('env-prod01/lkc-orders1', ['restart', 'pause', 'resume']);
      const { platform } = emulatorPlatform(emulator);

      // Act
      const result = platform.restart(ORDERS_CDC);

      // Assess
      await expect(result).rejects.toThrow(RestartPermissionError);
      await expect(result).rejects.toThrow(/ConnectManager role \(or higher\) on the cluster lkc-orders1/);
      const lifecycle = emulator.control
        .requests()
        .filter((r) => r.method !== 'GET')
        .map((r) => `${r.method} ${r.path.split('/').at(-1)} ${r.status}`);
      expect(lifecycle).toEqual(['POST restart 403', 'PUT pause 403']);
      expect(emulator.control.connector(ORDERS_CDC_KEY)).toMatchObject({ state: 'RUNNING', pauses: 0 });
    });

    it('reports a missing connector as not found, without pausing anything', async () => {
      // Prepare
      emulator.control.setRestartEndpoint('not-found');
      const { platform } = emulatorPlatform(emulator);

      // Act
      const result = platform.restart({ ...ORDERS_CDC, name: 'no-such-connector' });

      // Assess
      await expect(result).rejects.toThrow(ConfluentNotFoundError);
      expect(emulator.control.requestCount({ pathIncludes: '/pause' })).toBe(0);
      expect(platform.fallsBackToPauseResume(ORDERS_CDC)).toBe(false);
    });

    it('never pauses a connector that is already PAUSED', async () => {
      // Prepare
      const { platform } = emulatorPlatform(emulator, { platform: { restartMethod: 'pause-resume' } });

      // Act
      const result = platform.restart({ ...ORDERS_CDC, name: 'orders-archive-s3' });

      // Assess
      await expect(result).rejects.toThrow(ConnectorAlreadyPausedError);
      expect(emulator.control.requestCount({ pathIncludes: '/pause' })).toBe(0);
      expect(emulator.control.connector('env-prod01/lkc-orders1/orders-archive-s3').state).toBe('PAUSED');
    });

    it('URL-encodes connector names', async () => {
      // Prepare
      const estate = seedEstate();
      const odd = { ...estate.connectors[0], name: 'orders cdc/v2' } as (typeof estate.connectors)[number];
      await emulator.close();
      emulator = await startConfluentEmulator({ estate: { ...estate, connectors: [...estate.connectors, odd] } });
      const { platform } = emulatorPlatform(emulator);

      // Act
      const result = await platform.restart({ ...ORDERS_CDC, name: 'orders cdc/v2' });

      // Assess
      expect(result).toEqual({ method: 'restart' });
      expect(emulator.control.connector('env-prod01/lkc-orders1/orders cdc/v2').restarts).toBe(1);
    });
  });

  describe('resilience', () => {
    it('retries through 429s, waiting at least Retry-After', async () => {
      // Prepare
      emulator.control.setFaults({ throttleNext: { count: 2, retryAfterSeconds: 1 } });
      const { client, observations } = emulatorPlatform(emulator);
      const started = Date.now();

      // Act
      const status = await client.getStatus(ORDERS_CDC);

      // Assess
      expect(status.state).toBe('RUNNING');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(emulator.control.requests().map((r) => r.status)).toEqual([429, 429, 200]);
      expect(observations.map((o) => o.attempt)).toEqual([1, 2, 3]);
    });

    it('retries through 500s', async () => {
      // Prepare
      emulator.control.setFaults({ failNext: 3 });
      const { client } = emulatorPlatform(emulator);

      // Act
      const status = await client.getStatus(ORDERS_CDC);

      // Assess
      expect(status.state).toBe('RUNNING');
      expect(emulator.control.requests().map((r) => r.status)).toEqual([500, 500, 500, 200]);
    });

    it('holds parallel requests together when the server rate-limits them', async () => {
      // Prepare
      emulator.control.setFaults({ rateLimitPerSecond: 5 });
      const { client } = emulatorPlatform(emulator, { http: { retry: { maxRetries: 8, baseDelayMs: 10 } } });

      // Act
      const statuses = await Promise.all(Array.from({ length: 12 }, () => client.getStatus(ORDERS_CDC)));

      // Assess
      expect(statuses.every((status) => status.state === 'RUNNING')).toBe(true);
      const answered = emulator.control.requests().map((r) => r.status);
      expect(answered.filter((s) => s === 200)).toHaveLength(12);
      expect(answered.filter((s) => s === 429).length).toBeLessThan(12);
    });

    it('retries a dropped connection', async () => {
      // Prepare
      emulator.control.setFaults({ dropNext: 1 });
      const { client, observations } = emulatorPlatform(emulator);

      // Act
      const status = await client.getStatus(ORDERS_CDC);

      // Assess
      expect(status.state).toBe('RUNNING');
      expect(observations.map((o) => o.outcome)).toEqual(['network-error', 'response']);
    });

    it('times out a hung request and retries it', async () => {
      // Prepare
      emulator.control.setFaults({ hangNext: 1 });
      const { client, observations } = emulatorPlatform(emulator, { http: { timeoutMs: 300 } });

      // Act
      const status = await client.getStatus(ORDERS_CDC);

      // Assess
      expect(status.state).toBe('RUNNING');
      expect(observations.map((o) => o.outcome)).toEqual(['timeout', 'response']);
      expect(emulator.control.requests().map((r) => r.status)).toEqual([0, 200]);
    });

    it('gives up with ConfluentTimeoutError when every attempt hangs', async () => {
      // Prepare
      emulator.control.setFaults({ hangNext: 3 });
      const { client } = emulatorPlatform(emulator, {
        http: { timeoutMs: 200, retry: { maxRetries: 2, baseDelayMs: 10 } },
      });

      // Act
      const result = client.getStatus(ORDERS_CDC);

      // Assess
      await expect(result).rejects.toThrow(ConfluentTimeoutError);
      expect(emulator.control.requestCount()).toBe(3);
    });
  });

  describe('authentication', () => {
    it('fails with ConfluentAuthError on wrong credentials after one re-read, keeping the secret out', async () => {
      // Prepare
      const { client } = emulatorPlatform(emulator, {
        credentials: new StaticCredentials('local-api-key', 'wrong-secret-value'),
      });

      // Act
      const error = await client.listEnvironments().then(
        () => new Error('expected a failure'),
        (caught: unknown) => caught as Error,
      );

      // Assess
      expect(error).toBeInstanceOf(ConfluentAuthError);
      expect(error).toMatchObject({ status: 401, operation: 'list-environments' });
      expect(error.message).toContain('The API Key is invalid');
      expect(error.message).not.toContain('wrong-secret-value');
      expect(emulator.control.requests().map((r) => [r.auth, r.status])).toEqual([
        ['basic-invalid', 401],
        ['basic-invalid', 401],
      ]);
    });

    it('recovers from a rotated key by re-reading the credentials once', async () => {
      // Prepare
      let invalidated = false;
      const rotating: CredentialsProvider = {
        get: async (): Promise<Credentials> => ({
          apiKey: 'local-api-key',
          apiSecret: invalidated ? 'local-api-secret' : 'previous-secret',
        }),
        invalidate: () => {
          invalidated = true;
        },
      };
      const { client } = emulatorPlatform(emulator, { credentials: rotating });

      // Act
      const status = await client.getStatus(ORDERS_CDC);

      // Assess
      expect(status.state).toBe('RUNNING');
      expect(emulator.control.requests().map((r) => r.status)).toEqual([401, 200]);
    });
  });
});
