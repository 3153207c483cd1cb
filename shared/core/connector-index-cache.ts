import type { ClusterScope, ConnectorSnapshot, ConnectorStatus } from './connector';
import { type ClusterRef, type ConnectorRef, clusterKey } from './connector-ref';
import type {
  Clock,
  ConnectorPlatform,
  ListClustersOptions,
  ListConnectorsOptions,
  RestartMethod,
  RestartOptions,
} from './ports';

/**
 * A ConnectorPlatform decorator that remembers the cluster list and each cluster's connector listing for a TTL, so a
 * burst of rotations lists each cluster once instead of once per event. Only the target resolver uses it: status
 * reads, restarts and failure recovery always go to the platform.
 *
 * Staleness: a cached listing can miss a connector paused (or reconfigured) since. Every snapshot it hands out is
 * stamped with `listedAt`, and a caller that acts on state asks again with `freshSince` (target-resolver.ts): that
 * answer is always a listing requested at or after that time, so a cached state never decides a restart.
 */
export interface ConnectorIndexCacheOptions {
  /** How long a listing answers for later events; 0 turns caching off (in-flight listings are still shared). */
  readonly ttlMs: number;
  readonly clock: Clock;
}

interface Listing {
  /** Epoch ms when the listing was requested: the state it returns is no older than this. */
  readonly requestedAt: number;
  readonly result: Promise<ConnectorSnapshot[]>;
  settled: boolean;
}

interface ClusterEntry {
  latest?: Listing;
  /** A listing queued behind `latest` (still in flight), shared by every caller that needs newer state. */
  next?: Promise<ConnectorSnapshot[]>;
}

export class ConnectorIndexCache implements ConnectorPlatform {
  private clusters?: { readonly requestedAt: number; readonly result: Promise<ClusterScope[]>; settled: boolean };
  private readonly listings = new Map<string, ClusterEntry>();

  constructor(
    private readonly platform: ConnectorPlatform,
    private readonly options: ConnectorIndexCacheOptions,
  ) {}

  listClusters(options: ListClustersOptions = {}): Promise<ClusterScope[]> {
    // A description (cmk/v2 about named clusters) is for people checking the set-up: always asked afresh.
    if (options.describe) return this.platform.listClusters(options);
    const now = this.now();
    const cached = this.clusters;
    if (cached && (!cached.settled || now - cached.requestedAt < this.options.ttlMs)) return cached.result;
    const result = this.platform.listClusters();
    const entry = { requestedAt: now, result, settled: false };
    this.clusters = entry;
    result.then(
      () => {
        entry.settled = true;
      },
      () => {
        // A failed discovery is not remembered: the next event asks again.
        entry.settled = true;
        if (this.clusters === entry) this.clusters = undefined;
      },
    );
    return result;
  }

  listConnectors(cluster: ClusterRef, options: ListConnectorsOptions = {}): Promise<ConnectorSnapshot[]> {
    const key = clusterKey(cluster);
    const entry = this.listings.get(key) ?? {};
    this.listings.set(key, entry);
    const latest = entry.latest;
    if (options.freshSince !== undefined) {
      if (latest && latest.requestedAt >= options.freshSince) return latest.result;
      // Newer state is needed. While a listing is in flight, one follow-up serves every caller waiting for it.
      if (latest && !latest.settled) {
        entry.next ??= latest.result
          .catch(() => undefined)
          .then(() => {
            entry.next = undefined;
            return this.fetch(cluster, entry).result;
          });
        return entry.next;
      }
      return this.fetch(cluster, entry).result;
    }
    if (latest && (!latest.settled || this.now() - latest.requestedAt < this.options.ttlMs)) return latest.result;
    return this.fetch(cluster, entry).result;
  }

  getStatus(connector: ConnectorRef): Promise<ConnectorStatus> {
    return this.platform.getStatus(connector);
  }

  restart(connector: ConnectorRef, options?: RestartOptions): Promise<{ method: RestartMethod }> {
    return this.platform.restart(connector, options);
  }

  resume(connector: ConnectorRef): Promise<void> {
    return this.platform.resume(connector);
  }

  private fetch(cluster: ClusterRef, entry: ClusterEntry): Listing {
    const requestedAt = this.now();
    const result = this.platform
      .listConnectors(cluster)
      .then((snapshots) => snapshots.map((snapshot) => ({ ...snapshot, listedAt: requestedAt })));
    const listing: Listing = { requestedAt, result, settled: false };
    entry.latest = listing;
    result.then(
      () => {
        listing.settled = true;
      },
      () => {
        listing.settled = true;
        if (entry.latest === listing) entry.latest = undefined;
      },
    );
    return listing;
  }

  private now(): number {
    return this.options.clock.now().getTime();
  }
}
