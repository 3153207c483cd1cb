import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { MAX_RECEIVE_COUNT } from '#functions/aws/failure-queue';
import { type AwsLambdaStack, LOCAL_QUEUES, LOCAL_TABLES, startAwsLambdaStack } from '#local/aws-lambda-stack';
import { type LambdaHandler, lambdaContext, loadRecoveryHandlers } from '#local/lambda-invoker';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { DynamoDbStateStore } from '#state/dynamodb-state-store';
import { type AlertReceiver, startAlertReceiver } from '#test-helpers/alert-receiver';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';

/**
 * The three failed-connector Lambdas through their real entry points, in process with Lambda-like events and
 * contexts: the webhook (API Gateway v2 events) queues to a local SQS through the real SQS client, the queue
 * function gets what Lambda's poller would hand it (partial batch responses, dead-lettering through the real
 * client), and the schedule sweeps. Confluent is the emulator, state is on dynalite, secrets (webhook token, alert
 * URL, Confluent key) in the local Secrets Manager, outcome events on the local EventBridge.
 */
const TOKEN_CANARY = 'canary-Tk7!aws-failure-webhook-4d1e8b2c';
const ALERT_PATH_CANARY = 'canary-aws-alert-hook-path-6e2a9c1f';
const API_SECRET_CANARY = 'canary-Aw9!api-secret-2b8d4f6a';
const CANARIES = [TOKEN_CANARY, ALERT_PATH_CANARY, API_SECRET_CANARY];
const CONFLUENT_SAMPLES = path.join(__dirname, '../../events/confluent');
const AWS_SAMPLES = path.join(__dirname, '../../events/aws');
const BLOB_SINK = 'env-prod01/lkc-azan01/analytics-blob-sink';
const SQL_SINK = 'env-prod01/lkc-azan01/analytics-sql-sink';
const PAUSED = 'env-prod01/lkc-orders1/orders-archive-s3';
const ALWAYS_FAILING = 'env-prod01/lkc-pay01/payments-http-sink';
const MAX_BODY = 256 * 1024;

let cloud: LocalCloud;
let stack: AwsLambdaStack;
let handlers: ReturnType<typeof loadRecoveryHandlers>;
let sqs: SQSClient;
let dynamo: DynamoDBClient;
let alertReceiver: AlertReceiver;
let output: ReturnType<typeof captureProcessOutput>;
const results: unknown[] = [];

const sample = (name: string) => readFileSync(path.join(CONFLUENT_SAMPLES, name), 'utf8');
const queued = () => stack.sqs.control.messages(LOCAL_QUEUES.failures);
const deadLettered = () => stack.sqs.control.messages(LOCAL_QUEUES.deadLetter);

async function invoke<R>(handler: LambdaHandler, event: unknown): Promise<R> {
  const result = (await handler(event, lambdaContext())) as R;
  results.push(result);
  return result;
}

/** An HTTP API (payload 2.0) request as API Gateway hands it to the function. */
function webhookEvent(
  body: string,
  { rawPath = `/connector-failures/${TOKEN_CANARY}`, rawQueryString = '', base64 = false } = {},
): APIGatewayProxyEventV2 {
  const template = JSON.parse(readFileSync(path.join(AWS_SAMPLES, 'connector-failure-webhook.json'), 'utf8'));
  return {
    ...template,
    rawPath,
    rawQueryString,
    requestContext: { ...template.requestContext, requestId: `req-${results.length}` },
    body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: base64,
  };
}

async function postFailure(body: string, options: Parameters<typeof webhookEvent>[1] = {}) {
  return invoke<APIGatewayProxyStructuredResultV2>(handlers.connectorFailureWebhook, webhookEvent(body, options));
}

