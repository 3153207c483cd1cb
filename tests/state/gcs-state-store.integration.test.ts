import { Storage } from '@google-cloud/storage';
import { type GcsEmulator, startGcsEmulator } from '#local/gcs-emulator';
import { GcsStateStore } from '#state/gcs-state-store';
import { StateStoreError } from '#state/state-store-error';
import { everyRecordField, expectExactlyOneOfTenAcquires } from '#test-helpers/state-store-contract';

const BUCKET = 'acme-connector-reloader-state';

let gcs: GcsEmulator;
let storage: Storage;
let store: GcsStateStore;
let keyCounter = 0;

beforeAll(async () => {
  gcs = await startGcsEmulator({ buckets: [BUCKET] });
  // The client's own emulator switch, as the functions get it locally.
  process.env.STORAGE_EMULATOR_HOST = gcs.url;
  storage = new Storage({ projectId: 'acme-tests' });
  store = new GcsStateStore(storage.bucket(BUCKET));
});

afterAll(async () => {
  delete process.env.STORAGE_EMULATOR_HOST;
  await gcs.close();
});

function uniqueKey(): string {
  keyCounter += 1;
  return `env-prod01/lkc-gcinv1/connector-${keyCounter}`;
}

describe('GcsStateStore against the local Cloud Storage JSON API', () => {
  it('reads null for a connector it has never seen', async () => {
    // Act
    const record = await store.read(uniqueKey());

    // Assess
    expect(record).toBeNull();
  });

  it('round-trips every record field, the etag being the generation, new on each write', async () => {
    // Prepare
    const connectorKey = uniqueKey();
    const record = everyRecordField(connectorKey);

    // Act
    const created = await store.write(record, null);
    const first = await store.read(connectorKey);
    const updated = await store.write({ connectorKey, lastRestartAt: 5 }, first?.etag ?? null);
    const second = await store.read(connectorKey);

    // Assess
    expect(created).toBe(true);
    expect(first?.record).toEqual(record);
    expect(updated).toBe(true);
    expect(second?.record).toEqual({ connectorKey, lastRestartAt: 5 });
    expect(gcs.control.generations(BUCKET, `connectors/${connectorKey}.json`).map(String)).toEqual([
      first?.etag,
      second?.etag,
    ]);
    const [metadata] = await storage
      .bucket(BUCKET)
      .file(`connectors/${connectorKey}.json`, { generation: Number(first?.etag) })
      .getMetadata()
      .catch(() => [undefined]);
    expect(metadata).toBeUndefined();
  });

  it('refuses a create over an existing record, a stale generation and a foreign etag (412 conditionNotMet)', async () => {
    // Prepare
    const connectorKey = uniqueKey();
    await store.write({ connectorKey }, null);
    const stale = await store.read(connectorKey);
    await store.write({ connectorKey, lastRestartAt: 1 }, stale?.etag ?? null);

    // Act
    const createAgain = await store.write({ connectorKey, lastRestartAt: 2 }, null);
    const staleWrite = await store.write({ connectorKey, lastRestartAt: 3 }, stale?.etag ?? null);
    const foreignEtag = await store.write({ connectorKey, lastRestartAt: 4 }, 'W/"not-a-generation"');

    // Assess
    expect(createAgain).toBe(false);
    expect(staleWrite).toBe(false);
    expect(foreignEtag).toBe(false);
    expect((await store.read(connectorKey))?.record.lastRestartAt).toBe(1);
    expect(gcs.control.requests().filter((r) => r.status === 412)).toHaveLength(2);
  });

  it('lets exactly one of 10 concurrent acquirers take the lock on one connector', async () => {
    await expectExactlyOneOfTenAcquires(store, uniqueKey());
  });

  it('reports a missing bucket as StateStoreError naming it', async () => {
    // Act
    const error = await new GcsStateStore(storage.bucket('no-such-bucket')).read(uniqueKey()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(StateStoreError);
    expect((error as Error).message).toMatch(/gs:\/\/no-such-bucket .* failed: notFound \(HTTP 404\)/);
  });
});
