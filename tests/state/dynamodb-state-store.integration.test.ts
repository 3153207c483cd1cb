import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ConnectorLeases } from '#core/connector-lease';
import { type DynaliteServer, startDynalite } from '#local/dynalite-server';
import { createStateTable, DynamoDbStateStore } from '#state/dynamodb-state-store';
import { StateStoreError } from '#state/state-store-error';
import { FakeClock } from '#test-helpers/fake-clock';
import { everyRecordField, expectExactlyOneOfTenAcquires } from '#test-helpers/state-store-contract';

const TABLE = 'connector-reloader-state';

let dynamo: DynaliteServer;
let client: DynamoDBClient;
let store: DynamoDbStateStore;
let keyCounter = 0;

beforeAll(async () => {
  dynamo = await startDynalite({ createTableMs: 0 });
  client = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-only' },
  });
  await createStateTable(client, TABLE);
  store = new DynamoDbStateStore({ client, tableName: TABLE });
});

afterAll(async () => {
  client.destroy();
  await dynamo.close();
});

function uniqueKey(): string {
  keyCounter += 1;
  return `env-prod01/lkc-orders1/connector-${keyCounter}`;
}

function rawItem(connectorKey: string) {
  return client
    .send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: connectorKey } }, ConsistentRead: true }))
    .then((response) => response.Item);
}

describe('createStateTable', () => {
  it('is idempotent and reports that dynalite cannot enable TTL', async () => {
    // Act
    const again = await createStateTable(client, TABLE);

    // Assess
    expect(again).toEqual({ timeToLive: 'unsupported' });
  });
});

describe('DynamoDbStateStore', () => {
  it('reads null for a connector it has never seen', async () => {
    // Act
    const record = await store.read(uniqueKey());

    // Assess
    expect(record).toBeNull();
  });

  it('round-trips every record field and bumps the revision on each write', async () => {
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
    expect(first).toEqual({ record, etag: '1' });
    expect(updated).toBe(true);
    // A write replaces the whole item: fields left out are gone.
    expect(second).toEqual({ record: { connectorKey, lastRestartAt: 5 }, etag: '2' });
  });

  it('stores expiresAt as the ttl attribute in epoch seconds', async () => {
    // Prepare
    const connectorKey = uniqueKey();

    // Act
    await store.write({ connectorKey, expiresAt: 1_769_817_600_500 }, null);

    // Assess
    const item = await rawItem(connectorKey);
    expect(item).toMatchObject({
      pk: { S: connectorKey },
      revision: { N: '1' },
      expiresAt: { N: '1769817600500' },
      ttl: { N: '1769817601' },
    });
  });

  it('refuses a create over an existing record and a write with a stale or foreign etag', async () => {
    // Prepare
    const connectorKey = uniqueKey();
    await store.write({ connectorKey, lastRestartAt: 1 }, null);
    const stale = (await store.read(connectorKey))?.etag ?? null;
    await store.write({ connectorKey, lastRestartAt: 2 }, stale);

    // Act
    const createAgain = await store.write({ connectorKey, lastRestartAt: 3 }, null);
    const staleWrite = await store.write({ connectorKey, lastRestartAt: 4 }, stale);
    const foreignEtag = await store.write({ connectorKey, lastRestartAt: 5 }, 'W/"datetime\'2026\'"');
    const updateMissing = await store.write({ connectorKey: uniqueKey(), lastRestartAt: 6 }, '1');

    // Assess
    expect([createAgain, staleWrite, foreignEtag, updateMissing]).toEqual([false, false, false, false]);
    expect(await store.read(connectorKey)).toEqual({ record: { connectorKey, lastRestartAt: 2 }, etag: '2' });
  });

  it('reports a malformed item as StateStoreError naming the attribute', async () => {
    // Prepare
    const connectorKey = uniqueKey();
    await client.send(
      new PutItemCommand({
        TableName: TABLE,
        Item: { pk: { S: connectorKey }, revision: { N: '1' }, lastRestartAt: { S: 'yesterday' } },
      }),
    );

    // Act
    const reading = store.read(connectorKey);

    // Assess
    await expect(reading).rejects.toBeInstanceOf(StateStoreError);
    await expect(reading).rejects.toThrow(`malformed state item for ${connectorKey}: attribute lastRestartAt`);
  });

  it('wraps an unreachable table as StateStoreError with the AWS code', async () => {
    // Prepare
    const missing = new DynamoDbStateStore({ client, tableName: 'no-such-table' });

    // Act
    const reading = missing.read(uniqueKey());

    // Assess
    await expect(reading).rejects.toMatchObject({ name: 'StateStoreError', code: 'ResourceNotFoundException' });
  });
});

describe('ConnectorLeases on DynamoDB', () => {
  it('lets exactly one of 10 concurrent acquirers take the lock on one connector', async () => {
    await expectExactlyOneOfTenAcquires(store, uniqueKey());
  });

  it('releases the lock and keeps the bookkeeping', async () => {
    // Prepare
    const connectorKey = uniqueKey();
    const clock = new FakeClock();
    const lease = new ConnectorLeases(store, clock, { owner: 'me', lockTtlMs: 60_000, retentionMs: 86_400_000 });
    await lease.acquire(connectorKey, 'reload', () => undefined);

    // Act
    await lease.release(connectorKey, (record) => ({ ...record, lastRestartAt: clock.now().getTime() }));

    // Assess
    const stored = await store.read(connectorKey);
    expect(stored?.record).toEqual({
      connectorKey,
      lastRestartAt: clock.now().getTime(),
      expiresAt: clock.now().getTime() + 86_400_000,
    });
  });
});
