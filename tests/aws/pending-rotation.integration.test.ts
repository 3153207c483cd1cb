import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ConnectorLeases } from '#core/connector-lease';
import { ATTEMPT_ATTRIBUTE, MAX_DELAY_SECONDS, MAX_PENDING_ATTEMPTS } from '#functions/aws/rotation-retry-queue';
import { LOCAL_QUEUES, LOCAL_TABLES } from '#local/aws-lambda-stack';
import { type LambdaHandler, lambdaContext, loadRotationRetryHandler } from '#local/lambda-invoker';
import type { SecretLabelUpdatedEvent } from '#local/secrets-manager-emulator/index';
import { SEED_SECRETS } from '#local/seed-estate';
import { DynamoDbStateStore } from '#state/dynamodb-state-store';
import { type AwsLambdaHarness, captureProcessOutput, startAwsLambdaHarness } from '#test-helpers/aws-lambda-harness';

/**
 * A rotation that meets a connector locked by another operation, on the real AWS path: the rotation handler puts it
 * on the rotation retry queue (the local SQS, delayed until the lock expires) instead of completing it, Powertools
 * leaves its idempotency record uncompleted, and retryPendingRotations tries again: still locked, it queues the
 * next try; free, it restarts; after the last try it dead-letters with the cause. The lock is a real one in the
 * DynamoDB state table (dynalite), taken as any other holder takes it.
 */
const LOCKED = 'env-prod01/lkc-orders1/orders-cdc';
const LOCK_TTL_SECONDS = 600;

let harness: AwsLambdaHarness;
let retryHandler: LambdaHandler;
let sdk: SecretsManagerClient;
let dynamo: DynamoDBClient;
let holder: ConnectorLeases;
let output: ReturnType<typeof captureProcessOutput>;

beforeAll(async () => {
  harness = await startAwsLambdaHarness({ copies: 0, env: { LOCK_TTL_SECONDS: String(LOCK_TTL_SECONDS) } });
  jest.isolateModules(() => {
    retryHandler = loadRotationRetryHandler();
  });
  const endpoint = harness.stack.dynamo.endpoint;
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  dynamo = new DynamoDBClient({ region: 'us-east-1', endpoint, credentials });
  sdk = new SecretsManagerClient({ region: 'us-east-1', endpoint: harness.cloud.secretsManager.url, credentials });
  holder = new ConnectorLeases(new DynamoDbStateStore({ client: dynamo, tableName: LOCAL_TABLES.state }), clockNow, {
    owner: 'recovery-elsewhere',
    lockTtlMs: LOCK_TTL_SECONDS * 1000,
    retentionMs: 86_400_000,
  });
});

beforeEach(() => {
  output = captureProcessOutput();
});

afterEach(async () => {
  output.restore();
  await holder.release(LOCKED);
});

afterAll(async () => {
  sdk.destroy();
  dynamo.destroy();
  await harness.close();
});

