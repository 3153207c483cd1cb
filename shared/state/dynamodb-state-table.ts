import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { PARTITION_KEY, TTL_ATTRIBUTE } from './dynamodb-record-codec';
import { StateStoreError, sdkErrorName } from './state-store-error';

export interface StateTableSetup {
  /** 'unsupported': the endpoint (dynalite) has no UpdateTimeToLive, so records are kept until deleted by hand. */
  readonly timeToLive: 'enabled' | 'unsupported';
}

const POLL_MS = 50;

/**
 * Creates the state table (on-demand, `pk` string partition key) if missing, waits until it is ACTIVE, then enables
 * TTL on `ttl`. For local runs and tests; deployments declare the same table in their infrastructure template.
 */
export async function createStateTable(
  client: DynamoDBClient,
  tableName: string,
  options: { readonly timeoutMs?: number } = {},
): Promise<StateTableSetup> {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: PARTITION_KEY, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: PARTITION_KEY, KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    // Already there (a second test file, a restarted dev stack): reuse it.
    if (sdkErrorName(error) !== 'ResourceInUseException') throw setupFailure('CreateTable', tableName, error);
  }
  await waitUntilActive(client, tableName, options.timeoutMs ?? 10_000);
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
    return { timeToLive: 'enabled' };
  } catch (error) {
    const code = sdkErrorName(error);
    // dynalite implements DescribeTimeToLive but not UpdateTimeToLive; expiry only matters for table size anyway.
    if (code === 'UnknownOperationException') return { timeToLive: 'unsupported' };
    // DynamoDB refuses to enable TTL twice ("TimeToLive is already enabled").
    if (code === 'ValidationException' && /already enabled/i.test(messageOf(error))) return { timeToLive: 'enabled' };
    throw setupFailure('UpdateTimeToLive', tableName, error);
  }
}

async function waitUntilActive(client: DynamoDBClient, tableName: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() >= deadline) {
      throw new StateStoreError(`table ${tableName} is not ACTIVE after ${timeoutMs} ms`, 'TableNotActive');
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function setupFailure(operation: string, tableName: string, error: unknown): StateStoreError {
  const code = sdkErrorName(error);
  return new StateStoreError(`DynamoDB ${operation} of ${tableName} failed: ${code} (${messageOf(error)})`, code);
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : '';
}
