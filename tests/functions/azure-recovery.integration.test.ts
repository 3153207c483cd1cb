import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { HttpRequest, type HttpResponseInit, InvocationContext } from '@azure/functions';
import { failureQueueOutput, poisonQueueOutput } from '#functions/azure/failure-queue';
import { rotationQueueOutput } from '#functions/azure/rotation-queue';
import {
  type AzureFunctions,
  type AzureFunctionsStack,
  LOCAL_STATE_TABLE,
  loadAzureFunctions,
  startAzureFunctionsStack,
} from '#local/azure-functions-stack';
import { registeredFunction } from '#local/functions-host';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { AzureTableStateStore } from '#state/azure-table-state-store';
import { type AlertReceiver, startAlertReceiver } from '#test-helpers/alert-receiver';

// The Functions host's worker API, which @azure/functions registers with; the library itself is the real one.
jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
  virtual: true,
});

/** Values that must never leave the vault: the webhook token, the alert URL and the app's Confluent API secret. */
const TOKEN_CANARY = 'canary-Tk7!failure-webhook-9c2e4a1b';
const ALERT_PATH_CANARY = 'canary-alert-hook-path-3f8d6b0e';
const API_SECRET_CANARY = 'canary-Az9!api-secret-7a1c5e3d';
const CONFLUENT_SAMPLES = path.join(__dirname, '../../events/confluent');
const AZURE_SAMPLES = path.join(__dirname, '../../events/azure');
const BLOB_SINK = 'env-prod01/lkc-azan01/analytics-blob-sink';
const SQL_SINK = 'env-prod01/lkc-azan01/analytics-sql-sink';
const PAUSED = 'env-prod01/lkc-orders1/orders-archive-s3';
const ALWAYS_FAILING = 'env-prod01/lkc-pay01/payments-http-sink';

let cloud: LocalCloud;
let azure: AzureFunctionsStack;
let functions: AzureFunctions;
let alertReceiver: AlertReceiver;
const logs: string[] = [];
const results: unknown[] = [];

function context(functionName: string, triggerMetadata: Record<string, unknown> = {}): InvocationContext {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    triggerMetadata,
    logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(' ')}`),
  });
}

function sample(name: string): string {
  return readFileSync(path.join(CONFLUENT_SAMPLES, name), 'utf8');
}

/** POSTs to the registered webhook as the host would; returns the response and what went to the queue output. */
async function postFailure(body: string, urlPath = `connector-failures/${TOKEN_CANARY}`) {
  const invocation = context('connectorFailureWebhook');
  const response = (await functions.connectorFailureWebhook(
    new HttpRequest({
      method: 'POST',
      url: `http://localhost:7071/api/${urlPath}`,
      body: { string: body },
      headers: { 'content-type': 'application/json' },
    }),
    invocation,
  )) as HttpResponseInit;
  results.push(response);
  return { response, queued: invocation.extraOutputs.get(failureQueueOutput) as unknown[] | undefined };
}

/** Runs the queue trigger on a message as the host would, on delivery `dequeueCount`. */
async function deliver(message: unknown, dequeueCount = 1) {
  const invocation = context('recoverReportedFailures', { dequeueCount, id: randomUUID() });
  const result = await functions.recoverReportedFailures(structuredClone(message), invocation);
  results.push(result);
  return { result, poisoned: invocation.extraOutputs.get(poisonQueueOutput) };
}

async function sweep() {
  const timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: {} };
  const result = await functions.sweepFailedConnectors(timer, context('sweepFailedConnectors'));
  results.push(result);
  return result as { outcomes: { connector: string; result: string; reason?: string }[] };
}

