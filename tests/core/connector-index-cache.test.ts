import { ConnectorIndexCache } from '#core/connector-index-cache';
import { ConnectorLeases } from '#core/connector-lease';
import type { SecretRotated } from '#core/events';
import { type SecretSnapshot, type SecretSource, silentLogger } from '#core/ports';
import { ReloadAfterRotation } from '#core/reload-after-rotation';
import { parseSecretRef } from '#core/secret-ref';
import { emptyTargetMapping } from '#core/target-mapping';
import { TargetResolver } from '#core/target-resolver';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';
import { FakePlatform } from '#test-helpers/fake-platform';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const SECRET = parseSecretRef(ARN);
const AWS1 = { environmentId: 'env-p1', clusterId: 'lkc-aws1', cloud: 'aws' };
const AWS2 = { environmentId: 'env-p1', clusterId: 'lkc-aws2', cloud: 'aws' };
const ORDERS = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-cdc' };
const BILLING = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'billing-cdc' };
const DATAGEN = { environmentId: 'env-p1', clusterId: 'lkc-aws2', name: 'datagen' };
const INTEGRATED = { 'secret.manager.provider.integration.id': 'cspi-aws1' };
const TTL_MS = 60_000;

function setup(ttlMs = TTL_MS) {
  const clock = new FakeClock();
  const platform = new FakePlatform()
    .addCluster(AWS1)
    .addCluster(AWS2)
    .addConnector(ORDERS, { ...INTEGRATED, 'database.password': ARN })
    .addConnector(BILLING, { ...INTEGRATED, 'database.password': ARN })
    .addConnector(DATAGEN, { quickstart: 'ORDERS' });
  const cache = new ConnectorIndexCache(platform, { ttlMs, clock });
  return { clock, platform, cache };
}

const listCalls = (platform: FakePlatform) => platform.calls.filter((call) => call.startsWith('list'));

