import { ConfluentClient } from '#confluent/confluent-client';
import { ConfluentHttp } from '#confluent/confluent-http';
import { StaticCredentials } from '#confluent/static-credentials';
import type { ClusterScope, ConnectorSnapshot } from '#core/connector';
import { type ClusterRef, clusterKey } from '#core/connector-ref';
import type { ConnectorPlatform, RestartMethod } from '#core/ports';
import { parseSecretRef } from '#core/secret-ref';
import { emptyTargetMapping } from '#core/target-mapping';
import { TargetResolver } from '#core/target-resolver';
import { benchEstate, secretArn, spreadIndices } from './lib/bench-estate';
import { type Figure, figure, median } from './lib/figures';

/**
 * §5 Scale: CPU time of target resolution (the config scan) over 100,000 connectors already listed in memory, as a
 * ratio to parsing the same listings in the same run: the 100 list bodies as Confluent sends them, through the
 * client's own path (fetch body → JSON → schema check → snapshots), from memory. An absolute time is not stable on
 * these machines (the same code measured 169 ms and 399 ms on two runs); the ratio says what the scan costs next to
 * the work every rotation does anyway.
 */
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
  const parseMs = await parseListingsCpuMs(estate.clusters, listings);
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
  const parse = Math.round(median(parseMs) * 10) / 10;
  const ratio = Math.round((median(cpuMs) / median(parseMs)) * 100) / 100;
  return [
    figure(
      SECTION,
      'target resolution over 100,000 connectors vs parsing their listings (CPU)',
      ratio,
      '×',
      { goal: '≤ 0.25×', pass: ratio <= 0.25 },
      `resolution ${ms} ms, parsing ${parse} ms: medians of ${RUNS}, first runs included`,
    ),
    figure(
      SECTION,
      'target resolution over 100,000 connectors (CPU)',
      ms,
      'ms',
      undefined,
      `median of ${RUNS}; ${Math.round(Math.max(...cpuMs))} ms max; absolute, so not stable across runs`,
    ),
  ];
}

/** The connect/v1 list body (`?expand=id,info,status`) of one cluster's connectors, as Confluent sends it. */
function listingBody(snapshots: readonly ConnectorSnapshot[]): string {
  const body: Record<string, unknown> = {};
  for (const snapshot of snapshots) {
    body[snapshot.ref.name] = {
      id: { id: `lcc-${snapshot.ref.name}`, id_type: 'ID' },
      info: { name: snapshot.ref.name, config: snapshot.config, type: 'sink' },
      status: {
        name: snapshot.ref.name,
        connector: { state: snapshot.status.state, worker_id: snapshot.ref.name, trace: '' },
        tasks: snapshot.status.tasks.map((task) => ({ id: task.id, state: task.state, worker_id: snapshot.ref.name })),
        type: 'sink',
      },
    };
  }
  return JSON.stringify(body);
}

/** CPU ms of the client parsing every cluster's listing (bodies served from memory: no socket, no gate wait). */
async function parseListingsCpuMs(
  clusters: readonly { readonly environmentId: string; readonly id: string }[],
  listings: ReadonlyMap<string, ConnectorSnapshot[]>,
): Promise<number[]> {
  const bodies = new Map<string, string>();
  for (const [key, snapshots] of listings) bodies.set(key, listingBody(snapshots));
  const http = new ConfluentHttp({
    credentials: new StaticCredentials('bench', 'bench'),
    baseUrl: 'https://api.confluent.invalid',
    gate: { maxConcurrent: 1, requestsPerSecond: Number.POSITIVE_INFINITY },
    fetch: async (input) => {
      const match = /environments\/([^/]+)\/clusters\/([^/]+)\/connectors/.exec(String(input));
      return new Response(bodies.get(`${match?.[1]}/${match?.[2]}`) ?? '{}', { status: 200 });
    },
  });
  const client = new ConfluentClient(http);
  const runs: number[] = [];
  for (let run = 0; run < RUNS; run += 1) {
    const before = process.cpuUsage();
    let parsed = 0;
    for (const cluster of clusters) parsed += (await client.listConnectors(cluster.environmentId, cluster.id)).length;
    const used = process.cpuUsage(before);
    if (parsed !== CLUSTERS * PER_CLUSTER)
      throw new Error(`parsed ${parsed} connectors, not ${CLUSTERS * PER_CLUSTER}`);
    runs.push((used.user + used.system) / 1000);
  }
  return runs;
}
