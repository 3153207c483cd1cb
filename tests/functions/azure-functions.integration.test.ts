import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import {
  type AzureFunctionsStack,
  invocationContext,
  LOCAL_STATE_TABLE,
  loadAzureFunctions,
  SEEDED_KEY_VAULT_SECRET,
  startAzureFunctionsStack,
} from '../../local/azure-functions-stack';
import { registeredFunction } from '../../local/functions-host';
import type { EventGridDelivery, SecretNewVersionCreatedEvent } from '../../local/key-vault-emulator';
import { type LocalCloud, startLocalCloud } from '../../local/local-cloud';

// The Functions host's worker API, which @azure/functions registers with; the library itself is the real one.
jest.mock('@azure/functions-core', () => jest.requireActual('../../local/functions-host').functionsCoreApi, {
  virtual: true,
});

/** Values that must never leave the vault: the rotated secret and the Function App's own Confluent API secret. */
const CANARY = 'canary-Az9!rotated-5e7c1b2a';
const API_SECRET_CANARY = 'canary-Az9!api-secret-0d4f8e6c';
const VAULT_URL = `https://${SEEDED_KEY_VAULT_SECRET.vault}.vault.azure.net`;
const ANALYTICS_CONNECTORS = ['env-prod01/lkc-azan01/analytics-sql-sink', 'env-prod01/lkc-azan01/analytics-blob-sink'];
const SAMPLES = path.join(__dirname, '../../events/azure');

let cloud: LocalCloud;
let azure: AzureFunctionsStack;
let functions: ReturnType<typeof loadAzureFunctions>;
let sdk: SecretClient;
const logs: string[] = [];
const results: unknown[] = [];
/** When off, deliveries are only kept, so a test can replay them as Event Grid would. */
let autoDeliver = true;
const deliveries: EventGridDelivery[] = [];

function context(name: string) {
  return invocationContext(name, (level, ...args) => logs.push(`${level} ${args.map(String).join(' ')}`));
}

beforeAll(async () => {
  const confluentKey = { apiKey: 'local-api-key', apiSecret: API_SECRET_CANARY };
  cloud = await startLocalCloud({ provisioningMs: 200, confluentKey });
  azure = await startAzureFunctionsStack({
    confluent: cloud.confluent,
    confluentKey,
    analyticsSecretValue: CANARY,
    onSecretNewVersion: async (delivery) => {
      deliveries.push(delivery);
      if (!autoDeliver) return;
      // The host splits Event Grid's array and invokes the trigger once per event.
      for (const event of delivery) results.push(await functions.onSecretEvent(event, context('onSecretEvent')));
    },
  });
  Object.assign(process.env, cloud.env, azure.env);
  functions = loadAzureFunctions();
  sdk = new SecretClient(VAULT_URL, new DefaultAzureCredential());
});

afterAll(async () => {
  await azure?.close();
  await cloud?.close();
});

function restarts(): number[] {
  return ANALYTICS_CONNECTORS.map((key) => cloud.confluent.control.connector(key).restarts);
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<HttpResponseInit> {
  const request = new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/secret-events',
    body: { string: JSON.stringify(body) },
    headers: { 'content-type': 'application/json', ...headers },
  });
  return (await functions.secretEventsWebhook(request, context('secretEventsWebhook'))) as HttpResponseInit;
}

describe('Azure Functions registration', () => {
  it('registers an Event Grid trigger and an HTTP webhook taking POST and OPTIONS with a function key', () => {
    // Act
    const trigger = registeredFunction('onSecretEvent');
    const webhook = registeredFunction('secretEventsWebhook');

    // Assess
    expect(Object.values(trigger.bindings).map((binding) => binding.type)).toEqual(['eventGridTrigger']);
    const [http] = Object.values(webhook.bindings).filter((binding) => binding.type === 'httpTrigger');
    expect(http).toMatchObject({ methods: ['POST', 'OPTIONS'], authLevel: 'function', route: 'secret-events' });
  });
});