/** What Lambda's SQS poller does: receive a batch, invoke, delete what the function did not report as failed. */
async function pollFailureQueue(adjust: (event: SQSEvent) => SQSEvent = (event) => event) {
  const event = adjust(stack.sqs.control.receiveEvent(LOCAL_QUEUES.failures));
  const response = await invoke<SQSBatchResponse>(handlers.recoverReportedFailures, event);
  const retried = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  stack.sqs.control.deleteReceived(
    LOCAL_QUEUES.failures,
    event.Records.filter((record) => !retried.has(record.messageId)).map((record) => record.receiptHandle),
  );
  return { event, response };
}

beforeAll(async () => {
  alertReceiver = await startAlertReceiver();
  const alertUrl = alertReceiver.url(`/hooks/${ALERT_PATH_CANARY}`);

  output = captureProcessOutput();
  cloud = await startLocalCloud({
    provisioningMs: 200,
    confluentKey: { apiKey: 'CANARYKEY', apiSecret: API_SECRET_CANARY },
  });
  stack = await startAwsLambdaStack({ secretsManager: cloud.secretsManager, webhookToken: TOKEN_CANARY });
  const alertSecret = cloud.secretsManager.control.seed('connector-reloader/alert-url', alertUrl);
  Object.assign(process.env, cloud.env, stack.env, {
    ALERT_WEBHOOK_SECRET: alertSecret,
    CONFLUENT_MAX_RETRIES: '1',
    VERIFY_TIMEOUT_SECONDS: '5',
    LOG_LEVEL: 'debug',
  });
  handlers = loadRecoveryHandlers();
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  sqs = new SQSClient({ ...local, endpoint: stack.sqs.url });
  dynamo = new DynamoDBClient({ ...local, endpoint: stack.dynamo.endpoint });
});

afterAll(async () => {
  output?.restore();
  sqs?.destroy();
  dynamo?.destroy();
  await stack?.close();
  await cloud?.close();
  await alertReceiver?.close();
});

beforeEach(() => {
  alertReceiver.alerts.length = 0;
});

describe('connectorFailureWebhook (API Gateway v2 events, the real SQS client)', () => {
  it('answers 401 without detail to a wrong, missing or misplaced token, and queues nothing', async () => {
    // Act
    const answers = [
      await postFailure(sample('connector-failed-fields.json'), { rawPath: '/connector-failures/not-the-token' }),
      await postFailure(sample('connector-failed-fields.json'), { rawPath: '/connector-failures' }),
      await postFailure(JSON.stringify({ token: TOKEN_CANARY }), { rawPath: '/connector-failures' }),
    ];

    // Assess
    for (const answer of answers) {
      expect(answer).toEqual({
        statusCode: 401,
        headers: { 'content-type': 'application/json' },
        body: '{"message":"unauthorized"}',
      });
    }
    expect(queued()).toEqual([]);
  });

  it('answers 400 to a body that is not JSON, and 413 over 256 KB (plain or base64, below API Gateway 10 MB)', async () => {
    // Act
    const notJson = await postFailure('connector failed, but not JSON');
    const empty = await invoke<APIGatewayProxyStructuredResultV2>(handlers.connectorFailureWebhook, {
      ...webhookEvent(''),
      body: undefined,
    });
    const huge = await postFailure(JSON.stringify({ message: 'x'.repeat(MAX_BODY) }));
    const hugeEncoded = await postFailure(JSON.stringify({ message: 'y'.repeat(MAX_BODY) }), { base64: true });
    const fourMegabytes = await postFailure(JSON.stringify({ message: 'z'.repeat(4 * 1024 * 1024) }));

    // Assess
    expect([notJson, empty].map((answer) => answer.statusCode)).toEqual([400, 400]);
    expect([huge, hugeEncoded, fourMegabytes].map((answer) => answer.statusCode)).toEqual([413, 413, 413]);
    expect(queued()).toEqual([]);
  });

  it('accepts a failure with 202 and queues one message with its request id, token from ?token=, body base64', async () => {
    // Act
    const answer = await postFailure(sample('connector-failed-fields.json'), {
      rawPath: '/connector-failures',
      rawQueryString: `token=${encodeURIComponent(TOKEN_CANARY)}`,
      base64: true,
    });

    // Assess
    expect(answer.statusCode).toBe(202);
    expect(JSON.parse(String(answer.body))).toEqual({ message: 'accepted' });
    const [message, ...others] = queued();
    expect(others).toEqual([]);
    expect(JSON.parse(message?.body ?? '')).toEqual(
      expect.objectContaining({
        kind: 'connector-failed',
        connector: { environmentId: 'env-prod01', clusterId: 'lkc-pay01', name: 'payments-http-sink' },
        connectorId: 'lcc-pay01',
        reportedAt: expect.any(String),
      }),
    );
    expect(message?.attributes).toEqual({
      requestId: { DataType: 'String', StringValue: expect.stringMatching(/^req-/) },
      connector: { DataType: 'String', StringValue: ALWAYS_FAILING },
    });
    stack.sqs.control.reset();
  });

  it("accepts Confluent's test notification with 202 and queues nothing", async () => {
    // Act
    const answer = await postFailure(sample('test-notification.json'));

    // Assess
    expect(answer.statusCode).toBe(202);
    expect(queued()).toEqual([]);
  });

  it('answers 503, not 202, when SQS refuses the failure, and says nothing about why', async () => {
    // Prepare
    stack.sqs.control.failNextSends(2);

    // Act
    const answer = await postFailure(sample('connector-failed-crn.json'));

    // Assess
    expect(answer).toMatchObject({ statusCode: 503, body: '{"message":"not accepted, try again"}' });
    expect(queued()).toEqual([]);
    expect(output.lines()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'failure webhook: could not queue the reported failure',
        cause: expect.stringContaining('InternalError'),
      }),
    );
  });
});

