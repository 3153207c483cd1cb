import { TableClient } from '@azure/data-tables';
import { type AzuriteTable, startAzuriteTable } from '../../local/azurite-table';
import type { ConnectorRecord } from '../../shared/core/ports';
import { AzureTableStateStore } from '../../shared/state/azure-table-state-store';
import { StateStoreError } from '../../shared/state/state-store-error';
import { expectExactlyOneOfTenAcquires } from '../helpers/state-store-contract';

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
    const record: ConnectorRecord = {
      connectorKey,
      lock: { owner: 'evt-1#a1', operation: 'reload', expiresAt: 1_767_225_600_123 },
      lastRestartAt: 1_767_225_500_000,
      appliedVersions: { 'azure:kv.vault.azure.net:db-password': '0123456789abcdef0123456789abcdef' },
      failureRestarts: { count: 2, lastRestartAt: 1_767_225_400_000, deferredUntil: 1_767_229_000_000 },
      pausedByReloader: { operation: 'recover failed (attempt 2)', at: 1_767_225_450_000 },
      lastAlert: { signature: 'failed|password authentication failed', sentAt: 1_767_225_480_000, suppressed: 3 },
      alertAck: { at: 1_767_225_490_000, until: 1_767_312_000_000 },
      rolloutHalt: {
        version: 'a1b2c3d4',
        at: 1_767_225_495_000,
        firstWave: ['env-1/lkc-1/orders-cdc'],
        trace: 'SYSTEM_ERROR: password authentication failed',
      },
      pendingVersions: {
        'aws:us-east-1:123456789012:prod/db': {
          secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-Ab12Cd',
          version: 'b2c3d4e5-5678-90ab-cdef-EXAMPLE22222',
          becameCurrentAt: 1_767_225_480_000,
          since: 1_767_225_481_234,
        },
        'azure:kv.vault.azure.net:db-password': {
          secret: 'https://kv.vault.azure.net/secrets/db-password',
          becameCurrentAt: 1_767_225_490_000,
          since: 1_767_225_490_500,
        },
      },
      expiresAt: 1_769_817_600_500,
    };

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
