import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { ROTATION_POISON_QUEUE, ROTATION_QUEUE, rotationQueueOutput } from '#functions/azure/rotation-queue';
import {
  type AzureFunctionsStack,
  deliverToEventGridTrigger,
  invocationContext,
  LOCAL_STATE_TABLE,
  loadAzureFunctions,
  rotationQueueTrigger,
  SEEDED_KEY_VAULT_SECRET,
  startAzureFunctionsStack,
} from '#local/azure-functions-stack';
import { registeredFunction } from '#local/functions-host';
import type { EventGridDelivery, SecretNewVersionCreatedEvent } from '#local/key-vault-emulator/index';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import type { LocalQueueTrigger } from '#local/storage-queue-host';

// The Functions host's worker API, which @azure/functions registers with; the library itself is the real one.
jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
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
let queue: LocalQueueTrigger;
let sdk: SecretClient;
const logs: string[] = [];
/** What the Event Grid trigger answered, then what the queue function returned, in order. */
const answers: unknown[] = [];
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
      for (const event of delivery)
        answers.push((await deliverToEventGridTrigger(functions, event, queue, context('onSecretEvent'))).answer);
    },
  });
  Object.assign(process.env, cloud.env, azure.env);
  functions = loadAzureFunctions();
  queue = rotationQueueTrigger(functions, {
    retryDelayMs: 50,
    logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(' ')}`),
    onRun: (run) => results.push(run.result ?? run.error),
  });
  sdk = new SecretClient(VAULT_URL, new DefaultAzureCredential());
});

afterAll(async () => {
  queue?.close();
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
  it('registers an Event Grid trigger and an HTTP webhook that queue, and the queue function that reloads', () => {
    // Act
    const trigger = registeredFunction('onSecretEvent');
    const webhook = registeredFunction('secretEventsWebhook');
    const reload = registeredFunction('reloadRotatedSecret');
    const types = (fn: typeof trigger) => Object.values(fn.bindings).map((binding) => binding.type);
    const queues = (fn: typeof trigger) =>
      Object.values(fn.bindings)
        .filter((binding) => binding.type.startsWith('queue'))
        .map((binding) => `${binding.type}:${binding.queueName}`);

    // Assess
    expect(types(trigger)).toContain('eventGridTrigger');
    expect(queues(trigger)).toEqual([`queue:${ROTATION_QUEUE}`, `queue:${ROTATION_POISON_QUEUE}`]);
    const [http] = Object.values(webhook.bindings).filter((binding) => binding.type === 'httpTrigger');
    expect(http).toMatchObject({ methods: ['POST', 'OPTIONS'], authLevel: 'function', route: 'secret-events' });
    expect(queues(webhook)).toEqual([`queue:${ROTATION_QUEUE}`]);
    expect(queues(reload)).toEqual([`queueTrigger:${ROTATION_QUEUE}`, `queue:${ROTATION_POISON_QUEUE}`]);
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

describe('rotation end to end: local Key Vault → Event Grid → onSecretEvent → queue → reloadRotatedSecret → Confluent', () => {
  it('answers Event Grid at once, then restarts and verifies every connector that reads the secret', async () => {
    // Prepare
    const before = restarts();
    results.length = 0;
    answers.length = 0;

    // Act: the real SecretClient, over HTTPS, with the managed identity.
    const written = await sdk.setSecret(SEEDED_KEY_VAULT_SECRET.name, `${CANARY}-v2`);
    await azure.keyVault.control.settled();
    await queue.settled();

    // Assess
    expect(azure.keyVault.control.deliveryErrors()).toEqual([]);
    const [attempt, ...again] = azure.keyVault.control.deliveryAttempts();
    expect(again).toEqual([]);
    expect(attempt).toMatchObject({ outcome: 'delivered', answeredInMs: expect.any(Number) });
    expect(attempt?.answeredInMs).toBeLessThan(1_000);
    expect(answers).toEqual([
      [
        {
          kind: 'queued',
          secret: expect.stringContaining(SEEDED_KEY_VAULT_SECRET.name),
          version: written.properties.version,
        },
      ],
    ]);
    expect(restarts()).toEqual(before.map((count) => count + 1));
    for (const key of ANALYTICS_CONNECTORS) {
      const view = cloud.confluent.control.connector(key);
      expect(view.state).toBe('RUNNING');
      expect(Object.values(view.heldVersions)).toContain(written.properties.version);
    }
    expect(results).toEqual([
      {
        handled: expect.objectContaining({
          kind: 'reloaded',
          version: written.properties.version,
          outcomes: expect.arrayContaining(
            ANALYTICS_CONNECTORS.map((connector) => ({ connector, result: 'restarted' })),
          ),
        }),
      },
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
    results.length = 0;

    // Act
    await Promise.all(
      [1, 2, 3].map(() =>
        deliverToEventGridTrigger(functions, structuredClone(event), queue, context('onSecretEvent')),
      ),
    );
    await queue.settled();

    // Assess
    autoDeliver = true;
    expect(restarts()).toEqual(before.map((count) => count + 1));
    const handled = results as { handled: { outcomes: { result: string; reason?: string }[] } }[];
    const outcomes = handled.flatMap((result) => result.handled.outcomes);
    expect(outcomes.filter((outcome) => outcome.result === 'restarted')).toHaveLength(ANALYTICS_CONNECTORS.length);
    // analytics-audit-sink pins an older version: every copy skips it as pinned-version, not as a duplicate.
    const duplicates = outcomes.filter(
      (outcome) => outcome.result === 'skipped' && outcome.reason !== 'pinned-version',
    );
    expect(duplicates).toHaveLength(ANALYTICS_CONNECTORS.length * 2);
    expect(outcomes.filter((outcome) => outcome.reason === 'pinned-version')).toHaveLength(3);
  });

  it('queues the CloudEvents form through the webhook: the version is already covered, nothing restarts', async () => {
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
    results.length = 0;
    const invocation = context('secretEventsWebhook');

    // Act
    const response = (await functions.secretEventsWebhook(
      new HttpRequest({
        method: 'POST',
        url: 'http://localhost:7071/api/secret-events',
        body: { string: JSON.stringify(cloudEvent) },
        headers: { 'content-type': 'application/cloudevents+json; charset=utf-8' },
      }),
      invocation,
    )) as HttpResponseInit;
    queue.enqueue(invocation.extraOutputs.get(rotationQueueOutput));
    await queue.settled();

    // Assess
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({ results: [expect.objectContaining({ kind: 'queued' })] });
    expect(restarts()).toEqual(before);
    expect(JSON.stringify(results)).toContain('already-covered');
  });

  it('dead-letters a malformed event at once, with its cause, instead of letting Event Grid retry it', async () => {
    // Prepare
    const malformed = { ...(deliveries.at(-1)?.[0] as SecretNewVersionCreatedEvent), data: { Version: '!' } };

    // Act
    const delivered = await deliverToEventGridTrigger(functions, malformed, queue, context('onSecretEvent'));

    // Assess
    expect(delivered.answer).toEqual([
      { kind: 'dead-lettered', reason: expect.stringContaining('MalformedPayloadError') },
    ]);
    expect(delivered.deadLetter).toMatchObject({
      message: malformed,
      cause: expect.stringContaining('names no secret'),
    });
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
    const everything = JSON.stringify({ logs, results, answers, entities, poison: queue.poisoned() });
    expect(everything).not.toContain(CANARY);
    expect(everything).not.toContain(API_SECRET_CANARY);
  });
});
