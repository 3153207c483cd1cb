import { TableClient } from '@azure/data-tables';
import { type AzuriteTable, startAzuriteTable } from '#local/azurite-table';
import { AzureTableStateStore } from '#state/azure-table-state-store';
import { StateStoreError } from '#state/state-store-error';
import { everyRecordField, expectExactlyOneOfTenAcquires } from '#test-helpers/state-store-contract';

const TABLE = 'connectorreloaderstate';

let azurite: AzuriteTable;
let table: TableClient;
let store: AzureTableStateStore;
let keyCounter = 0;

beforeAll(async () => {
  azurite = await startAzuriteTable();
  table = TableClient.fromConnectionString(azurite.connectionString, TABLE, { allowInsecureConnection: true });
  store = new AzureTableStateStore(table);
  await store.ensureTable();
});

afterAll(async () => {
  await azurite.close();
});

function uniqueKey(): string {
  keyCounter += 1;
  return `env-prod01/lkc-azan01/connector-${keyCounter}`;
}

describe('AzureTableStateStore against Azurite', () => {
  it('reads null for a connector it has never seen, and ensureTable is idempotent', async () => {
    // Act
    await store.ensureTable();
    const record = await store.read(uniqueKey());

    // Assess
    expect(record).toBeNull();
  });

  it('round-trips every record field and hands out a new ETag on each write', async () => {
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
    expect(second?.etag).not.toBe(first?.etag);
  });

  it('refuses an insert over an existing record and a replace with a stale ETag', async () => {
    // Prepare
    const connectorKey = uniqueKey();
    await store.write({ connectorKey }, null);
    const stale = await store.read(connectorKey);
    await store.write({ connectorKey, lastRestartAt: 1 }, stale?.etag ?? null);

    // Act
    const insertAgain = await store.write({ connectorKey, lastRestartAt: 2 }, null);
    const staleReplace = await store.write({ connectorKey, lastRestartAt: 3 }, stale?.etag ?? null);
    const foreignEtag = await store.write({ connectorKey, lastRestartAt: 4 }, 'W/"not-an-etag-of-ours"');

    // Assess
    expect(insertAgain).toBe(false);
    expect(staleReplace).toBe(false);
    expect(foreignEtag).toBe(false);
    expect((await store.read(connectorKey))?.record.lastRestartAt).toBe(1);
  });

  it('lets exactly one of 10 concurrent acquirers take the lock on one connector', async () => {
    await expectExactlyOneOfTenAcquires(store, uniqueKey());
  });

  it('reports an unreachable table service as StateStoreError', async () => {
    // Prepare: a port nothing listens on.
    const closed = TableClient.fromConnectionString(
      azurite.connectionString.replace(/TableEndpoint=http:\/\/127\.0\.0\.1:\d+/, 'TableEndpoint=http://127.0.0.1:9'),
      TABLE,
      { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } },
    );

    // Act
    const error = await new AzureTableStateStore(closed).read(uniqueKey()).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(StateStoreError);
  });
});
