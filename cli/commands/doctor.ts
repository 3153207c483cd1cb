import type { ClusterScope } from '../../shared/core/connector';
import { parseSecretRef } from '../../shared/core/secret-ref';
import { connectorsFromTags } from '../../shared/core/secret-tags';
import type { Output } from '../output';
import type { CliRuntime } from '../runtime';

export interface Finding {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** How to fix it, for problems. */
  readonly fix?: string;
}

/**
 * Checks what a reload depends on: credentials, reachable scopes, cluster kind and cloud, and (with --secret) the
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
  if (options.secret) await checkSecret(runtime, options.secret, clusters, findings);

  if (options.json) for (const finding of findings) out.json(finding);
  else {
    out.table(
      ['check', 'result', 'detail', 'fix'],
      findings.map((f) => [f.check, f.ok ? out.colors.green('ok') : out.colors.red('problem'), f.detail, f.fix ?? '']),
    );
  }
  return findings.every((finding) => finding.ok);
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
