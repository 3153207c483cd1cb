import type { ConnectorRef } from '#core/connector-ref';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import { validateRecordedRequests } from '../contract/openapi-contract';
import { emulatorPlatform } from './support/emulator-platform';

const ORDERS_CDC: ConnectorRef = { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' };

describe('Confluent client requests against the reference OpenAPI documents', () => {
  let emulator: ConfluentEmulator;

  beforeEach(async () => {
    emulator = await startConfluentEmulator({ provisioningMs: 50, pauseMs: 50 });
  });

  afterEach(async () => {
    await emulator.close();
  });

  it('sends only requests the documents declare, for every client operation', async () => {
    // Prepare
    const { client, platform } = emulatorPlatform(emulator, { platform: { restartMethod: 'pause-resume' } });

    // Act
    const environments = await client.listEnvironments();
    for (const environment of environments) await client.listClusters(environment.id);
    await client.listConnectors(ORDERS_CDC.environmentId, ORDERS_CDC.clusterId);
    await client.getStatus(ORDERS_CDC);
    await client.restart(ORDERS_CDC);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await platform.restart(ORDERS_CDC);
    const violations = await validateRecordedRequests(emulator.control.requests());

    // Assess
    const operations = new Set(emulator.control.requests().map((r) => `${r.method} ${r.path.split('/').at(-1)}`));
    expect(operations).toEqual(
      new Set([
        'GET environments',
        'GET clusters',
        'GET connectors',
        'GET status',
        'POST restart',
        'PUT pause',
        'PUT resume',
      ]),
    );
    expect(violations).toEqual([]);
  });

  it('stays within the documents when answers are errors (401, 404, 429, 500)', async () => {
    // Prepare
    const wrong = emulatorPlatform(emulator, {
      credentials: { get: async () => ({ apiKey: 'local-api-key', apiSecret: 'nope' }), invalidate: () => {} },
    });
    const { client, platform } = emulatorPlatform(emulator);

    // Act
    await wrong.client.listEnvironments().catch(() => undefined);
    await wrong.client.getStatus(ORDERS_CDC).catch(() => undefined);
    emulator.control.setFaults({ throttleNext: { count: 1, retryAfterSeconds: 1 } });
    await client.listClusters('env-prod01');
    emulator.control.setFaults({ failNext: 1 });
    await client.listConnectors(ORDERS_CDC.environmentId, ORDERS_CDC.clusterId);
    emulator.control.setRestartEndpoint('not-found');
    await platform.restart({ ...ORDERS_CDC, name: 'no-such-connector' }).catch(() => undefined);
    const violations = await validateRecordedRequests(emulator.control.requests());

    // Assess
    const statuses = new Set(emulator.control.requests().map((r) => r.status));
    expect(statuses).toEqual(new Set([401, 429, 200, 500, 404]));
    expect(violations).toEqual([]);
  });
});