beforeAll(async () => {
  alertReceiver = await startAlertReceiver();
  const alertUrl = alertReceiver.url(`/hooks/${ALERT_PATH_CANARY}`);

  const confluentKey = { apiKey: 'local-api-key', apiSecret: API_SECRET_CANARY };
  cloud = await startLocalCloud({ provisioningMs: 200, confluentKey });
  azure = await startAzureFunctionsStack({ confluent: cloud.confluent, confluentKey, webhookToken: TOKEN_CANARY });
  azure.keyVault.control.seed('contoso-reloader', 'alert-webhook-url', { value: alertUrl });
  Object.assign(process.env, cloud.env, azure.env, {
    LOCAL_AZURE_ALERT_WEBHOOK_SECRET: 'https://contoso-reloader.vault.azure.net/secrets/alert-webhook-url',
    CONFLUENT_MAX_RETRIES: '1',
    VERIFY_TIMEOUT_SECONDS: '5',
  });
  functions = loadAzureFunctions();
});

afterAll(async () => {
  await azure?.close();
  await cloud?.close();
  await alertReceiver?.close();
});

beforeEach(() => {
  alertReceiver.alerts.length = 0;
});

describe('registration (as the host sees it)', () => {
  it('registers an anonymous POST webhook with a queue output, the queue trigger and a 5-minute timer', () => {
    // Act
    const webhook = Object.values(registeredFunction('connectorFailureWebhook').bindings);
    const queue = Object.values(registeredFunction('recoverReportedFailures').bindings);
    const timer = Object.values(registeredFunction('sweepFailedConnectors').bindings);

    // Assess
    expect(webhook).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'httpTrigger',
          authLevel: 'anonymous',
          methods: ['POST'],
          route: 'connector-failures/{token?}',
        }),
        expect.objectContaining({ type: 'queue', direction: 'out', queueName: 'connector-failures' }),
      ]),
    );
    expect(queue).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'queueTrigger',
          queueName: 'connector-failures',
          connection: 'AzureWebJobsStorage',
        }),
        expect.objectContaining({ type: 'queue', direction: 'out', queueName: 'connector-failures-poison' }),
      ]),
    );
    expect(timer).toEqual([expect.objectContaining({ type: 'timerTrigger', schedule: '0 */5 * * * *' })]);
  });
});

describe('failure webhook (real registered handler, real HttpRequest and InvocationContext)', () => {
  it('answers 401 without detail to a wrong, missing or misplaced token, and queues nothing', async () => {
    // Act
    const wrong = await postFailure(sample('connector-failed-fields.json'), 'connector-failures/not-the-token');
    const missing = await postFailure(sample('connector-failed-fields.json'), 'connector-failures');
    const inBodyOnly = await postFailure(JSON.stringify({ token: TOKEN_CANARY }), 'connector-failures');

    // Assess
    for (const { response, queued } of [wrong, missing, inBodyOnly]) {
      expect(response).toEqual({ status: 401, jsonBody: { message: 'unauthorized' } });
      expect(queued).toBeUndefined();
    }
  });

  it('answers 400 to a body that is not JSON and 413 to one over 256 KB', async () => {
    // Act
    const notJson = await postFailure('connector failed, but not JSON');
    const huge = await postFailure(JSON.stringify({ message: 'x'.repeat(256 * 1024) }));

    // Assess
    expect(notJson.response.status).toBe(400);
    expect(huge.response.status).toBe(413);
    expect(notJson.queued).toBeUndefined();
    expect(huge.queued).toBeUndefined();
  });

  it('accepts a failure with 202 and queues it as one message, the token also taken from ?token=', async () => {
    // Act
    const { response, queued } = await postFailure(
      sample('connector-failed-fields.json'),
      `connector-failures?token=${encodeURIComponent(TOKEN_CANARY)}`,
    );

    // Assess
    expect(response).toEqual({ status: 202, jsonBody: { message: 'accepted' } });
    expect(queued).toEqual([
      expect.objectContaining({
        kind: 'connector-failed',
        connector: { environmentId: 'env-prod01', clusterId: 'lkc-pay01', name: 'payments-http-sink' },
        connectorId: 'lcc-pay01',
        reportedAt: expect.any(String),
      }),
    ]);
  });

  it("accepts Confluent's test notification with 202 and queues nothing", async () => {
    // Act
    const { response, queued } = await postFailure(sample('test-notification.json'));

    // Assess
    expect(response.status).toBe(202);
    expect(queued).toBeUndefined();
  });
});

