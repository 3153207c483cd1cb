import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TableClient } from '@azure/data-tables';
import { FleetRateBudget } from '#confluent/fleet-rate-budget';
import { type RateBucketStore, silentLogger, systemClock } from '#core/ports';
import { type AzuriteTable, startAzuriteTable } from '#local/azurite-table';
import { type DynaliteServer, startDynalite } from '#local/dynalite-server';
import { AzureTableRateBucketStore } from '#state/azure-table-rate-bucket-store';
import { AzureTableStateStore } from '#state/azure-table-state-store';
import { DynamoDbRateBucketStore } from '#state/dynamodb-rate-bucket-store';
import { createStateTable, DynamoDbStateStore } from '#state/dynamodb-state-store';
import { MemoryRateBucketStore } from '#state/memory-rate-bucket-store';
import { FakeClock } from '#test-helpers/fake-clock';

/**
 * The fleet-wide token bucket on every store it runs on: memory, the DynamoDB state table (dynalite) and the Azure
 * one (Azurite). Compare-and-set like the connector records, beside them without touching them, and several
 * FleetRateBudget instances (as separate Lambdas or Function App instances would hold) never grant more between
 * them than the bucket's size plus its rate.
 */
const TABLE = 'connectorreloaderstate';

let dynamo: DynaliteServer;
let dynamoClient: DynamoDBClient;
let azurite: AzuriteTable;
const stores: Record<string, RateBucketStore> = { memory: new MemoryRateBucketStore() };
let bucketCounter = 0;

beforeAll(async () => {
  dynamo = await startDynalite({ createTableMs: 0 });
  dynamoClient = new DynamoDBClient({
    region: 'us-east-1',
    endpoint: dynamo.endpoint,
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-only' },
  });
  await createStateTable(dynamoClient, TABLE);
  stores.dynamodb = new DynamoDbRateBucketStore({ client: dynamoClient, tableName: TABLE });
  azurite = await startAzuriteTable();
  const table = TableClient.fromConnectionString(azurite.connectionString, TABLE, { allowInsecureConnection: true });
  await new AzureTableStateStore(table).ensureTable();
  stores['azure-table'] = new AzureTableRateBucketStore(table);
}, 60_000);

afterAll(async () => {
  dynamoClient?.destroy();
  await Promise.all([dynamo?.close(), azurite?.close()]);
});

const name = () => `confluent-test-${++bucketCounter}`;

describe.each(['memory', 'dynamodb', 'azure-table'])('rate buckets on %s', (kind) => {
  const store = () => stores[kind] as RateBucketStore;

  it('compare-and-sets: reads null first, writes once per etag, keeps fractions and epoch ms exactly', async () => {
    // Prepare
    const bucket = name();
    const refilledAt = Date.parse('2026-12-01T12:00:00.123Z');

    // Act
    const before = await store().read(bucket);
    const created = await store().write(bucket, { tokens: 4.25, refilledAt }, null);
    const createdAgain = await store().write(bucket, { tokens: 1, refilledAt }, null);
    const read = await store().read(bucket);
    const replaced = await store().write(bucket, { tokens: 3.5, refilledAt: refilledAt + 1 }, read?.etag ?? null);
    const stale = await store().write(bucket, { tokens: 9, refilledAt }, read?.etag ?? null);
    const byReturnedEtag = await store().write(bucket, { tokens: 2, refilledAt: refilledAt + 2 }, replaced);

    // Assess
    expect(before).toBeNull();
    expect([created, replaced, byReturnedEtag].every((etag) => typeof etag === 'string' && etag !== '')).toBe(true);
    expect([createdAgain, stale]).toEqual([null, null]);
    expect(created).toBe(read?.etag);
    expect(read?.bucket).toEqual({ tokens: 4.25, refilledAt });
    expect((await store().read(bucket))?.bucket).toEqual({ tokens: 2, refilledAt: refilledAt + 2 });
  });

  it('never grants more across four instances taking at once than the bucket size plus its rate', async () => {
    // Prepare: four instances of one fleet, 10 tokens a second and a bucket of 5, asking in batches of 3.
    const bucket = name();
    const instances = Array.from(
      { length: 4 },
      () =>
        new FleetRateBudget({
          store: store(),
          name: bucket,
          requestsPerSecond: 10,
          burst: 5,
          clock: systemClock,
          logger: silentLogger,
        }),
    );
    const started = Date.now();
    let granted = 0;

    // Act
    await Promise.all(
      instances.map(async (instance) => {
        while (Date.now() - started < 1_500) {
          const take = await instance.take(3);
          granted += take.granted;
          await new Promise((resolve) => setTimeout(resolve, take.granted > 0 ? 5 : take.retryAfterMs));
        }
      }),
    );
    const elapsedS = (Date.now() - started) / 1000;

    // Assess
    expect(granted).toBeLessThanOrEqual(5 + Math.ceil(10 * elapsedS));
    expect(granted).toBeGreaterThanOrEqual(5 + Math.floor(10 * 1.2));
  });
});

