import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { RateBucket, RateBucketStore } from '#core/ports';
import { PARTITION_KEY, REVISION_ATTRIBUTE } from './dynamodb-record-codec';
import { StateStoreError, sdkErrorName } from './state-store-error';

export interface DynamoDbRateBucketStoreOptions {
  readonly client: DynamoDBClient;
  /** The state table: a bucket is one more item in it, under a key no connector key can take. */
  readonly tableName: string;
}

/**
 * Token buckets in the DynamoDB state table: item `pk` = `rate-bucket#<name>` (connector keys are `env/lkc/name`,
 * never with `#`), `tokens` and `refilledAt` (N), and `revision` (N), the compare-and-set etag, as for connector
 * records. Consistent reads; each take is one GetItem and one conditional PutItem on a single small item.
 */
export class DynamoDbRateBucketStore implements RateBucketStore {
  constructor(private readonly options: DynamoDbRateBucketStoreOptions) {}

  async read(name: string): Promise<{ bucket: RateBucket; etag: string } | null> {
    try {
      const { Item } = await this.options.client.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: { [PARTITION_KEY]: { S: keyOf(name) } },
          ConsistentRead: true,
        }),
      );
      if (!Item) return null;
      const tokens = Number(Item.tokens?.N);
      const refilledAt = Number(Item.refilledAt?.N);
      const revision = Number(Item[REVISION_ATTRIBUTE]?.N);
      if (![tokens, refilledAt, revision].every(Number.isFinite)) {
        throw new StateStoreError(`malformed rate bucket ${name} in ${this.options.tableName}`, 'MalformedItem');
      }
      return { bucket: { tokens, refilledAt }, etag: String(revision) };
    } catch (error) {
      throw this.failure('GetItem', name, error);
    }
  }

  async write(name: string, bucket: RateBucket, expectedEtag: string | null): Promise<string | null> {
    const expected = expectedEtag === null ? 0 : Number(expectedEtag);
    if (!Number.isInteger(expected)) return null;
    try {
      await this.options.client.send(
        new PutItemCommand({
          TableName: this.options.tableName,
          Item: {
            [PARTITION_KEY]: { S: keyOf(name) },
            [REVISION_ATTRIBUTE]: { N: String(expected + 1) },
            tokens: { N: String(bucket.tokens) },
            refilledAt: { N: String(bucket.refilledAt) },
          },
          ...(expectedEtag === null
            ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PARTITION_KEY } }
            : {
                ConditionExpression: '#revision = :expected',
                ExpressionAttributeNames: { '#revision': REVISION_ATTRIBUTE },
                ExpressionAttributeValues: { ':expected': { N: String(expected) } },
              }),
        }),
      );
      return String(expected + 1);
    } catch (error) {
      if (sdkErrorName(error) === 'ConditionalCheckFailedException') return null;
      throw this.failure('PutItem', name, error);
    }
  }

  private failure(operation: string, name: string, error: unknown): StateStoreError {
    if (error instanceof StateStoreError) return error;
    const code = sdkErrorName(error);
    return new StateStoreError(
      `DynamoDB ${operation} on ${this.options.tableName} for rate bucket ${name} failed: ${code}`,
      code,
    );
  }
}

function keyOf(name: string): string {
  return `rate-bucket#${name}`;
}
