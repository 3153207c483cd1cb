import type { ClusterScope, ConnectorSnapshot } from './connector';
import { type ClusterRef, type ConnectorRef, clusterKey, connectorKey } from './connector-ref';
import type { ConnectorPlatform } from './ports';
import type { TargetSource } from './reload-plan';
import { canonicalSecretId, type SecretRef } from './secret-ref';
import { referencingKeys, secretReferenceMatcher } from './secret-reference-matcher';
import { connectorsFromTags } from './secret-tags';
import type { TargetMapping } from './target-mapping';

/**
 * The one place that answers "which connectors does this secret affect?": the union, de-duplicated, of the
 * secret's tag, the configured mapping, and a scan of connector configs in scope.
 */
export interface TargetResolverOptions {
  readonly tagKey: string;
  readonly configScan: boolean;
  /** Only match a secret to clusters on the secret's own cloud. */
  readonly sameCloudOnly: boolean;
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
}

export interface ResolvedTargets {
  readonly candidates: Candidate[];
  readonly clustersListed: number;
  readonly notes: string[];
}

export class TargetResolver {
  constructor(
    private readonly platform: ConnectorPlatform,
    private readonly mapping: TargetMapping,
    private readonly options: TargetResolverOptions,
  ) {}

  async resolve(secret: SecretRef, tags: Readonly<Record<string, string>>): Promise<ResolvedTargets> {
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
    for (const connector of this.mapping.targetsFor(secret)) name(connector, 'mapping-file');

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
    const candidates = new Map<string, Candidate>();
    const scannedKeys = new Set(scanned.map(clusterKey));
    for (const { cluster, connectors } of listings) {
      const cloud = (cluster as ClusterScope).cloud;
      for (const snapshot of connectors) {
        const key = connectorKey(snapshot.ref);
        const keys = scannedKeys.has(clusterKey(cluster)) ? referencingKeys(snapshot.config, matcher) : [];
        const namedEntry = named.get(key);
        if (keys.length === 0 && !namedEntry) continue;
        const sources: TargetSource[] = [...(namedEntry?.sources ?? [])];
        if (keys.length > 0) sources.push('config-scan');
        candidates.set(key, {
          connector: snapshot.ref,
          sources,
          snapshot,
          referencingKeys: keys,
          cloud: cloud ?? snapshot.config['cloud.provider']?.toLowerCase(),
        });
      }
    }
    for (const [key, entry] of named) {
      if (candidates.has(key)) continue;
      candidates.set(key, { connector: entry.connector, sources: [...entry.sources], referencingKeys: [] });
    }

    if (candidates.size === 0) notes.push(`no connector references ${canonicalSecretId(secret)}`);
    return { candidates: [...candidates.values()], clustersListed: listings.length, notes };
  }

  /** Whether a candidate sits on another cloud than the secret (unknown cloud counts as the same). */
  isOtherCloud(candidate: Candidate, secret: SecretRef): boolean {
    return this.options.sameCloudOnly && candidate.cloud !== undefined && candidate.cloud !== secret.provider;
  }

  private onSecretCloud(cluster: ClusterScope, secret: SecretRef): boolean {
    return !this.options.sameCloudOnly || cluster.cloud === undefined || cluster.cloud === secret.provider;
  }
}