describe('webhook handshakes (real registered handler, real HttpRequest and InvocationContext)', () => {
  it('answers the Event Grid SubscriptionValidationEvent with 200 and its validation code', async () => {
    // Prepare
    const validation = JSON.parse(readFileSync(path.join(SAMPLES, 'subscription-validation.eventgrid.json'), 'utf8'));
    const code = validation[0].data.validationCode;

    // Act
    const response = await post(validation, { 'aeg-event-type': 'SubscriptionValidation' });

    // Assess
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({ validationResponse: code });
  });

  it('grants Event Grid in the CloudEvents OPTIONS handshake', async () => {
    // Prepare
    const request = new HttpRequest({
      method: 'OPTIONS',
      url: 'http://localhost:7071/api/secret-events',
      headers: { 'WebHook-Request-Origin': 'eventgrid.azure.net', 'WebHook-Request-Rate': '120' },
    });

    // Act
    const response = (await functions.secretEventsWebhook(request, context('secretEventsWebhook'))) as HttpResponseInit;

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({
      'WebHook-Allowed-Origin': 'eventgrid.azure.net',
      'WebHook-Allowed-Rate': '*',
      Allow: 'POST, OPTIONS',
    });
  });

  it('refuses an OPTIONS request without an origin, and a malformed body with 400', async () => {
    // Act
    const options = (await functions.secretEventsWebhook(
      new HttpRequest({ method: 'OPTIONS', url: 'http://localhost:7071/api/secret-events' }),
      context('secretEventsWebhook'),
    )) as HttpResponseInit;
    const malformed = await post([{ eventType: 'Microsoft.KeyVault.SecretNewVersionCreated', dataVersion: '1' }]);

    // Assess
    expect(options.status).toBe(400);
    expect(malformed.status).toBe(400);
  });
});

describe('rotation end to end: local Key Vault → Event Grid → onSecretEvent → Confluent', () => {
  it('restarts and verifies every connector that reads the secret after a new version is set', async () => {
    // Prepare
    const before = restarts();
    results.length = 0;

    // Act: the real SecretClient, over HTTPS, with the managed identity.
    const written = await sdk.setSecret(SEEDED_KEY_VAULT_SECRET.name, `${CANARY}-v2`);
    await azure.keyVault.control.settled();

    // Assess
    expect(azure.keyVault.control.deliveryErrors()).toEqual([]);
    expect(restarts()).toEqual(before.map((count) => count + 1));
    for (const key of ANALYTICS_CONNECTORS) {
      const view = cloud.confluent.control.connector(key);
      expect(view.state).toBe('RUNNING');
      expect(Object.values(view.heldVersions)).toContain(written.properties.version);
    }
    expect(results).toEqual([
      [
        expect.objectContaining({
          kind: 'reloaded',
          version: written.properties.version,
          outcomes: expect.arrayContaining(
            ANALYTICS_CONNECTORS.map((connector) => ({ connector, result: 'restarted' })),
          ),
        }),
      ],
    ]);
  });

  it('restarts each connector once when Event Grid delivers the same event three times at once', async () => {
    // Prepare
    autoDeliver = false;
    deliveries.length = 0;
    await sdk.setSecret(SEEDED_KEY_VAULT_SECRET.name, `${CANARY}-v3`);
    await azure.keyVault.control.settled();
    const [event] = deliveries[0] ?? [];
    const before = restarts();

    // Act
    const outcomes = await Promise.all(
      [1, 2, 3].map(() => functions.onSecretEvent(structuredClone(event), context('onSecretEvent'))),
    );

    // Assess
    autoDeliver = true;
    expect(restarts()).toEqual(before.map((count) => count + 1));
    const results = outcomes.flatMap((summaries) => summaries[0]?.outcomes ?? []);
    expect(results.filter((outcome) => outcome.result === 'restarted')).toHaveLength(ANALYTICS_CONNECTORS.length);
    // analytics-audit-sink pins an older version: every copy skips it as pinned-version, not as a duplicate.
    const duplicates = results.filter((outcome) => outcome.result === 'skipped' && outcome.reason !== 'pinned-version');
    expect(duplicates).toHaveLength(ANALYTICS_CONNECTORS.length * 2);
    expect(results.filter((outcome) => outcome.reason === 'pinned-version')).toHaveLength(3);
  });

  it('handles the CloudEvents form through the webhook: the version is already covered, nothing restarts', async () => {
    // Prepare: the last event again, as a CloudEvent.
    const last = deliveries.at(-1)?.[0] as SecretNewVersionCreatedEvent;
    const cloudEvent = {
      specversion: '1.0',
      id: last.id,
      source: last.topic,
      subject: last.subject,
      type: last.eventType,
      time: last.eventTime,
      data: last.data,
    };
    const before = restarts();

    // Act
    const response = await post(cloudEvent, { 'content-type': 'application/cloudevents+json; charset=utf-8' });

    // Assess
    expect(response.status).toBe(200);
    expect(restarts()).toEqual(before);
    expect(JSON.stringify(response.jsonBody)).toContain('already-covered');
  });

  it('never lets a secret value reach logs, handler results or the state table', async () => {
    // Prepare
    const table = TableClient.fromConnectionString(azure.tables.connectionString, LOCAL_STATE_TABLE, {
      allowInsecureConnection: true,
    });
    const entities: unknown[] = [];
    for await (const entity of table.listEntities()) entities.push(entity);

    // Assess
    expect(entities.length).toBeGreaterThanOrEqual(ANALYTICS_CONNECTORS.length);
    expect(logs.length).toBeGreaterThan(0);
    const everything = JSON.stringify({ logs, results, entities });
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(API_SECRET_CANARY);
  });
});
