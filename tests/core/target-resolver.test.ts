import type { ConnectorSnapshot } from '#core/connector';
import type { ClusterRef, ConnectorRef } from '#core/connector-ref';
import type { ConnectorPlatform, ListConnectorsOptions } from '#core/ports';
import { parseSecretRef } from '#core/secret-ref';
import { emptyTargetMapping } from '#core/target-mapping';
import { TargetResolver, type TargetResolverOptions } from '#core/target-resolver';
import { FakeClock } from '#test-helpers/fake-clock';
import { FakePlatform, status } from '#test-helpers/fake-platform';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const SECRET = parseSecretRef(ARN);
const ORDERS = { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'orders-cdc' };
const AZURE_TWIN = { environmentId: 'env-p1', clusterId: 'lkc-az1', name: 'orders-azure' };
const OPTIONS: TargetResolverOptions = { tagKey: 'connectors', configScan: true, sameCloudOnly: true };

function platform() {
  return new FakePlatform()
    .addCluster({ environmentId: 'env-p1', clusterId: 'lkc-aws1', cloud: 'aws' })
    .addCluster({ environmentId: 'env-p1', clusterId: 'lkc-az1', cloud: 'azure' })
    .addConnector(ORDERS, { 'database.password': ARN, 'database.user': 'app' })
    .addConnector(AZURE_TWIN, { 'database.password': ARN });
}

describe('TargetResolver', () => {
  it('records which config keys reference the secret, and reports the other-cloud clusters it did not scan', async () => {
    // Prepare
    const resolver = new TargetResolver(platform(), emptyTargetMapping, OPTIONS);

    // Act
    const resolved = await resolver.resolve(SECRET, {});

    // Assess
    expect(resolved.candidates).toEqual([
      expect.objectContaining({
        connector: ORDERS,
        sources: ['config-scan'],
        referencingKeys: ['database.password'],
        cloud: 'aws',
      }),
    ]);
    expect(resolved.notes).toContain('1 cluster(s) on another cloud than the secret were not scanned');
  });

  it('scans every cluster when not limited to the same cloud, and then takes no candidate for another cloud', async () => {
    // Prepare
    const resolver = new TargetResolver(platform(), emptyTargetMapping, { ...OPTIONS, sameCloudOnly: false });

    // Act
    const resolved = await resolver.resolve(SECRET, {});

    // Assess
    expect(resolved.candidates.map((c) => c.connector.name).sort()).toEqual(['orders-azure', 'orders-cdc']);
    expect(resolved.candidates.some((c) => resolver.isOtherCloud(c, SECRET))).toBe(false);
    expect(resolved.notes.filter((note) => note.includes('another cloud'))).toEqual([]);
  });

  it('without the config scan, lists only the clusters that tags name, and says when nothing references the secret', async () => {
    // Prepare
    const fake = platform();
    const resolver = new TargetResolver(fake, emptyTargetMapping, { ...OPTIONS, configScan: false });

    // Act
    const none = await resolver.resolve(SECRET, {});
    const tagged = await resolver.resolve(SECRET, { connectors: 'env-p1/lkc-az1/orders-azure, not-a-ref' });

    // Assess
    expect(none).toEqual({ candidates: [], clustersListed: 0, notes: [`no connector references ${ARN}`] });
    expect(tagged.candidates).toEqual([
      expect.objectContaining({ connector: AZURE_TWIN, sources: ['secret-tag'], referencingKeys: [], cloud: 'azure' }),
    ]);
    expect(tagged.notes).toEqual(['tag connectors: expected "env-id/lkc-id/connector-name", got "not-a-ref"']);
    expect(resolver.isOtherCloud(tagged.candidates[0] as never, SECRET)).toBe(true);
  });

  it('gives a named connector its cluster has not got no snapshot and no keys', async () => {
    // Prepare
    const resolver = new TargetResolver(platform(), emptyTargetMapping, OPTIONS);

    // Act
    const resolved = await resolver.resolve(SECRET, { connectors: 'env-p1/lkc-aws1/gone' });

    // Assess
    expect(resolved.candidates).toContainEqual({
      connector: { environmentId: 'env-p1', clusterId: 'lkc-aws1', name: 'gone' },
      sources: ['secret-tag'],
      referencingKeys: [],
    });
  });
});

/** A platform whose listings come from a cache that was filled before the resolution started. */
class CachedListings implements ConnectorPlatform {
  readonly listings: string[] = [];
  constructor(
    private readonly clock: FakeClock,
    private readonly listedAgo: number,
  ) {}
  async listClusters() {
    return [{ environmentId: 'env-p1', clusterId: 'lkc-aws1', cloud: 'aws' }];
  }
  async listConnectors(cluster: ClusterRef, options: ListConnectorsOptions = {}): Promise<ConnectorSnapshot[]> {
    this.listings.push(options.freshSince === undefined ? 'cached' : `fresh since ${options.freshSince}`);
    const now = this.clock.now().getTime();
    const fresh = options.freshSince !== undefined;
    const ref: ConnectorRef = { ...cluster, name: 'orders-cdc' };
    return [
      {
        ref,
        config: { 'database.password': ARN },
        status: status(fresh ? 'PAUSED' : 'RUNNING'),
        listedAt: fresh ? now : now - this.listedAgo,
      },
    ];
  }
  async getStatus() {
    return status('RUNNING');
  }
  async restart() {
    return { method: 'restart' as const };
  }
  async resume() {}
}

describe('TargetResolver with cached listings', () => {
  it('reads a cluster again when a candidate comes from a listing older than the resolution', async () => {
    // Prepare
    const clock = new FakeClock();
    const cached = new CachedListings(clock, 1);
    const resolver = new TargetResolver(cached, emptyTargetMapping, { ...OPTIONS, clock });

    // Act
    const resolved = await resolver.resolve(SECRET, {});

    // Assess
    expect(cached.listings).toEqual(['cached', `fresh since ${clock.now().getTime()}`]);
    expect(resolved.candidates[0]?.snapshot?.status.state).toBe('PAUSED');
  });

  it('reuses a listing requested during the resolution as it is', async () => {
    // Prepare
    const clock = new FakeClock();
    const cached = new CachedListings(clock, 0);
    const resolver = new TargetResolver(cached, emptyTargetMapping, { ...OPTIONS, clock });

    // Act
    const resolved = await resolver.resolve(SECRET, {});

    // Assess
    expect(cached.listings).toEqual(['cached']);
    expect(resolved.candidates[0]?.snapshot?.status.state).toBe('RUNNING');
  });
});
