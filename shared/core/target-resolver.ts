import type { ClusterScope, ConnectorSnapshot } from './connector';
import { type ClusterRef, type ConnectorRef, clusterKey, connectorKey } from './connector-ref';
import { type Clock, type ConnectorPlatform, systemClock } from './ports';
import type { TargetSource } from './reload-plan';
import { canonicalSecretId, type SecretRef } from './secret-ref';
import {
  PROVIDER_INTEGRATION_KEY,
  pinnedVersions,
  providerIntegrationOf,
  referencingKeys,
  type SecretReferenceMatcher,
  secretReferenceMatcher,
} from './secret-reference-matcher';
import { connectorsFromTags } from './secret-tags';
import type { TargetMapping, TargetMappingSource } from './target-mapping';

/**
 * The one place that answers "which connectors does this secret affect?": the union, de-duplicated, of the
 * secret's tag, the configured mapping, and a scan of connector configs in scope.
 */
export interface TargetResolverOptions {
  readonly tagKey: string;
  readonly configScan: boolean;
  /** Only match a secret to clusters on the secret's own cloud. */
  readonly sameCloudOnly: boolean;
  /**
   * The config scan restarts only connectors whose config names a provider integration
   * (`secret.manager.provider.integration.id`); the others hold the reference as plain text and are reported as
   * `plain-config`. Tags and the mapping file are explicit and always count. Default true.
   */
  readonly requireProviderIntegration?: boolean;
  /** Dates the start of a resolution, against which cached listings are judged (connector-index-cache.ts). */
  readonly clock?: Clock;
}

export interface Candidate {
  readonly connector: ConnectorRef;
  readonly sources: TargetSource[];
  /** Absent when a tag or mapping names a connector its cluster does not have. */
  readonly snapshot?: ConnectorSnapshot;
  /** Config keys that reference the secret (config scan only). */
  readonly referencingKeys: string[];
  /** The cloud the connector's cluster runs on, when known. */
  readonly cloud?: string;
  /**
   * Found by the config scan alone, in a config without a provider integration: Confluent does not resolve the
   * reference, so a restart would not pick up a new version. Never set for a connector a tag or the mapping names.
   */
  readonly plainConfig?: boolean;
  /** Key Vault versions the referencing keys pin (every reference names a version); absent otherwise. */
  readonly pinnedVersions?: readonly string[];
}

export interface ResolvedTargets {
  readonly candidates: Candidate[];
  readonly clustersListed: number;
  readonly notes: string[];
}

export class TargetResolver {
  constructor(
    private readonly platform: ConnectorPlatform,
    private readonly mapping: TargetMapping | TargetMappingSource,
    private readonly options: TargetResolverOptions,
  ) {}

