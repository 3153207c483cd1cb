import { TableClient } from '@azure/data-tables';
import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { RotationPendingError } from '#app/handle-trigger';
import { ConnectorLeases } from '#core/connector-lease';
import { systemClock } from '#core/ports';
import { rotationQueueOutput } from '#functions/azure/rotation-queue';
import {
  type AzureFunctionsStack,
  invocationContext,
  LOCAL_STATE_TABLE,
  loadAzureFunctions,
  SEEDED_KEY_VAULT_SECRET,
  startAzureFunctionsStack,
} from '#local/azure-functions-stack';
import type { SecretNewVersionCreatedEvent } from '#local/key-vault-emulator/index';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { AzureTableStateStore } from '#state/azure-table-state-store';

jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
  virtual: true,
});

/**
 * A rotation that meets a connector locked by another operation, on the Azure path as it is deployed today (the Event
 * Grid trigger and the webhook do the reload): the invocation fails with RotationPendingError, so Event Grid delivers
 * the event again (10 s, 30 s, 1 min, 5 min, 10 min, …: past the 900 s lock within five retries), and the webhook
 * answers 500. Azure keeps no record per event, only per connector: nothing marks the rotation done, so the
 * redelivery after the lock is gone restarts the connector that waited, and only that one.
 */
const VAULT_URL = `https://${SEEDED_KEY_VAULT_SECRET.vault}.vault.azure.net`;
const LOCKED = 'env-prod01/lkc-azan01/analytics-sql-sink';
const OTHER = 'env-prod01/lkc-azan01/analytics-blob-sink';

let cloud: LocalCloud;
let azure: AzureFunctionsStack;
let functions: ReturnType<typeof loadAzureFunctions>;
let sdk: SecretClient;
let store: AzureTableStateStore;
let holder: ConnectorLeases;
const delivered: SecretNewVersionCreatedEvent[] = [];

beforeAll(async () => {
  const confluentKey = { apiKey: 'local-api-key', apiSecret: 'local-api-secret' };
  cloud = await startLocalCloud({ provisioningMs: 100, confluentKey });
  azure = await startAzureFunctionsStack({
    confluent: cloud.confluent,
    confluentKey,
    onSecretNewVersion: async (delivery) => {
      delivered.push(...delivery);
    },
  });
  Object.assign(process.env, cloud.env, azure.env);
  functions = loadAzureFunctions();
  sdk = new SecretClient(VAULT_URL, new DefaultAzureCredential());
  const table = TableClient.fromConnectionString(azure.tables.connectionString, LOCAL_STATE_TABLE, {
    allowInsecureConnection: true,
  });
  store = new AzureTableStateStore(table);
  holder = new ConnectorLeases(store, systemClock, {
    owner: 'sweep-elsewhere',
    lockTtlMs: 900_000,
    retentionMs: 86_400_000,
  });
});

afterAll(async () => {
  await azure?.close();
  await cloud?.close();
});

const restarts = (key: string) => cloud.confluent.control.connector(key).restarts;

async function rotate(value: string): Promise<{ event: SecretNewVersionCreatedEvent; version: string }> {
  delivered.length = 0;
  const written = await sdk.setSecret(SEEDED_KEY_VAULT_SECRET.name, value);
  await azure.keyVault.control.settled();
  const event = delivered.find((e) => e.data.Version === written.properties.version);
  if (!event || !written.properties.version) throw new Error('no Event Grid event');
  return { event, version: written.properties.version };
}

/** What the host does with the messages a delivery queued: one try of reloadRotatedSecret each; a throw is a retry. */
async function reloadQueued(context: InvocationContext): Promise<unknown> {
  const messages = (context.extraOutputs.get(rotationQueueOutput) as unknown[] | undefined) ?? [];
  expect(messages).toHaveLength(1);
  return functions
    .reloadRotatedSecret(
      messages[0],
      new InvocationContext({ functionName: 'reloadRotatedSecret', triggerMetadata: { dequeueCount: 1 } }),
    )
    .catch((error: unknown) => error);
}

async function deliverAndReload(event: SecretNewVersionCreatedEvent): Promise<unknown> {
  const context = invocationContext('onSecretEvent', () => {});
  await functions.onSecretEvent(structuredClone(event), context);
  return reloadQueued(context);
}

describe('a rotation pending on a locked connector, on Azure', () => {
  it('fails the queued reload while the connector is held, and the queue retry after it restarts only that one', async () => {
    // Prepare
    await holder.acquire(LOCKED, 'recover failed (attempt 1)', () => undefined);
    const { event, version } = await rotate('pending-v2');
    const before = { locked: restarts(LOCKED), other: restarts(OTHER) };

    // Act
    const first = await deliverAndReload(event);

    // Assess: retried by the queue, the other connector restarted, the waiting version left for the holder.
    expect(first).toBeInstanceOf(RotationPendingError);
    expect(first).toMatchObject({ pending: [expect.objectContaining({ name: 'analytics-sql-sink' })] });
    expect(restarts(LOCKED)).toBe(before.locked);
    expect(restarts(OTHER)).toBe(before.other + 1);
    const record = (await store.read(LOCKED))?.record;
    expect(record?.lock?.owner).toBe('sweep-elsewhere');
    expect(Object.values(record?.pendingVersions ?? {})).toEqual([
      expect.objectContaining({ version, secret: expect.stringContaining(SEEDED_KEY_VAULT_SECRET.name) }),
    ]);

    // Act: the queue's next try, once the holder is done (a holder without the follow-up: the retry must do it).
    await holder.release(LOCKED);
    const retried = (await deliverAndReload(event)) as { handled?: { outcomes?: unknown[] } };
    const summary = retried.handled;

    // Assess
    expect(restarts(LOCKED)).toBe(before.locked + 1);
    expect(restarts(OTHER)).toBe(before.other + 1);
    expect(summary?.outcomes).toEqual(
      expect.arrayContaining([
        { connector: LOCKED, result: 'restarted' },
        { connector: OTHER, result: 'skipped', reason: 'already-covered' },
      ]),
    );
    expect(cloud.confluent.control.connector(LOCKED)).toMatchObject({ state: 'RUNNING' });
    expect(Object.values(cloud.confluent.control.connector(LOCKED).heldVersions)).toContain(version);
  });

  it('answers the webhook at once (queued) while a connector is pending; the queued reload fails, so it is retried', async () => {
    // Prepare
    await holder.acquire(LOCKED, 'reload elsewhere', () => undefined);
    const { event } = await rotate('pending-v3');
    const request = new HttpRequest({
      method: 'POST',
      url: 'http://localhost:7071/api/secret-events',
      body: { string: JSON.stringify([event]) },
      headers: { 'content-type': 'application/json' },
    });

    // Act
    const context = invocationContext('secretEventsWebhook', () => {});
    const response = (await functions.secretEventsWebhook(request, context)) as HttpResponseInit;
    const reload = await reloadQueued(context);

    // Assess
    expect(response.status).toBeLessThan(300);
    expect(reload).toBeInstanceOf(RotationPendingError);
    expect(String((reload as Error).message)).toMatch(
      /is pending on 1 connector\(s\).*analytics-sql-sink.*reload elsewhere/,
    );
    await holder.release(LOCKED);
  });
});