describe('ConnectorIndexCache', () => {
  it('passes a request to describe clusters through, never caching it', async () => {
    // Prepare
    const { platform, cache } = setup();
    await cache.listClusters();

    // Act
    await cache.listClusters({ describe: true });
    await cache.listClusters({ describe: true });
    await cache.listClusters();

    // Assess
    expect(listCalls(platform)).toEqual(['listClusters', 'listClusters describe', 'listClusters describe']);
  });

  it('answers listings from the cache within the TTL and lists again after it', async () => {
    // Prepare
    const { clock, platform, cache } = setup();
    await cache.listClusters();
    await cache.listConnectors(AWS1);

    // Act
    clock.advance(TTL_MS - 1);
    const cached = await cache.listConnectors(AWS1);
    await cache.listClusters();
    clock.advance(1);
    await cache.listConnectors(AWS1);
    await cache.listClusters();

    // Assess
    expect(cached.map((snapshot) => snapshot.ref.name)).toEqual(['orders-cdc', 'billing-cdc']);
    expect(listCalls(platform)).toEqual([
      'listClusters',
      'listConnectors env-p1/lkc-aws1',
      'listConnectors env-p1/lkc-aws1',
      'listClusters',
    ]);
  });

  it('stamps every snapshot with the time its listing was requested', async () => {
    // Prepare
    const { clock, cache } = setup();
    const requestedAt = clock.now().getTime();

    // Act
    clock.advance(5_000);
    const [first] = await cache.listConnectors(AWS1);

    // Assess
    expect(first?.listedAt).toBe(requestedAt + 5_000);
  });

  it('shares one in-flight listing between concurrent callers, even with caching off', async () => {
    // Prepare
    const { platform, cache } = setup(0);

    // Act
    await Promise.all([
      cache.listConnectors(AWS1),
      cache.listConnectors(AWS1),
      cache.listClusters(),
      cache.listClusters(),
    ]);
    await cache.listConnectors(AWS1);

    // Assess
    expect(listCalls(platform)).toEqual([
      'listConnectors env-p1/lkc-aws1',
      'listClusters',
      'listConnectors env-p1/lkc-aws1',
    ]);
  });

  it('serves freshSince only from a listing requested at or after that time', async () => {
    // Prepare
    const { clock, platform, cache } = setup();
    await cache.listConnectors(AWS1);
    const sameTime = clock.now().getTime();

    // Act
    await cache.listConnectors(AWS1, { freshSince: sameTime });
    clock.advance(10);
    await cache.listConnectors(AWS1, { freshSince: clock.now().getTime() });

    // Assess
    expect(listCalls(platform)).toEqual(['listConnectors env-p1/lkc-aws1', 'listConnectors env-p1/lkc-aws1']);
  });

  it('queues one follow-up listing for every caller that needs newer state than the one in flight', async () => {
    // Prepare
    const { clock, platform, cache } = setup();
    const inFlight = cache.listConnectors(AWS1);
    clock.advance(10);
    const freshSince = clock.now().getTime();

    // Act
    const [a, b] = await Promise.all([
      cache.listConnectors(AWS1, { freshSince }),
      cache.listConnectors(AWS1, { freshSince }),
      inFlight,
    ]);

    // Assess
    expect(listCalls(platform)).toEqual(['listConnectors env-p1/lkc-aws1', 'listConnectors env-p1/lkc-aws1']);
    expect(a?.[0]?.listedAt).toBeGreaterThanOrEqual(freshSince);
    expect(b).toBe(a);
  });

  it('does not remember a failed listing', async () => {
    // Prepare
    const { platform, cache } = setup();
    const listConnectors = platform.listConnectors.bind(platform);
    platform.listConnectors = () => Promise.reject(new Error('503'));
    await expect(cache.listConnectors(AWS1)).rejects.toThrow('503');
    platform.listConnectors = listConnectors;

    // Act
    const listed = await cache.listConnectors(AWS1);

    // Assess
    expect(listed).toHaveLength(2);
  });

  it('passes status reads and restarts straight through', async () => {
    // Prepare
    const { platform, cache } = setup();

    // Act
    await cache.restart(ORDERS);
    await cache.getStatus(ORDERS);
    await cache.getStatus(ORDERS);

    // Assess
    expect(platform.calls).toEqual([
      'restart env-p1/lkc-aws1/orders-cdc',
      'getStatus env-p1/lkc-aws1/orders-cdc',
      'getStatus env-p1/lkc-aws1/orders-cdc',
    ]);
  });
});

