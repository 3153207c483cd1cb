import type { TableClient } from '@azure/data-tables';
import type { RateBucket, RateBucketStore } from '#core/ports';
import { StateStoreError } from './state-store-error';

/** Buckets share one partition of their own; connector records are each in a partition named by their key. */
const PARTITION = 'rate-buckets';

interface BucketEntity {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly tokens: number;
  /** Epoch ms as text: the service would take a bare integer this large for neither Int32 nor exactly a Double. */
  readonly refilledAt: string;
}

/**
 * Token buckets in the Azure state table, compare-and-set on the entity's ETag as for connector records: the first
 * write an insert (409 when another instance inserted first), later ones a Replace with If-Match (412 on a lost race).
 */
export class AzureTableRateBucketStore implements RateBucketStore {
  constructor(private readonly table: TableClient) {}

  async read(name: string): Promise<{ bucket: RateBucket; etag: string } | null> {
    let entity: BucketEntity & { etag: string };
    try {
      entity = await this.table.getEntity<BucketEntity>(PARTITION, name);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.failure('getEntity', name, error);
    }
    const tokens = entity.tokens;
    const refilledAt = Number(entity.refilledAt);
    if (typeof tokens !== 'number' || !Number.isFinite(tokens) || !Number.isFinite(refilledAt)) {
      throw new StateStoreError(`malformed rate bucket ${name} in ${this.table.tableName}`, 'MalformedRecord');
    }
    return { bucket: { tokens, refilledAt }, etag: entity.etag };
  }

  async write(name: string, bucket: RateBucket, expectedEtag: string | null): Promise<string | null> {
    const entity: BucketEntity = {
      partitionKey: PARTITION,
      rowKey: name,
      tokens: bucket.tokens,
      refilledAt: String(bucket.refilledAt),
    };
    try {
      const written =
        expectedEtag === null
          ? await this.table.createEntity(entity)
          : await this.table.updateEntity(entity, 'Replace', { etag: expectedEtag });
      // '' when the answer carries no ETag: the next take then reads afresh.
      return written.etag ?? '';
    } catch (error) {
      const status = statusOf(error);
      if (status === 409 || status === 412 || (status === 404 && expectedEtag !== null)) return null;
      throw this.failure(expectedEtag === null ? 'createEntity' : 'updateEntity', name, error);
    }
  }

  private failure(operation: string, name: string, error: unknown): StateStoreError {
    const code = (error as { code?: unknown } | null)?.code;
    const status = statusOf(error);
    return new StateStoreError(
      `Azure Table ${operation} on ${this.table.tableName} for rate bucket ${name} failed: ${typeof code === 'string' ? code : 'UnknownError'}${status ? ` (HTTP ${status})` : ''}`,
      typeof code === 'string' ? code : 'UnknownError',
    );
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
