import type { ClusterScope, ConnectorSnapshot } from '#core/connector';
import { type ConnectorRef, clusterKey, connectorKey } from '#core/connector-ref';
import { connectorOfUsage, type ProviderIntegrationListing } from '#core/provider-integration';
import {
  credentialFields,
  findSecretReferences,
  PROVIDER_INTEGRATION_KEY,
  providerIntegrationOf,
} from '#core/secret-reference-matcher';
import type { Finding } from './doctor';

export interface ProviderIntegrationFacts {
  /** The clusters in scope, as discovery describes them (cloud, kind). */
  readonly clusters: readonly ClusterScope[];
  /** Connector listings of the clusters in scope, by `env/lkc`. */
  readonly connectors: ReadonlyMap<string, readonly ConnectorSnapshot[]>;
  /** pim/v1 and pim/v2 per environment of the scope. */
  readonly integrations: readonly ProviderIntegrationListing[];
  readonly tagKey: string;
  /** REQUIRE_PROVIDER_INTEGRATION: plain-config references are named and skipped by rotations. */
  readonly requireProviderIntegration: boolean;
}

/**
 * What the provider integrations tell about the rotation's reach: which connectors use each integration, whether
 * their secret references read back in clear (if masked, the config scan is blind there), integrations used from a
 * cluster on another cloud, and configs naming an integration Confluent does not list. An API that could not be
 * read is a note, not a problem.
 */
export function providerIntegrationFindings(facts: ProviderIntegrationFacts): Finding[] {
  const findings: Finding[] = [];
  const clusters = new Map(facts.clusters.map((cluster) => [clusterKey(cluster), cluster]));
  const snapshots = new Map(
    [...facts.connectors.values()].flat().map((snapshot) => [connectorKey(snapshot.ref), snapshot]),
  );
  for (const listing of facts.integrations) {
    for (const unreadable of listing.unreadable) {
      findings.push({
        check: `provider integrations ${unreadable.environmentId}`,
        ok: true,
        note: true,
        detail: `${unreadable.api} not read (${unreadable.reason}): its integrations and their usages are not checked`,
      });
    }
    for (const integration of listing.integrations) {
      const users = integration.usages.map(connectorOfUsage).filter((ref): ref is ConnectorRef => ref !== undefined);
      const kind = [integration.cloud?.toUpperCase(), integration.api, integration.status].filter(Boolean).join(' ');
      findings.push({
        check: `integration ${integration.id}`,
        ok: true,
        detail:
          users.length > 0
            ? `${kind}${integration.displayName ? ` "${integration.displayName}"` : ''}: used by ${users.map(connectorKey).join(', ')}`
            : `${kind}: used by no connector`,
      });
      const otherCloud = new Set<string>();
      for (const user of users) {
        const cluster = clusters.get(clusterKey(user));
        if (integration.cloud && cluster?.cloud && cluster.cloud !== integration.cloud) {
          otherCloud.add(`${clusterKey(user)} (${cluster.cloud})`);
        }
        findings.push(usageFinding(user, integration.id, cluster, snapshots.get(connectorKey(user)), facts.tagKey));
      }
      if (otherCloud.size > 0) {
        findings.push({
          check: `integration ${integration.id}`,
          ok: false,
          detail: `${integration.cloud?.toUpperCase()} integration used from cluster(s) on another cloud: ${[...otherCloud].join(', ')}`,
          fix: `a provider integration serves clusters on its own cloud ("AWS Provider Integration is only supported for AWS clusters"): give these connectors an integration of their cluster's cloud`,
        });
      }
    }
  }
  findings.push(...unlistedIntegrations(facts), ...plainConfigReferences(facts));
  return findings;
}

