import type { Output } from '#cli/output';
import type { CliRuntime } from '#cli/runtime';
import type { ClusterScope, ConnectorSnapshot } from '#core/connector';
import { clusterKey } from '#core/connector-ref';
import { parseSecretRef } from '#core/secret-ref';
import { connectorsFromTags } from '#core/secret-tags';
import { providerIntegrationFindings } from './provider-integration-findings';

export interface Finding {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** How to fix it, for problems. */
  readonly fix?: string;
  /** Worth knowing, not a problem (e.g. an API the key may not read). */
  readonly note?: boolean;
}

/**
 * Checks what a reload depends on: credentials, reachable scopes, cluster kind and cloud, the provider integrations
 * (which connectors use them, whether the scan can see their references), and (with --secret) the
 * secret's tag syntax. Prints every problem with its fix; returns false when any check failed.
 */
export async function doctor(out: Output, runtime: CliRuntime, options: { secret?: string; json?: boolean }) {
  const findings: Finding[] = [];
  let clusters: ClusterScope[] = [];
  try {
    clusters = await runtime.reloader.platform.listClusters({ describe: true });
    findings.push({ check: 'credentials', ok: true, detail: 'the Cloud API key is accepted' });
    findings.push({
      check: 'scopes',
      ok: clusters.length > 0,
      detail: `${clusters.length} cluster(s) in scope`,
      ...(clusters.length === 0
        ? { fix: 'set CONFLUENT_SCOPES to env-id or env-id/lkc-id values the key can see' }
        : {}),
    });
  } catch (error) {
    findings.push({
      check: 'credentials and scopes',
      ok: false,
      detail: (error as Error).message,
      fix: 'use a Cloud API key (confluent api-key create --resource cloud) of a service account with ConnectManager on the clusters, and check CONFLUENT_SCOPES',
    });
  }
  for (const cluster of clusters) {
    const name = `${cluster.environmentId}/${cluster.clusterId}`;
    if (cluster.kind && cluster.kind !== 'Dedicated') {
      findings.push({
        check: `cluster ${name}`,
        ok: false,
        detail: `${cluster.kind} cluster: Confluent's secret manager integration needs a Dedicated cluster`,
        fix: 'connectors here cannot read secrets from a secret manager; remove the cluster from CONFLUENT_SCOPES or exclude its connectors',
      });
    } else {
      findings.push({
        check: `cluster ${name}`,
        ok: true,
        detail:
          `${cluster.kind ?? 'unknown kind'} on ${cluster.cloud ?? 'unknown cloud'} ${cluster.region ?? ''}`.trim(),
      });
    }
  }
  if (clusters.length > 0) findings.push(...(await checkProviderIntegrations(runtime, clusters)));
  if (options.secret) await checkSecret(runtime, options.secret, clusters, findings);

  if (options.json) for (const finding of findings) out.json(finding);
  else {
    const result = (f: Finding) =>
      !f.ok ? out.colors.red('problem') : f.note ? out.colors.yellow('note') : out.colors.green('ok');
    out.table(
      ['check', 'result', 'detail', 'fix'],
      findings.map((f) => [f.check, result(f), f.detail, f.fix ?? '']),
    );
  }
  return findings.every((finding) => finding.ok);
}

/**
 * Provider integrations (pim/v1, pim/v2) of every environment in scope against the connectors of the clusters in
 * scope: one pim call per API and environment, one listing per cluster.
 */
async function checkProviderIntegrations(runtime: CliRuntime, clusters: ClusterScope[]): Promise<Finding[]> {
  const { platform, providerIntegrations } = runtime.reloader;
  const findings: Finding[] = [];
  const environments = [...new Set(clusters.map((cluster) => cluster.environmentId))];
  const [integrations, listings] = await Promise.all([
    Promise.allSettled(environments.map((id) => providerIntegrations.listProviderIntegrations(id))),
    Promise.allSettled(clusters.map((cluster) => platform.listConnectors(cluster))),
  ]);
  const connectors = new Map<string, ConnectorSnapshot[]>();
  listings.forEach((listing, index) => {
    const cluster = clusters[index] as ClusterScope;
    if (listing.status === 'fulfilled') connectors.set(clusterKey(cluster), listing.value);
    else {
      findings.push({
        check: `connectors of ${clusterKey(cluster)}`,
        ok: false,
        detail: (listing.reason as Error).message,
        fix: 'check that the key may list connectors there (ConnectManager or higher on the cluster)',
      });
    }
  });
  const readable = integrations.flatMap((answer, index) => {
    if (answer.status === 'fulfilled') return [answer.value];
    findings.push({
      check: `provider integrations ${environments[index]}`,
      ok: true,
      note: true,
      detail: `not read: ${(answer.reason as Error).message}`,
    });
    return [];
  });
  findings.push(
    ...providerIntegrationFindings({
      clusters,
      connectors,
      integrations: readable,
      tagKey: runtime.settings.secretTagKey,
      requireProviderIntegration: runtime.settings.requireProviderIntegration,
    }),
  );
  return findings;
}

async function checkSecret(runtime: CliRuntime, text: string, clusters: ClusterScope[], findings: Finding[]) {
  try {
    const secret = parseSecretRef(text, {
      provider: 'aws',
      ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}),
    });
    const snapshot = await runtime.secrets.describe(secret);
    const tagged = connectorsFromTags(snapshot.tags, runtime.settings.secretTagKey);
    findings.push({
      check: 'secret',
      ok: true,
      detail: `readable; current version ${snapshot.currentVersion ?? 'unknown'}`,
    });
    for (const problem of tagged.invalid) {
      findings.push({
        check: 'secret tag',
        ok: false,
        detail: problem,
        fix: `write ${runtime.settings.secretTagKey} as env-id/lkc-id/connector-name,…`,
      });
    }
    const sameCloud = clusters.filter((cluster) => !cluster.cloud || cluster.cloud === secret.provider);
    if (runtime.settings.matchSameCloud && clusters.length > 0 && sameCloud.length === 0) {
      findings.push({
        check: 'cloud',
        ok: false,
        detail: `no cluster in scope runs on ${secret.provider}; with MATCH_SAME_CLOUD=true nothing will be scanned`,
        fix: "add clusters on the secret's cloud to CONFLUENT_SCOPES, or set MATCH_SAME_CLOUD=false",
      });
    }
  } catch (error) {
    findings.push({
      check: 'secret',
      ok: false,
      detail: (error as Error).message,
      fix: 'check the reference and that this identity may DescribeSecret / get the secret',
    });
  }
}