describe('ConnectorIndexCache behind the target resolver', () => {
  class CurrentSecret implements SecretSource {
    constructor(private readonly clock: FakeClock) {}
    async describe(): Promise<SecretSnapshot> {
      return { secret: SECRET, currentVersion: null, currentSince: this.clock.now(), pendingVersions: [], tags: {} };
    }
  }

  function reloader(ttlMs = TTL_MS, tags: Record<string, string> = {}) {
    const { clock, platform, cache } = setup(ttlMs);
    const resolver = new TargetResolver(cache, emptyTargetMapping, {
      tagKey: 'confluent-connectors',
      configScan: true,
      sameCloudOnly: true,
      clock,
    });
    const secrets = new CurrentSecret(clock);
    const useCase = new ReloadAfterRotation(
      {
        secrets: { describe: async () => ({ ...(await secrets.describe()), tags }) },
        platform,
        resolver,
        leases: new ConnectorLeases(new MemoryStateStore(), clock, {
          owner: 'test',
          lockTtlMs: 600_000,
          retentionMs: 86_400_000,
        }),
        clock,
        logger: silentLogger,
      },
      {
        dryRun: false,
        restartConcurrency: 4,
        exclusions: [],
        verify: { timeoutMs: 60_000, pollIntervalMs: 1_000, settleMs: 0 },
      },
    );
    const rotated = (eventId: string): SecretRotated => ({
      kind: 'secret-rotated',
      secret: SECRET,
      version: null,
      source: 'test',
      eventId,
    });
    return { clock, platform, resolver, useCase, rotated };
  }

  it('lists each cluster once on a cold resolution: no second read of a listing made during it', async () => {
    // Prepare
    const { platform, resolver } = reloader();

    // Act
    const resolved = await resolver.resolve(SECRET, {});

    // Assess
    expect(resolved.candidates.map((candidate) => candidate.connector.name)).toEqual(['orders-cdc', 'billing-cdc']);
    expect(listCalls(platform)).toEqual([
      'listClusters',
      'listConnectors env-p1/lkc-aws1',
      'listConnectors env-p1/lkc-aws2',
    ]);
  });

  it('never restarts a connector paused after its listing was cached: its cluster is read again', async () => {
    // Prepare
    const { clock, platform, useCase, rotated } = reloader();
    await useCase.execute(rotated('evt-1'));
    platform.calls.length = 0;
    clock.advance(1_000);
    platform.addConnector(ORDERS, { ...INTEGRATED, 'database.password': ARN }, 'PAUSED');

    // Act
    const report = await useCase.execute(rotated('evt-2'));

    // Assess
    const orders = report.outcomes.find((outcome) => outcome.connector.name === 'orders-cdc');
    expect(orders).toMatchObject({ result: 'skipped', reason: 'paused' });
    expect(platform.calls).not.toContain('restart env-p1/lkc-aws1/orders-cdc');
    // Warm: discovery and the cluster without candidates come from the cache; only lkc-aws1 is listed again.
    expect(listCalls(platform)).toEqual(['listConnectors env-p1/lkc-aws1']);
  });

  it('finds a tagged connector created after its cluster listing was cached', async () => {
    // Prepare
    const { clock, platform, resolver } = reloader();
    await resolver.resolve(SECRET, {});
    clock.advance(1_000);
    const created = { environmentId: 'env-p1', clusterId: 'lkc-aws2', name: 'new-sink' };
    platform.addConnector(created, {});

    // Act
    const resolved = await resolver.resolve(SECRET, { 'confluent-connectors': 'env-p1/lkc-aws2/new-sink' });

    // Assess
    const candidate = resolved.candidates.find((c) => c.connector.name === 'new-sink');
    expect(candidate?.snapshot?.status.state).toBe('RUNNING');
  });

  it('lists everything again on every rotation when the TTL is 0', async () => {
    // Prepare
    const { clock, platform, resolver } = reloader(0);
    await resolver.resolve(SECRET, {});
    platform.calls.length = 0;
    clock.advance(1);

    // Act
    await resolver.resolve(SECRET, {});

    // Assess
    expect(listCalls(platform)).toEqual([
      'listClusters',
      'listConnectors env-p1/lkc-aws1',
      'listConnectors env-p1/lkc-aws2',
    ]);
  });
});

describe('ConnectorIndexCache after a failed call', () => {
  /** Fails each kind of listing once, then answers as the fake platform does. */
  class FailingOnce extends FakePlatform {
    private clustersFailed = false;
    private connectorsFailed = false;
    override async listClusters() {
      if (!this.clustersFailed) {
        this.clustersFailed = true;
        throw new Error('discovery failed');
      }
      return super.listClusters();
    }
    override async listConnectors(cluster: { environmentId: string; clusterId: string }) {
      if (!this.connectorsFailed) {
        this.connectorsFailed = true;
        throw new Error('listing failed');
      }
      return super.listConnectors(cluster);
    }
  }

  it('does not remember a failed discovery or listing: the next call asks again', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = new FailingOnce().addCluster(AWS1).addConnector(ORDERS, { 'database.password': ARN });
    const cache = new ConnectorIndexCache(platform, { ttlMs: TTL_MS, clock });
    await expect(cache.listClusters()).rejects.toThrow('discovery failed');
    await expect(cache.listConnectors(AWS1)).rejects.toThrow('listing failed');

    // Act
    const clusters = await cache.listClusters();
    const connectors = await cache.listConnectors(AWS1);

    // Assess
    expect(clusters).toEqual([AWS1]);
    expect(connectors.map((snapshot) => snapshot.ref.name)).toEqual(['orders-cdc']);
  });
});
