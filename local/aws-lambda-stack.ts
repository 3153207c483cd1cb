import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MAX_RECEIVE_COUNT } from '#functions/aws/failure-queue';
import { createStateTable } from '#state/dynamodb-state-store';
import { sdkErrorName } from '#state/state-store-error';
import { type DynaliteServer, startDynalite } from './dynalite-server';
import { type EventBridgeEmulator, type ReceivedEvent, startEventBridgeEmulator } from './eventbridge-emulator';
import type { SecretsManagerEmulator } from './secrets-manager-emulator';
import { type SqsEmulator, startSqsEmulator } from './sqs-emulator';

/** Table names of the local stage (serverless.yml's `local` stage reads them from the env file `npm start` writes). */
export const LOCAL_TABLES = {
  state: 'connector-reloader-local-state',
  idempotency: 'connector-reloader-local-idempotency',
} as const;

/** The failure and rotation retry queues and their dead-letter queues of the local stage (named as serverless.yml does). */
export const LOCAL_QUEUES = {
  failures: 'connector-reloader-local-connector-failures',
  deadLetter: 'connector-reloader-local-connector-failures-dlq',
  rotationRetries: 'connector-reloader-local-rotation-retries',
  rotationRetriesDeadLetter: 'connector-reloader-local-rotation-retries-dlq',
} as const;

/** The failure webhook's token in the local Secrets Manager (WEBHOOK_TOKEN_SECRET of the local stage). */
export const LOCAL_WEBHOOK_TOKEN_SECRET = 'connector-reloader/webhook-token';
/**
 * The local stage's token: fixed so that `events/aws/connector-failure-webhook.json` works with `serverless invoke
 * local`. It guards nothing but the emulators; a deployed stack reads its own long random token.
 */
export const LOCAL_WEBHOOK_TOKEN = 'local-webhook-token';

/**
 * For the handler run in process by `npm start` and the demo: warnings only, and no EMF lines in the terminal
 * (on Lambda they are how metrics reach CloudWatch; here there is nobody to read them).
 */
export const LOCAL_IN_PROCESS_ENV = { LOG_LEVEL: 'warn', POWERTOOLS_METRICS_DISABLED: 'true' } as const;

export interface AwsLambdaStackOptions {
  readonly dynamoPort?: number;
  readonly eventBridgePort?: number;
  readonly sqsPort?: number;
  readonly onOutcome?: (event: ReceivedEvent) => void;
  /** Called when failures were queued (npm start then runs the queue function, as Lambda's SQS poller would). */
  readonly onFailureQueued?: () => void;
  /** Seeds the failure webhook's token there and names it in WEBHOOK_TOKEN_SECRET. */
  readonly secretsManager?: SecretsManagerEmulator;
  /** The token to seed; LOCAL_WEBHOOK_TOKEN unless a test brings a canary. */
  readonly webhookToken?: string;
}

/** What the Lambdas talk to besides Secrets Manager and Confluent: DynamoDB (dynalite), an EventBridge bus, SQS. */
export interface AwsLambdaStack {
  readonly dynamo: DynaliteServer;
  readonly eventBridge: EventBridgeEmulator;
  /** The failure and rotation retry queues and their dead-letter queues (LOCAL_QUEUES). */
  readonly sqs: SqsEmulator;
  /** Points the handler's SDK clients at this stack (AWS_ENDPOINT_URL_*) and names its tables and bus. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export async function startAwsLambdaStack(options: AwsLambdaStackOptions = {}): Promise<AwsLambdaStack> {
  const dynamo = await startDynalite({ ...(options.dynamoPort !== undefined ? { port: options.dynamoPort } : {}) });
  const eventBridge = await startEventBridgeEmulator({
    ...(options.eventBridgePort !== undefined ? { port: options.eventBridgePort } : {}),
    ...(options.onOutcome ? { onEvent: options.onOutcome } : {}),
  });
  const sqs = await startSqsEmulator({
    ...(options.sqsPort !== undefined ? { port: options.sqsPort } : {}),
    queues: [
      {
        name: LOCAL_QUEUES.failures,
        redrive: { deadLetterQueue: LOCAL_QUEUES.deadLetter, maxReceiveCount: MAX_RECEIVE_COUNT },
      },
      { name: LOCAL_QUEUES.deadLetter },
      {
        name: LOCAL_QUEUES.rotationRetries,
        visibilityTimeoutSeconds: 5400,
        redrive: { deadLetterQueue: LOCAL_QUEUES.rotationRetriesDeadLetter, maxReceiveCount: MAX_RECEIVE_COUNT },
      },
      { name: LOCAL_QUEUES.rotationRetriesDeadLetter },
    ],
    ...(options.onFailureQueued
      ? { onSent: (queue: string) => (queue === LOCAL_QUEUES.failures ? options.onFailureQueued?.() : undefined) }
      : {}),
  });
  const tokenSecretArn = options.secretsManager?.control.seed(
    LOCAL_WEBHOOK_TOKEN_SECRET,
    options.webhookToken ?? LOCAL_WEBHOOK_TOKEN,
  );
  const client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await createStateTable(client, LOCAL_TABLES.state);
    await createIdempotencyTable(client, LOCAL_TABLES.idempotency);
  } finally {
    client.destroy();
  }
  return {
    dynamo,
    eventBridge,
    sqs,
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url,
      AWS_ENDPOINT_URL_SQS: sqs.url,
      STATE_TABLE: LOCAL_TABLES.state,
      IDEMPOTENCY_TABLE: LOCAL_TABLES.idempotency,
      EVENT_BUS_NAME: 'default',
      FAILURE_QUEUE_URL: sqs.queueUrl(LOCAL_QUEUES.failures),
      FAILURE_DEAD_LETTER_QUEUE_URL: sqs.queueUrl(LOCAL_QUEUES.deadLetter),
      ROTATION_RETRY_QUEUE_URL: sqs.queueUrl(LOCAL_QUEUES.rotationRetries),
      ROTATION_RETRY_DEAD_LETTER_QUEUE_URL: sqs.queueUrl(LOCAL_QUEUES.rotationRetriesDeadLetter),
      ...(tokenSecretArn ? { WEBHOOK_TOKEN_SECRET: tokenSecretArn } : {}),
    },
    async close() {
      await Promise.all([dynamo.close(), eventBridge.close(), sqs.close()]);
    },
  };
}

/** The Powertools idempotency table as serverless.yml declares it: `id` string key (TTL on `expiration` there). */
export async function createIdempotencyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if (sdkErrorName(error) !== 'ResourceInUseException') throw error;
  }
}
