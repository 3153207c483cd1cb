import type { Bucket } from '@google-cloud/storage';
import type { ConnectorRecord, StateStore, VersionedRecord } from '#core/ports';
import { StateStoreError } from './state-store-error';

/** Records live under this prefix, one object per connector, named by its key (`env/lkc/name`). */
export const STATE_OBJECT_PREFIX = 'connectors/';
/** A read whose object moves on between its metadata and its media read tries again this often. */
const READ_ATTEMPTS = 3;

/**
 * Compare-and-set state in Cloud Storage. The etag is the object's generation: the first write is conditioned on
 * `ifGenerationMatch=0` (the object must not exist), later writes on the generation read, and GCS answers 412
 * conditionNotMet when another writer got there first. A read takes the metadata (generation), then the media of
 * that very generation, so record and etag always belong together. `expiresAt` becomes the object's customTime,
 * which the bucket's lifecycle rule (infra/gcp) uses to delete old records.
 */
export class GcsStateStore implements StateStore {
  constructor(private readonly bucket: Bucket) {}

  async read(connectorKey: string): Promise<VersionedRecord | null> {
    const name = objectName(connectorKey);
    for (let attempt = 1; ; attempt++) {
      let generation: string;
      try {
        const [metadata] = await this.bucket.file(name).getMetadata();
        generation = String(metadata.generation);
      } catch (error) {
        // GCS answers a missing bucket with 404 too: that is a broken deployment, not a new connector.
        if (statusOf(error) === 404 && !isMissingBucket(error)) return null;
        throw this.failure('objects.get', connectorKey, error);
      }
      try {
        const [content] = await this.bucket.file(name, { generation: Number(generation) }).download();
        return { record: decode(content.toString('utf8'), connectorKey), etag: generation };
      } catch (error) {
        // Rewritten or deleted between the two reads: read the new generation.
        if (statusOf(error) === 404 && attempt < READ_ATTEMPTS) continue;
        if (error instanceof StateStoreError) throw error;
        throw this.failure('objects.get (media)', connectorKey, error);
      }
    }
  }

  async write(record: ConnectorRecord, expectedEtag: string | null): Promise<boolean> {
    const expected = expectedEtag === null ? 0 : Number(expectedEtag);
    // An etag that is no generation can match nothing: a lost race, as for a stale one.
    if (!Number.isSafeInteger(expected) || expected < 0) return false;
    try {
      await this.bucket.file(objectName(record.connectorKey)).save(JSON.stringify(record), {
        resumable: false,
        contentType: 'application/json',
        preconditionOpts: { ifGenerationMatch: expected },
        ...(record.expiresAt === undefined
          ? {}
          : { metadata: { customTime: new Date(record.expiresAt).toISOString() } }),
      });
      return true;
    } catch (error) {
      const status = statusOf(error);
      // 412: another writer changed (or created) it since; 404: deleted meanwhile. Each is a lost race.
      if (status === 412 || (status === 404 && expectedEtag !== null)) return false;
      throw this.failure('objects.insert', record.connectorKey, error);
    }
  }

  private failure(operation: string, connectorKey: string, error: unknown): StateStoreError {
    const status = statusOf(error);
    const reason = (error as { errors?: { reason?: unknown }[] } | null)?.errors?.[0]?.reason;
    const code =
      typeof reason === 'string'
        ? reason
        : typeof (error as { code?: unknown } | null)?.code === 'string'
          ? String((error as { code: string }).code)
          : error instanceof Error
            ? error.name
            : 'UnknownError';
    return new StateStoreError(
      `Cloud Storage ${operation} on gs://${this.bucket.name} for ${connectorKey} failed: ${code}${
        status === undefined ? '' : ` (HTTP ${status})`
      }`,
      code,
    );
  }
}

function objectName(connectorKey: string): string {
  return `${STATE_OBJECT_PREFIX}${connectorKey}.json`;
}

function decode(json: string, connectorKey: string): ConnectorRecord {
  try {
    const parsed = JSON.parse(json) as ConnectorRecord;
    if (parsed && typeof parsed === 'object' && parsed.connectorKey === connectorKey) return parsed;
  } catch {
    // Reported below.
  }
  throw new StateStoreError(`Cloud Storage record for ${connectorKey} is malformed`, 'MalformedRecord');
}

function isMissingBucket(error: unknown): boolean {
  return /bucket does not exist/i.test(String((error as { message?: unknown } | null)?.message ?? ''));
}

/** The HTTP status of a storage client error (ApiError carries it as a numeric `code`). */
function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
