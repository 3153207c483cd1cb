import type { ClusterScope, ConnectorSnapshot } from '../shared/core/connector';
import { type ClusterRef, clusterKey } from '../shared/core/connector-ref';
import type { ConnectorPlatform, RestartMethod } from '../shared/core/ports';
import { parseSecretRef } from '../shared/core/secret-ref';
import { emptyTargetMapping } from '../shared/core/target-mapping';
import { TargetResolver } from '../shared/core/target-resolver';
import { benchEstate, secretArn, spreadIndices } from './lib/bench-estate';
import { type Figure, figure, median } from './lib/figures';

/** §5 Scale: CPU time of target resolution (the config scan) over 100,000 connectors already listed in memory. */
const SECTION = '§5 Scale';
const CLUSTERS = 100;
const PER_CLUSTER = 1000;
const RUNS = 7;

/** Listings held in memory: the scan is measured, not the network. */
class ListedPlatform implements ConnectorPlatform {
  constructor(
    private readonly clusters: ClusterScope[],
    private readonly listings: Map<string, ConnectorSnapshot[]>,
  ) {}
  async listClusters(): Promise<ClusterScope[]> {
    return this.clusters;
  }
  async listConnectors(cluster: ClusterRef): Promise<ConnectorSnapshot[]> {
    return this.listings.get(clusterKey(cluster)) ?? [];
  }
  getStatus(): never {
    throw new Error('not used');
  }
  restart(): Promise<{ method: RestartMethod }> {
    throw new Error('not used');
  }
  resume(): Promise<void> {
    throw new Error('not used');
  }
}

export async function scale(): Promise<Figure[]> {
  const arn = secretArn('prod/orders-db');
  const indices = spreadIndices(25, 5, PER_CLUSTER);
  const estate = benchEstate({
    clusters: CLUSTERS,
    connectorsPerCluster: PER_CLUSTER,
    references: new Map(indices.map((i) => [i, arn])),
  });
  const clusters: ClusterScope[] = estate.clusters.map((c) => ({
    environmentId: c.environmentId,
    clusterId: c.id,
    cloud: 'aws',
  }));
  const listings = new Map<string, ConnectorSnapshot[]>();
  for (const c of estate.connectors) {
    const key = `${c.environmentId}/${c.clusterId}`;
    const list = listings.get(key) ?? [];
    list.push({
      ref: { environmentId: c.environmentId, clusterId: c.clusterId, name: c.name },
      config: c.config,
      status: { state: 'RUNNING', tasks: [{ id: 0, state: 'RUNNING' }] },
    });
    listings.set(key, list);
  }
  const resolver = new TargetResolver(new ListedPlatform(clusters, listings), emptyTargetMapping, {
    tagKey: 'confluent-connectors',
    configScan: true,
    sameCloudOnly: true,
  });
  const secret = parseSecretRef(arn);
  const cpuMs: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const before = process.cpuUsage();
    const resolved = await resolver.resolve(secret, {});
    const used = process.cpuUsage(before);
    if (resolved.candidates.length !== 25) throw new Error(`expected 25 targets, got ${resolved.candidates.length}`);
    cpuMs.push((used.user + used.system) / 1000);
  }
  const ms = Math.round(median(cpuMs) * 10) / 10;
  return [
    figure(
      SECTION,
      'target resolution over 100,000 connectors (CPU)',
      ms,
      'ms',
      { goal: '≤ 200 ms', pass: ms <= 200 },
      `median of ${RUNS}, first run included; ${Math.round(Math.max(...cpuMs))} ms max`,
    ),
  ];
}