describe('recovery through the queue function and the timer sweep (Confluent emulator, Azurite state)', () => {
  it('restarts a FAILED connector reported by id only, verifies it RUNNING and records the streak', async () => {
    // Prepare
    cloud.confluent.control.failConnector(BLOB_SINK, 'Login failed for storage account');
    const before = cloud.confluent.control.connector(BLOB_SINK).restarts;
    const { queued } = await postFailure(sample('connector-failed-id-only.json'));

    // Act
    const { result, poisoned } = await deliver(queued?.[0]);

    // Assess
    expect(poisoned).toBeUndefined();
    expect(result).toEqual({
      recovered: expect.objectContaining({
        trigger: 'webhook',
        outcomes: [expect.objectContaining({ connector: BLOB_SINK, result: 'restarted', attempt: 1 })],
      }),
    });
    const view = cloud.confluent.control.connector(BLOB_SINK);
    expect(view.state).toBe('RUNNING');
    expect(view.restarts).toBe(before + 1);
    const table = TableClient.fromConnectionString(azure.tables.connectionString, LOCAL_STATE_TABLE, {
      allowInsecureConnection: true,
    });
    const stored = await new AzureTableStateStore(table).read(BLOB_SINK);
    expect(stored?.record.failureRestarts).toMatchObject({ count: 1, healthySince: expect.any(Number) });
    expect(stored?.record.lock).toBeUndefined();
  });

  it('sweeps: restarts a connector whose task is FAILED and never touches the PAUSED one', async () => {
    // Prepare
    cloud.confluent.control.failConnector(SQL_SINK, 'task 1: SQLServerException: Login failed', { taskOnly: true });
    const paused = cloud.confluent.control.connector(PAUSED);
    const sqlBefore = cloud.confluent.control.connector(SQL_SINK).restarts;
    const failingBefore = cloud.confluent.control
      .connectors()
      .filter((view) => view.state === 'FAILED' || view.tasks.some((task) => task.state === 'FAILED'))
      .map((view) => view.key);

    // Act
    const summary = await sweep();

    // Assess
    expect(summary.outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ connector: SQL_SINK, result: 'restarted' }),
        expect.objectContaining({ connector: PAUSED, result: 'skipped', reason: 'paused' }),
      ]),
    );
    // Only connectors that were failing are restarted (the seeded estate has another FAILED one).
    const restarted = summary.outcomes.filter((outcome) => outcome.result === 'restarted').map((o) => o.connector);
    expect(restarted.sort()).toEqual([...failingBefore].sort());
    const sql = cloud.confluent.control.connector(SQL_SINK);
    expect(sql.restarts).toBe(sqlBefore + 1);
    expect(sql.tasks.every((task) => task.state === 'RUNNING')).toBe(true);
    const pausedAfter = cloud.confluent.control.connector(PAUSED);
    expect(pausedAfter).toMatchObject({
      state: 'PAUSED',
      restarts: paused.restarts,
      pauses: paused.pauses,
      resumes: paused.resumes,
    });
  });

  it('alerts the Key Vault-held webhook when a restart does not bring the connector back', async () => {
    // Prepare
    cloud.confluent.control.setAlwaysFails(ALWAYS_FAILING, true);
    cloud.confluent.control.failConnector(ALWAYS_FAILING, 'HTTP 401 from https://payments.example');
    const { queued } = await postFailure(sample('connector-failed-fields.json'));

    // Act
    const { result } = await deliver(queued?.[0]);

    // Assess
    cloud.confluent.control.setAlwaysFails(ALWAYS_FAILING, false);
    expect(result).toEqual({
      recovered: expect.objectContaining({
        outcomes: [expect.objectContaining({ connector: ALWAYS_FAILING, result: 'failed', attempt: 1 })],
      }),
    });
    expect(alertReceiver.alerts).toHaveLength(1);
    expect(alertReceiver.alerts[0]?.path).toBe(`/hooks/${ALERT_PATH_CANARY}`);
    expect(alertReceiver.alerts[0]?.body).toMatchObject({
      severity: 'critical',
      title: expect.stringContaining('1 still failing'),
    });
    expect(alertReceiver.alerts[0]?.body.lines.join('\n')).toContain(ALWAYS_FAILING);
  });

  it('then holds the connector in backoff: a second report restarts nothing', async () => {
    // Prepare
    const before = cloud.confluent.control.connector(ALWAYS_FAILING).restarts;
    const { queued } = await postFailure(sample('connector-failed-fields.json'));

    // Act
    const { result } = await deliver(queued?.[0]);

    // Assess
    expect(result).toEqual({
      recovered: expect.objectContaining({
        outcomes: [expect.objectContaining({ connector: ALWAYS_FAILING, result: 'skipped', reason: 'backoff' })],
      }),
    });
    expect(cloud.confluent.control.connector(ALWAYS_FAILING).restarts).toBe(before);
  });
});