describe('FleetRateBudget', () => {
  it('refills by the time elapsed, up to the bucket size, and says how long until the next token', async () => {
    // Prepare
    const clock = new FakeClock(0);
    const budget = new FleetRateBudget({
      store: new MemoryRateBucketStore(),
      name: 'confluent',
      requestsPerSecond: 4,
      burst: 2,
      clock,
      logger: silentLogger,
    });

    // Act
    const first = await budget.take(5);
    const empty = await budget.take(1);
    clock.advance(500);
    const refilled = await budget.take(5);
    clock.advance(60_000);
    const capped = await budget.take(5);

    // Assess
    expect(first).toEqual({ granted: 2, retryAfterMs: 0 });
    expect(empty).toEqual({ granted: 0, retryAfterMs: 250 });
    expect(refilled.granted).toBe(2);
    expect(capped.granted).toBe(2);
  });

  it('needs one write per take while no other instance writes, and reads again after losing a race', async () => {
    // Prepare
    const clock = new FakeClock(0);
    const store = new MemoryRateBucketStore();
    const ops: string[] = [];
    const counted: RateBucketStore = {
      read: (bucket) => {
        ops.push('read');
        return store.read(bucket);
      },
      write: (bucket, value, etag) => {
        ops.push('write');
        return store.write(bucket, value, etag);
      },
    };
    const options = { name: 'confluent', requestsPerSecond: 100, burst: 10, clock, logger: silentLogger };
    const alone = new FleetRateBudget({ ...options, store: counted });
    const other = new FleetRateBudget({ ...options, store });

    // Act
    await alone.take(1);
    await alone.take(1);
    await alone.take(1);
    const beforeRace = [...ops];
    await other.take(1);
    await alone.take(1);

    // Assess
    expect(beforeRace).toEqual(['read', 'write', 'write', 'write']);
    expect(ops.slice(beforeRace.length)).toEqual(['write', 'read', 'write']);
  });

  it('fails open when the store is down, with one warning: each process still holds its own limits', async () => {
    // Prepare
    const warnings: string[] = [];
    const down: RateBucketStore = {
      read: async () => {
        throw new Error('DynamoDB GetItem on state for rate bucket confluent failed: ServiceUnavailable');
      },
      write: async () => null,
    };
    const budget = new FleetRateBudget({
      store: down,
      name: 'confluent',
      requestsPerSecond: 4,
      burst: 2,
      clock: new FakeClock(0),
      logger: { ...silentLogger, warn: (message) => warnings.push(message) },
    });

    // Act
    const takes = [await budget.take(3), await budget.take(1)];

    // Assess
    expect(takes).toEqual([
      { granted: 3, retryAfterMs: 0 },
      { granted: 1, retryAfterMs: 0 },
    ]);
    expect(warnings).toEqual(['fleet-wide Confluent rate budget unavailable: this process holds its own limits only']);
  });

  it('leaves the connector records alone: a bucket is an item of its own in the state table', async () => {
    // Prepare
    const records = new DynamoDbStateStore({ client: dynamoClient, tableName: TABLE });
    const buckets = stores.dynamodb as RateBucketStore;

    // Act
    await buckets.write('env-x/lkc-y/z', { tokens: 1, refilledAt: 1 }, null);

    // Assess: the bucket's key is not the connector's.
    expect(await records.read('env-x/lkc-y/z')).toBeNull();
  });
});