  async resolve(secret: SecretRef, tags: Readonly<Record<string, string>>): Promise<ResolvedTargets> {
    const startedAt = (this.options.clock ?? systemClock).now().getTime();
    const notes: string[] = [];
    const tagged = connectorsFromTags(tags, this.options.tagKey);
    notes.push(...tagged.invalid);
    const named = new Map<string, { connector: ConnectorRef; sources: Set<TargetSource> }>();
    const name = (connector: ConnectorRef, source: TargetSource) => {
      const key = connectorKey(connector);
      const entry = named.get(key) ?? { connector, sources: new Set<TargetSource>() };
      entry.sources.add(source);
      named.set(key, entry);
    };
    for (const connector of tagged.connectors) name(connector, 'secret-tag');
    const mapping = 'targetsFor' in this.mapping ? this.mapping : await this.mapping.load();
    for (const connector of mapping.targetsFor(secret)) name(connector, 'mapping-file');

    const scope = await this.platform.listClusters();
    const scopeByKey = new Map(scope.map((cluster) => [clusterKey(cluster), cluster]));
    const scanned = this.options.configScan ? scope.filter((cluster) => this.onSecretCloud(cluster, secret)) : [];
    if (this.options.configScan && scanned.length < scope.length) {
      notes.push(`${scope.length - scanned.length} cluster(s) on another cloud than the secret were not scanned`);
    }
    // Clusters that tags or the mapping name are listed too (to see the connectors' state), even outside the scope.
    const toList = new Map<string, ClusterRef>(scanned.map((cluster) => [clusterKey(cluster), cluster]));
    for (const { connector } of named.values()) {
      const key = clusterKey(connector);
      if (!toList.has(key)) toList.set(key, scopeByKey.get(key) ?? connector);
    }

    const listings = await Promise.all(
      [...toList.values()].map(async (cluster) => ({
        cluster,
        connectors: await this.platform.listConnectors(cluster),
      })),
    );

    const matcher = secretReferenceMatcher(secret);
    const scannedKeys = new Set(scanned.map(clusterKey));
    let candidates = this.match(listings, scannedKeys, named, matcher, secret);
    // A cached listing may predate a pause: clusters holding candidates are read again, so state that decides a
    // restart is never older than this resolution. A listing requested during it (the cold case) is reused as is.
    const listedAtByCluster = new Map(
      listings.map(({ cluster, connectors }) => [clusterKey(cluster), connectors[0]?.listedAt]),
    );
    const stale = new Set<string>();
    for (const candidate of candidates.values()) {
      // A named connector missing from a cached listing may have been created since: its cluster is read again too.
      const listedAt = candidate.snapshot?.listedAt ?? listedAtByCluster.get(clusterKey(candidate.connector));
      if (listedAt !== undefined && listedAt < startedAt) stale.add(clusterKey(candidate.connector));
    }
    if (stale.size > 0) {
      const refreshed = await Promise.all(
        listings.map(async (listing) =>
          stale.has(clusterKey(listing.cluster))
            ? { ...listing, connectors: await this.platform.listConnectors(listing.cluster, { freshSince: startedAt }) }
            : listing,
        ),
      );
      candidates = this.match(refreshed, scannedKeys, named, matcher, secret);
    }
    const plain = [...candidates.values()].filter((candidate) => candidate.plainConfig).length;
    if (plain > 0) {
      notes.push(
        `${plain} connector(s) hold a reference to the secret in plain config (no ${PROVIDER_INTEGRATION_KEY}): named, not restarted`,
      );
    }

    if (candidates.size === 0) notes.push(`no connector references ${canonicalSecretId(secret)}`);
    return { candidates: [...candidates.values()], clustersListed: listings.length, notes };
  }

  /** The config scan plus the named connectors, over the listings; named connectors not listed come out as such. */
  private match(
    listings: readonly { readonly cluster: ClusterRef; readonly connectors: readonly ConnectorSnapshot[] }[],
    scannedKeys: ReadonlySet<string>,
    named: ReadonlyMap<string, { connector: ConnectorRef; sources: Set<TargetSource> }>,
    matcher: SecretReferenceMatcher,
    secret: SecretRef,
  ): Map<string, Candidate> {
    const requireIntegration = this.options.requireProviderIntegration ?? true;
    const candidates = new Map<string, Candidate>();
    for (const { cluster, connectors } of listings) {
      const cloud = (cluster as ClusterScope).cloud;
      for (const snapshot of connectors) {
        const key = connectorKey(snapshot.ref);
        const keys = scannedKeys.has(clusterKey(cluster)) ? referencingKeys(snapshot.config, matcher) : [];
        const namedEntry = named.get(key);
        if (keys.length === 0 && !namedEntry) continue;
        const sources: TargetSource[] = [...(namedEntry?.sources ?? [])];
        if (keys.length > 0) sources.push('config-scan');
        const pinned = pinnedVersions(snapshot.config, keys, secret);
        candidates.set(key, {
          connector: snapshot.ref,
          sources,
          snapshot,
          referencingKeys: keys,
          cloud: cloud ?? snapshot.config['cloud.provider']?.toLowerCase(),
          ...(!namedEntry && requireIntegration && !providerIntegrationOf(snapshot.config)
            ? { plainConfig: true }
            : {}),
          ...(pinned ? { pinnedVersions: pinned } : {}),
        });
      }
    }
    for (const [key, entry] of named) {
      if (candidates.has(key)) continue;
      candidates.set(key, { connector: entry.connector, sources: [...entry.sources], referencingKeys: [] });
    }
    return candidates;
  }

  /** Whether a candidate sits on another cloud than the secret (unknown cloud counts as the same). */
  isOtherCloud(candidate: Candidate, secret: SecretRef): boolean {
    return this.options.sameCloudOnly && candidate.cloud !== undefined && candidate.cloud !== secret.provider;
  }

  private onSecretCloud(cluster: ClusterScope, secret: SecretRef): boolean {
    return !this.options.sameCloudOnly || cluster.cloud === undefined || cluster.cloud === secret.provider;
  }
}