describe('dead-lettering', () => {
  it('dead-letters a malformed message at once, with its cause', async () => {
    // Act
    const { result, poisoned } = await deliver({ kind: 'connector-failed', connector: 'lkc-x' });

    // Assess
    expect(result).toEqual({ deadLettered: expect.stringContaining('MalformedFailureMessageError') });
    expect(poisoned).toMatchObject({
      message: { kind: 'connector-failed', connector: 'lkc-x' },
      cause: expect.stringContaining('connector'),
      dequeueCount: 1,
    });
  });

  it('lets the queue retry while Confluent fails, then dead-letters on the last attempt with the cause', async () => {
    // Prepare
    const { queued } = await postFailure(sample('connector-failed-crn.json'));
    cloud.confluent.control.setFaults({ errorRate: 1 });

    // Act
    const retried = deliver(queued?.[0], 1);
    await expect(retried).rejects.toThrow();
    const last = await deliver(queued?.[0], 5);

    // Assess
    cloud.confluent.control.clearFaults();
    expect(last.poisoned).toMatchObject({ message: queued?.[0], dequeueCount: 5, cause: expect.any(String) });
    expect((last.poisoned as { cause: string }).cause).toMatch(/500|Confluent/i);
  });
});

describe('secret expiry through the Event Grid trigger and the rotation queue', () => {
  it('sends the near-expiry warning to the alert webhook', async () => {
    // Prepare
    const [event] = JSON.parse(readFileSync(path.join(AZURE_SAMPLES, 'secret-near-expiry.eventgrid.json'), 'utf8'));
    const trigger = context('onSecretEvent');

    // Act
    const answer = await functions.onSecretEvent(event, trigger);
    const [message] = trigger.extraOutputs.get(rotationQueueOutput) as unknown[];
    const reloaded = await functions.reloadRotatedSecret(message, context('reloadRotatedSecret', { dequeueCount: 1 }));

    // Assess
    expect(answer).toEqual([expect.objectContaining({ kind: 'queued' })]);
    expect(reloaded).toEqual({ handled: expect.objectContaining({ kind: 'warned' }) });
    expect(alertReceiver.alerts).toHaveLength(1);
    expect(alertReceiver.alerts[0]?.body).toMatchObject({
      severity: 'warning',
      title: expect.stringContaining('analytics-db-password is about to expire'),
    });
  });
});

describe('canaries', () => {
  it('never lets the token, the alert URL or the API secret reach logs, responses, queue messages or state', async () => {
    // Prepare
    const table = TableClient.fromConnectionString(azure.tables.connectionString, LOCAL_STATE_TABLE, {
      allowInsecureConnection: true,
    });
    const entities: unknown[] = [];
    for await (const entity of table.listEntities()) entities.push(entity);

    // Assess
    expect(logs.length).toBeGreaterThan(0);
    const everything = JSON.stringify({ logs, results, entities });
    for (const canary of [TOKEN_CANARY, ALERT_PATH_CANARY, API_SECRET_CANARY]) expect(everything).not.toContain(canary);
  });
});
