import type { TableClient } from '@azure/data-tables';
import type { ConnectorRecord, StateStore, VersionedRecord } from '#core/ports';
import { StateStoreError } from './state-store-error';

/** Every record is one entity in one row of its own partition: point reads and writes, no hot partition. */
const ROW_KEY = 'state';

interface StateEntity {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly connectorKey: string;
  /** The record as JSON: ids, versions and times only, never a secret value. */
  readonly record: string;
  /** When the record may be dropped. Table Storage has no TTL: a cleanup job can filter on it. */
  readonly expiresAt?: Date;
}

/**
 * Compare-and-set state in Azure Table Storage. The etag is the entity's ETag: the first write is an insert (409
 * when another writer inserted first), later writes a Replace conditioned on If-Match (412 when it moved on).
 */
export class AzureTableStateStore implements StateStore {
  constructor(private readonly table: TableClient) {}

  async read(connectorKey: string): Promise<VersionedRecord | null> {
    let entity: StateEntity & { etag: string };
    try {
      entity = await this.table.getEntity<StateEntity>(partitionKeyOf(connectorKey), ROW_KEY);
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw this.failure('getEntity', connectorKey, error);
    }
    return { record: decode(entity.record, connectorKey), etag: entity.etag };
  }

  async write(record: ConnectorRecord, expectedEtag: string | null): Promise<boolean> {
    const entity: StateEntity = {
      partitionKey: partitionKeyOf(record.connectorKey),
      rowKey: ROW_KEY,
      connectorKey: record.connectorKey,
      record: JSON.stringify(record),
      ...(record.expiresAt === undefined ? {} : { expiresAt: new Date(record.expiresAt) }),
    };
    try {
      if (expectedEtag === null) await this.table.createEntity(entity);
      else await this.table.updateEntity(entity, 'Replace', { etag: expectedEtag });
      return true;
    } catch (error) {
      const status = statusOf(error);
      // 409: inserted meanwhile; 412: replaced meanwhile; 404: deleted meanwhile. Each is a lost race, not a fault.
      if (status === 409 || status === 412 || (status === 404 && expectedEtag !== null)) return false;
      throw this.failure(expectedEtag === null ? 'createEntity' : 'updateEntity', record.connectorKey, error);
    }
  }

  /** Creates the table when it is missing (local stacks and tests; deployments create it in Bicep). */
  async ensureTable(): Promise<void> {
    try {
      await this.table.createTable();
    } catch (error) {
      throw this.failure('createTable', '(table)', error);
    }
  }

  private failure(operation: string, connectorKey: string, error: unknown): StateStoreError {
    if (error instanceof StateStoreError) return error;
    const fields = error as { code?: unknown; statusCode?: unknown; name?: unknown } | null;
    const code =
      typeof fields?.code === 'string' ? fields.code : typeof fields?.name === 'string' ? fields.name : 'UnknownError';
    return new StateStoreError(
      `Azure Table ${operation} on ${this.table.tableName} for ${connectorKey} failed: ${code}${
        typeof fields?.statusCode === 'number' ? ` (HTTP ${fields.statusCode})` : ''
      }`,
      code,
    );
  }
}

/** Connector keys contain `/`, which keys may not; base64url keeps them unique and legal. */
function partitionKeyOf(connectorKey: string): string {
  return Buffer.from(connectorKey, 'utf8').toString('base64url');
}

function decode(json: string, connectorKey: string): ConnectorRecord {
  try {
    const parsed = JSON.parse(json) as ConnectorRecord;
    if (parsed && typeof parsed === 'object' && parsed.connectorKey === connectorKey) return parsed;
  } catch {
    // Reported below.
  }
  throw new StateStoreError(`Azure Table record for ${connectorKey} is malformed`, 'MalformedRecord');
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
