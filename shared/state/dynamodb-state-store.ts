import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { ConnectorRecord, StateStore, VersionedRecord } from '#core/ports';
import { itemToVersionedRecord, PARTITION_KEY, REVISION_ATTRIBUTE, recordToItem } from './dynamodb-record-codec';
import { StateStoreError, sdkErrorName } from './state-store-error';

export { PARTITION_KEY, REVISION_ATTRIBUTE, TTL_ATTRIBUTE } from './dynamodb-record-codec';
export { createStateTable, type StateTableSetup } from './dynamodb-state-table';

export interface DynamoDbStateStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
}

/** Only etags this store handed out can match; anything else is a conflict, as with a stale revision. */
const REVISION_ETAG = /^[1-9]\d{0,15}$/;

/**
 * Compare-and-set state in DynamoDB (layout in dynamodb-record-codec.ts). The etag is the item's numeric `revision`;
 * every write is a whole-item PutItem guarded by a condition on it, so concurrent Lambdas serialise per connector.
 */
export class DynamoDbStateStore implements StateStore {
  constructor(private readonly options: DynamoDbStateStoreOptions) {}

  async read(connectorKey: string): Promise<VersionedRecord | null> {
    try {
      const response = await this.options.client.send(
        new GetItemCommand({
          TableName: this.options.tableName,
          Key: { [PARTITION_KEY]: { S: connectorKey } },
          // An eventually consistent read could hand out an etag that is already stale.
          ConsistentRead: true,
        }),
      );
      return response.Item ? itemToVersionedRecord(response.Item) : null;
    } catch (error) {
      throw this.failure('GetItem', connectorKey, error);
    }
  }

  async write(record: ConnectorRecord, expectedEtag: string | null): Promise<boolean> {
    if (expectedEtag !== null && !REVISION_ETAG.test(expectedEtag)) return false;
    const expected = expectedEtag === null ? 0 : Number(expectedEtag);
    const guard: Pick<
      PutItemCommandInput,
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    > =
      expectedEtag === null
        ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': PARTITION_KEY } }
        : {
            ConditionExpression: '#revision = :expected',
            ExpressionAttributeNames: { '#revision': REVISION_ATTRIBUTE },
            ExpressionAttributeValues: { ':expected': { N: String(expected) } },
          };
    try {
      await this.options.client.send(
        new PutItemCommand({ TableName: this.options.tableName, Item: recordToItem(record, expected + 1), ...guard }),
      );
      return true;
    } catch (error) {
      if (sdkErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw this.failure('PutItem', record.connectorKey, error);
    }
  }

  private failure(operation: string, connectorKey: string, error: unknown): StateStoreError {
    if (error instanceof StateStoreError) return error;
    const code = sdkErrorName(error);
    return new StateStoreError(
      `DynamoDB ${operation} on ${this.options.tableName} for ${connectorKey} failed: ${code}`,
      code,
    );
  }
}