/** Connectors holding a visible reference without a provider integration: Confluent never fetches it. */
function plainConfigReferences(facts: ProviderIntegrationFacts): Finding[] {
  if (!facts.requireProviderIntegration) return [];
  return [...facts.connectors.values()].flat().flatMap((snapshot): Finding[] => {
    const references = findSecretReferences(snapshot.config);
    if (references.length === 0 || providerIntegrationOf(snapshot.config)) return [];
    return [
      {
        check: `connector ${connectorKey(snapshot.ref)}`,
        ok: true,
        note: true,
        detail: `holds ${references.join(', ')} in plain config, without ${PROVIDER_INTEGRATION_KEY}: rotations name it and skip it (plain-config)`,
        fix: `name it in the secret's tag (${facts.tagKey}) or the mapping file if it should restart anyway`,
      },
    ];
  });
}

function usageFinding(
  user: ConnectorRef,
  integrationId: string,
  cluster: ClusterScope | undefined,
  snapshot: ConnectorSnapshot | undefined,
  tagKey: string,
): Finding {
  const check = `connector ${connectorKey(user)}`;
  if (!cluster) {
    return {
      check,
      ok: true,
      note: true,
      detail: `uses ${integrationId}, but its cluster is outside CONFLUENT_SCOPES: rotations do not look at it`,
      fix: `add ${clusterKey(user)} to CONFLUENT_SCOPES if its secrets rotate`,
    };
  }
  if (!snapshot) {
    return {
      check,
      ok: true,
      note: true,
      detail: `named in the usages of ${integrationId}, but its cluster does not list it (deleted or renamed?)`,
    };
  }
  const references = findSecretReferences(snapshot.config);
  const fields = credentialFields(snapshot.config);
  const maskedText = fields.masked.length > 0 ? `; masked: ${fields.masked.join(', ')}` : '';
  if (references.length > 0 || fields.clear.length > 0) {
    const shown = references.length > 0 ? references.join(', ') : `${fields.clear.join(', ')} (by name)`;
    return { check, ok: true, detail: `uses ${integrationId}; references read back in clear: ${shown}${maskedText}` };
  }
  if (fields.masked.length > 0) {
    return {
      check,
      ok: false,
      detail: `uses ${integrationId}, but its secret references read back masked (${fields.masked.join(', ')}): the config scan is blind to this connector`,
      fix: `name it in the secret's tag (${tagKey}) or in the mapping file (TARGET_MAPPING_FILE), so that rotations restart it`,
    };
  }
  return {
    check,
    ok: true,
    note: true,
    detail: `uses ${integrationId}, but its config shows no credential field: the config scan has nothing to match`,
    fix: `name it in the secret's tag (${tagKey}) or in the mapping file if a secret feeds it`,
  };
}

/** Configs in scope naming an integration that no readable API lists for their environment. */
function unlistedIntegrations(facts: ProviderIntegrationFacts): Finding[] {
  const listed = new Map<string, Set<string>>();
  const complete = new Set<string>();
  for (const listing of facts.integrations) {
    for (const integration of listing.integrations) {
      const ids = listed.get(integration.environmentId) ?? new Set<string>();
      listed.set(integration.environmentId, ids.add(integration.id));
    }
  }
  for (const cluster of facts.clusters) {
    const environmentId = cluster.environmentId;
    const unreadable = facts.integrations.some((listing) =>
      listing.unreadable.some((entry) => entry.environmentId === environmentId),
    );
    if (!unreadable) complete.add(environmentId);
  }
  const findings: Finding[] = [];
  for (const snapshots of facts.connectors.values()) {
    for (const snapshot of snapshots) {
      const id = providerIntegrationOf(snapshot.config);
      const environmentId = snapshot.ref.environmentId;
      if (!id || !complete.has(environmentId) || listed.get(environmentId)?.has(id)) continue;
      findings.push({
        check: `connector ${connectorKey(snapshot.ref)}`,
        ok: false,
        detail: `${PROVIDER_INTEGRATION_KEY} is ${id}, which no provider integration of ${environmentId} has`,
        fix: 'use the id of an integration listed above: with an unknown one the connector cannot resolve its secrets',
      });
    }
  }
  return findings;
}