const clockNow = { now: () => new Date(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };
const retries = () => harness.stack.sqs.control.messages(LOCAL_QUEUES.rotationRetries);
const deadLetters = () => harness.stack.sqs.control.messages(LOCAL_QUEUES.rotationRetriesDeadLetter);
const restarts = (key: string) => harness.cloud.confluent.control.connector(key).restarts;

async function rotate(): Promise<SecretLabelUpdatedEvent> {
  const put = await sdk.send(
    new PutSecretValueCommand({ SecretId: 'prod/orders-db', SecretString: `{"p":"${Date.now()}"}` }),
  );
  await harness.cloud.secretsManager.control.settled();
  const event = harness.cloud.secretsManager.control
    .events()
    .find((e) => e.detail.versionId === put.VersionId && e.detail.labelUpdated === 'AWSCURRENT');
  if (!event) throw new Error('no label event');
  return event;
}

/** Idempotency records of the rotation path, by status. */
async function idempotencyStatuses(): Promise<string[]> {
  const scan = await dynamo.send(new ScanCommand({ TableName: LOCAL_TABLES.idempotency }));
  return (scan.Items ?? [])
    .filter((item) => item.id?.S?.startsWith('secret-version#'))
    .map((item) => item.status?.S ?? '?');
}

/** Lambda's SQS poller after the delay: receive, invoke, delete what the function did not report failed. */
async function pollRetries(adjust: (event: SQSEvent) => SQSEvent = (event) => event) {
  harness.stack.sqs.control.endDelays(LOCAL_QUEUES.rotationRetries);
  const event = adjust(harness.stack.sqs.control.receiveEvent(LOCAL_QUEUES.rotationRetries));
  const response = (await retryHandler(event, lambdaContext())) as SQSBatchResponse;
  const retried = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  harness.stack.sqs.control.deleteReceived(
    LOCAL_QUEUES.rotationRetries,
    event.Records.filter((record) => !retried.has(record.messageId)).map((record) => record.receiptHandle),
  );
  return { event, response };
}

describe('a rotation pending on a locked connector, on AWS', () => {
  it('is queued for a retry when the lock expires, never completed: its idempotency record is left uncompleted', async () => {
    // Prepare
    await holder.acquire(LOCKED, 'recover failed (attempt 1)', () => undefined);
    const event = await rotate();
    const before = await idempotencyStatuses();
    const restartsBefore = restarts(LOCKED);

    // Act
    const result = (await harness.deliver(event)) as { results: Record<string, unknown>[] };

    // Assess
    expect(result.results).toEqual([
      expect.objectContaining({ kind: 'pending', pending: [LOCKED], attempt: 2, retryInSeconds: expect.any(Number) }),
    ]);
    const [message] = retries();
    expect(retries()).toHaveLength(1);
    // Delayed until the holder's lock expires (a little after), within SQS's 15 minutes.
    expect(message?.delaySeconds).toBeGreaterThanOrEqual(LOCK_TTL_SECONDS - 5);
    expect(message?.delaySeconds).toBeLessThanOrEqual(Math.min(MAX_DELAY_SECONDS, LOCK_TTL_SECONDS + 10));
    expect(message?.attributes[ATTEMPT_ATTRIBUTE]?.StringValue).toBe('2');
    expect(JSON.parse(message?.body ?? '{}')).toMatchObject({
      kind: 'secret-rotated',
      version: event.detail.versionId,
      secret: { provider: 'aws', name: 'prod/orders-db' },
    });
    // Powertools deletes the record of a unit that threw: nothing says this version is done.
    expect(await idempotencyStatuses()).toEqual(before);
    expect(restarts(LOCKED)).toBe(restartsBefore);
    expect(harness.cloud.confluent.control.connector(LOCKED).heldVersions[SEED_SECRETS.ordersDb]).not.toBe(
      event.detail.versionId,
    );

    // Act: the retry while the lock is still held queues the next try; once it is released, the retry restarts.
    const stillLocked = await pollRetries();
    const next = retries();
    await holder.release(LOCKED);
    const freed = await pollRetries();

    // Assess
    expect(stillLocked.response.batchItemFailures).toEqual([]);
    expect(next.map((m) => m.attributes[ATTEMPT_ATTRIBUTE]?.StringValue)).toEqual(['3']);
    expect(freed.response.batchItemFailures).toEqual([]);
    expect(retries()).toEqual([]);
    expect(restarts(LOCKED)).toBe(restartsBefore + 1);
    expect(harness.cloud.confluent.control.connector(LOCKED)).toMatchObject({
      state: 'RUNNING',
      heldVersions: { [SEED_SECRETS.ordersDb]: event.detail.versionId },
    });
    expect((await idempotencyStatuses()).filter((status) => status === 'COMPLETED')).toHaveLength(
      before.filter((status) => status === 'COMPLETED').length + 1,
    );
    expect(deadLetters()).toEqual([]);
  });

  it(`dead-letters a rotation still pending on its try ${MAX_PENDING_ATTEMPTS}, with the cause naming the connector`, async () => {
    // Prepare
    await holder.acquire(LOCKED, 'reload prod/payments@p9', () => undefined);
    await harness.deliver(await rotate());
    const onLastTry = (event: SQSEvent): SQSEvent => ({
      Records: event.Records.map((record) => ({
        ...record,
        messageAttributes: {
          ...record.messageAttributes,
          [ATTEMPT_ATTRIBUTE]: {
            dataType: 'Number',
            stringValue: String(MAX_PENDING_ATTEMPTS),
            stringListValues: [],
            binaryListValues: [],
          },
        },
      })),
    });

    // Act
    const { response } = await pollRetries(onLastTry);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(retries()).toEqual([]);
    const [letter] = deadLetters();
    expect(letter?.attributes.cause?.StringValue).toMatch(
      /^RotationPendingError: rotation of .*prod\/orders-db.* is pending on 1 connector\(s\) .*env-prod01\/lkc-orders1\/orders-cdc.*reload prod\/payments@p9/,
    );
  });

  it('dead-letters a malformed message at once, with its cause', async () => {
    // Prepare
    harness.stack.sqs.control.reset();
    const sqs = new SQSClient({
      region: 'us-east-1',
      endpoint: harness.stack.sqs.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: harness.stack.sqs.queueUrl(LOCAL_QUEUES.rotationRetries),
        MessageBody: '{"kind":"secret-rotated"}',
      }),
    );
    sqs.destroy();

    // Act
    const { response } = await pollRetries();

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(deadLetters().map((letter) => letter.attributes.cause?.StringValue)).toEqual([
      expect.stringMatching(/^MalformedSecretEventMessageError: queue message is not a secret event/),
    ]);
  });
});