describe('recoverReportedFailures (SQS batches, partial batch responses) and the schedule', () => {
  it('restarts a FAILED connector reported by id only, verifies it RUNNING, records the streak, publishes', async () => {
    // Prepare
    cloud.confluent.control.failConnector(BLOB_SINK, 'Login failed for storage account');
    const before = cloud.confluent.control.connector(BLOB_SINK).restarts;
    await postFailure(sample('connector-failed-id-only.json'));

    // Act
    const { event, response } = await pollFailureQueue();

    // Assess
    expect(event.Records).toHaveLength(1);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(queued()).toEqual([]);
    const view = cloud.confluent.control.connector(BLOB_SINK);
    expect(view.state).toBe('RUNNING');
    expect(view.restarts).toBe(before + 1);
    const stored = await new DynamoDbStateStore({ client: dynamo, tableName: LOCAL_TABLES.state }).read(BLOB_SINK);
    expect(stored?.record.failureRestarts).toMatchObject({ count: 1, healthySince: expect.any(Number) });
    expect(stored?.record.lock).toBeUndefined();
    const emf = output.lines().filter((line) => '_aws' in line);
    expect(emf.some((line) => line.RecoveryRestartsIssued === 1 && line.RecoveryRestartsSucceeded === 1)).toBe(true);
    expect(stack.eventBridge.control.events()).toContainEqual(
      expect.objectContaining({
        source: 'connector-reloader',
        detailType: 'Connector Recovery Succeeded',
        detail: expect.objectContaining({ connector: BLOB_SINK, result: 'restarted', attempt: 1, trigger: 'webhook' }),
      }),
    );
  });

  it('sweeps on the schedule: restarts a connector whose task is FAILED and never touches the PAUSED one', async () => {
    // Prepare
    cloud.confluent.control.failConnector(SQL_SINK, 'task 1: SQLServerException: Login failed', { taskOnly: true });
    const paused = cloud.confluent.control.connector(PAUSED);
    const sqlBefore = cloud.confluent.control.connector(SQL_SINK).restarts;
    const failingBefore = cloud.confluent.control
      .connectors()
      .filter((view) => view.state === 'FAILED' || view.tasks.some((task) => task.state === 'FAILED'))
      .map((view) => view.key);
    stack.eventBridge.control.reset();
    const scheduled = JSON.parse(readFileSync(path.join(AWS_SAMPLES, 'sweep-schedule.json'), 'utf8'));

    // Act
    const summary = await invoke<{
      trigger: string;
      outcomes: { connector: string; result: string; reason?: string }[];
    }>(handlers.sweepFailedConnectors, scheduled);

    // Assess
    expect(summary.trigger).toBe('sweep');
    expect(summary.outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ connector: SQL_SINK, result: 'restarted' }),
        expect.objectContaining({ connector: PAUSED, result: 'skipped', reason: 'paused' }),
      ]),
    );
    const restarted = summary.outcomes.filter((outcome) => outcome.result === 'restarted').map((o) => o.connector);
    expect(restarted.sort()).toEqual([...failingBefore].sort());
    const sql = cloud.confluent.control.connector(SQL_SINK);
    expect(sql.restarts).toBe(sqlBefore + 1);
    expect(sql.tasks.every((task) => task.state === 'RUNNING')).toBe(true);
    expect(cloud.confluent.control.connector(PAUSED)).toMatchObject({
      state: 'PAUSED',
      restarts: paused.restarts,
      pauses: paused.pauses,
      resumes: paused.resumes,
    });
    const events = stack.eventBridge.control.events();
    expect(events.map((e) => `${e.detailType}: ${e.detail.connector}`)).toContain(
      `Connector Recovery Succeeded: ${SQL_SINK}`,
    );
    // A PAUSED connector met by every sweep is not republished every 5 minutes.
    expect(events.some((e) => e.detail.connector === PAUSED)).toBe(false);
  });

  it('alerts the Secrets Manager-held webhook and publishes Failed when a restart does not bring it back', async () => {
    // Prepare
    cloud.confluent.control.setAlwaysFails(ALWAYS_FAILING, true);
    cloud.confluent.control.failConnector(ALWAYS_FAILING, 'HTTP 401 from https://payments.example');
    await postFailure(sample('connector-failed-fields.json'));

    // Act
    const { response } = await pollFailureQueue();

    // Assess
    cloud.confluent.control.setAlwaysFails(ALWAYS_FAILING, false);
    expect(response).toEqual({ batchItemFailures: [] });
    expect(alertReceiver.alerts).toHaveLength(1);
    expect(alertReceiver.alerts[0]?.path).toBe(`/hooks/${ALERT_PATH_CANARY}`);
    expect(alertReceiver.alerts[0]?.body).toMatchObject({
      severity: 'critical',
      title: expect.stringContaining('1 still failing'),
    });
    expect(stack.eventBridge.control.events()).toContainEqual(
      expect.objectContaining({
        detailType: 'Connector Recovery Failed',
        detail: expect.objectContaining({ connector: ALWAYS_FAILING, result: 'failed', attempt: 1 }),
      }),
    );
  });

  it('reports only the failed items of a batch during a Confluent outage, dead-letters a malformed one at once', async () => {
    // Prepare
    await postFailure(sample('connector-failed-crn.json'));
    await postFailure(sample('connector-failed-fields.json'));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.env.FAILURE_QUEUE_URL,
        MessageBody: JSON.stringify({ kind: 'connector-failed', connector: 'lkc-x' }),
        MessageAttributes: { requestId: { DataType: 'String', StringValue: 'req-malformed' } },
      }),
    );
    cloud.confluent.control.setFaults({ errorRate: 1 });

    // Act
    const { event, response } = await pollFailureQueue();

    // Assess
    cloud.confluent.control.clearFaults();
    const [crn, fields, malformed] = event.Records;
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      [crn?.messageId, fields?.messageId].sort(),
    );
    expect(
      queued()
        .map((message) => message.messageId)
        .sort(),
    ).toEqual([crn?.messageId, fields?.messageId].sort());
    const [letter] = deadLettered();
    expect(letter?.body).toBe(malformed?.body);
    expect(letter?.attributes).toMatchObject({
      requestId: { DataType: 'String', StringValue: 'req-malformed' },
      cause: { DataType: 'String', StringValue: expect.stringContaining('MalformedFailureMessageError') },
      receiveCount: { DataType: 'Number', StringValue: '1' },
      sourceMessageId: { DataType: 'String', StringValue: malformed?.messageId },
    });
    expect(output.lines()).toContainEqual(
      expect.objectContaining({ message: 'reported failure not handled, the queue retries it', receiveCount: 1 }),
    );
  });

  it(`dead-letters with the cause on receive ${MAX_RECEIVE_COUNT} while Confluent is still down`, async () => {
    // Prepare: the two failures of the previous test, as SQS delivers them the last time.
    stack.sqs.control.reset();
    await postFailure(sample('connector-failed-crn.json'));
    cloud.confluent.control.setFaults({ errorRate: 1 });

    // Act
    const { response } = await pollFailureQueue((event) => ({
      Records: event.Records.map((record) => ({
        ...record,
        attributes: { ...record.attributes, ApproximateReceiveCount: String(MAX_RECEIVE_COUNT) },
      })),
    }));

    // Assess
    cloud.confluent.control.clearFaults();
    expect(response).toEqual({ batchItemFailures: [] });
    expect(queued()).toEqual([]);
    const [letter] = deadLettered();
    expect(JSON.parse(letter?.body ?? '')).toMatchObject({ connector: { name: 'orders-cdc' } });
    expect(letter?.attributes.cause?.StringValue).toMatch(/500|Confluent/i);
    expect(letter?.attributes.receiveCount?.StringValue).toBe(String(MAX_RECEIVE_COUNT));
    expect(output.lines()).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'reported failure dead-lettered', cause: expect.any(String) }),
    );
  });
  it('answers a batch that fails whole with every item to retry, not with a function error', async () => {
    // Prepare
    stack.sqs.control.reset();
    await postFailure(sample('connector-failed-crn.json'));
    await postFailure(sample('connector-failed-fields.json'));
    cloud.confluent.control.setFaults({ errorRate: 1 });

    // Act
    const { event, response } = await pollFailureQueue();

    // Assess
    cloud.confluent.control.clearFaults();
    const ids = event.Records.map((record) => record.messageId).sort();
    expect(ids).toHaveLength(2);
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(ids);
    expect(
      queued()
        .map((message) => message.messageId)
        .sort(),
    ).toEqual(ids);
    expect(deadLettered()).toEqual([]);
  });

  it('leaves a message on its last receive to the redrive policy, logged with its cause, when the dead-letter send fails', async () => {
    // Prepare
    stack.sqs.control.reset();
    await postFailure(sample('connector-failed-crn.json'));
    cloud.confluent.control.setFaults({ errorRate: 1 });
    stack.sqs.control.failNextSends(10); // more than the SDK retries

    // Act
    const { event, response } = await pollFailureQueue((received) => ({
      Records: received.Records.map((record) => ({
        ...record,
        attributes: { ...record.attributes, ApproximateReceiveCount: String(MAX_RECEIVE_COUNT) },
      })),
    }));

    // Assess
    cloud.confluent.control.clearFaults();
    stack.sqs.control.failNextSends(0);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[0]?.messageId }]);
    expect(deadLettered()).toEqual([]);
    expect(queued().map((message) => message.messageId)).toEqual([event.Records[0]?.messageId]);
    expect(output.lines()).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'reported failure not dead-lettered, left to the redrive policy',
        cause: expect.stringMatching(/500|Confluent/i),
        receiveCount: MAX_RECEIVE_COUNT,
      }),
    );
  });
});

describe('canaries', () => {
  it('never lets the token, the alert URL or the API secret reach logs, responses, queues, events or state', async () => {
    // Prepare
    const state = await dynamo.send(new ScanCommand({ TableName: LOCAL_TABLES.state }));

    // Assess
    expect(output.lines().length).toBeGreaterThan(0);
    const everything = JSON.stringify({
      logs: output.text(),
      results,
      sqs: stack.sqs.control.rawRequests(),
      events: stack.eventBridge.control.rawRequests(),
      state: state.Items,
    });
    for (const canary of CANARIES) expect(everything).not.toContain(canary);
  });
});
