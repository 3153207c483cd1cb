import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStateTable } from '../shared/state/dynamodb-state-store';
import { sdkErrorName } from '../shared/state/state-store-error';
import { type DynaliteServer, startDynalite } from './dynalite-server';
import { type EventBridgeEmulator, type ReceivedEvent, startEventBridgeEmulator } from './eventbridge-emulator';

/** Table names of the local stage (serverless.yml's `local` stage reads them from the env file `npm start` writes). */
export const LOCAL_TABLES = {
  state: 'connector-reloader-local-state',
  idempotency: 'connector-reloader-local-idempotency',
} as const;

/**
 * For the handler run in process by `npm start` and the demo: warnings only, and no EMF lines in the terminal
 * (on Lambda they are how metrics reach CloudWatch; here there is nobody to read them).
 */
export const LOCAL_IN_PROCESS_ENV = { LOG_LEVEL: 'warn', POWERTOOLS_METRICS_DISABLED: 'true' } as const;

export interface AwsLambdaStackOptions {
  readonly dynamoPort?: number;
  readonly eventBridgePort?: number;
  readonly onOutcome?: (event: ReceivedEvent) => void;
}

/** What the Lambda talks to besides Secrets Manager and Confluent: DynamoDB (dynalite) and an EventBridge bus. */
export interface AwsLambdaStack {
  readonly dynamo: DynaliteServer;
  readonly eventBridge: EventBridgeEmulator;
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
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBridge.url,
      STATE_TABLE: LOCAL_TABLES.state,
      IDEMPOTENCY_TABLE: LOCAL_TABLES.idempotency,
      EVENT_BUS_NAME: 'default',
    },
    async close() {
      await Promise.all([dynamo.close(), eventBridge.close()]);
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
