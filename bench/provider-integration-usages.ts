import { performance } from 'node:perf_hooks';
import { clusterKey } from '#core/connector-ref';
import { connectorOfUsage } from '#core/provider-integration';
import type { Estate } from '#local/estate';
import { clusterScopes, ECONOMY } from './api-economy';
import { benchEstate, secretArn, spreadIndices } from './lib/bench-estate';
import { type Figure, figure, median } from './lib/figures';
import { startHarness } from './lib/reloader-harness';

/**
 * Should pim `usages` narrow a rotation's config scan? A rotation lists every cluster in scope (one connect/v1 call
 * each) and matches configs. Narrowing would first ask pim/v1 and pim/v2 of every environment which connectors use
 * an integration, then list only the clusters those usages name. Measured on the §2 bench estate (20 clusters ×
 * 100 connectors, 2 environments), as it is (every connector uses the integration) and sparse (only the 5 clusters
 * that hold the rotated secret's readers use one): calls and wall time of each way, and the clusters narrowing skips.
 */
const SECTION = '§6 usages narrowing';
const RUNS = 5;
const SPARSE_CLUSTERS = ECONOMY.affectedClusters;

interface Measured {
  readonly calls: number;
  readonly ms: number;
}

export async function providerIntegrationUsages(): Promise<Figure[]> {
  const arn = secretArn('prod/orders-db');
  const indices = spreadIndices(ECONOMY.affected, ECONOMY.affectedClusters, ECONOMY.connectorsPerCluster);
  const dense = withIntegrations(benchEstate({ ...ECONOMY, references: new Map(indices.map((i) => [i, arn])) }));
  const sparse = sparsen(dense, SPARSE_CLUSTERS);
  const figures: Figure[] = [];
  for (const [name, estate] of [
    ['every cluster uses the integration', dense],
    [`${SPARSE_CLUSTERS} of ${ECONOMY.clusters} clusters use it`, sparse],
  ] as const) {
    const scan: Measured[] = [];
    const narrowed: Measured[] = [];
    let skipped = 0;
    for (let run = 0; run < RUNS; run += 1) {
      // Scopes name every cluster: no discovery call on either side, so only the difference is measured. The rate
      // limit is lifted so that time shows round trips, not the token bucket (calls are counted apart).
      const harness = await startHarness({
        estate,
        env: {
          CONFLUENT_SCOPES: clusterScopes(estate),
          CONFLUENT_RATE_LIMIT_PER_SECOND: '10000',
          CONFLUENT_RATE_BURST: '10000',
        },
      });
      try {
        const { platform, providerIntegrations } = harness.reloader;
        const clusters = await platform.listClusters();
        const calls = () => harness.emulator.control.requestCount();
        // One unmeasured pass of each, so neither way pays for warming up the process and the emulator.
        await Promise.all(clusters.map((cluster) => platform.listConnectors(cluster)));
        await Promise.all(
          [...new Set(clusters.map((c) => c.environmentId))].map((id) =>
            providerIntegrations.listProviderIntegrations(id),
          ),
        );

        harness.emulator.control.resetRequests();
        let started = performance.now();
        await Promise.all(clusters.map((cluster) => platform.listConnectors(cluster)));
        scan.push({ calls: calls(), ms: performance.now() - started });

        harness.emulator.control.resetRequests();
        started = performance.now();
        const environments = [...new Set(clusters.map((cluster) => cluster.environmentId))];
        const listings = await Promise.all(environments.map((id) => providerIntegrations.listProviderIntegrations(id)));
        const used = new Set(
          listings
            .flatMap((listing) => listing.integrations.flatMap((integration) => integration.usages))
            .map(connectorOfUsage)
            .flatMap((ref) => (ref ? [clusterKey(ref)] : [])),
        );
        const named = clusters.filter((cluster) => used.has(clusterKey(cluster)));
        await Promise.all(named.map((cluster) => platform.listConnectors(cluster)));
        narrowed.push({ calls: calls(), ms: performance.now() - started });
        skipped = clusters.length - named.length;
      } finally {
        await harness.close();
      }
    }
    const calls = (runs: Measured[]) => median(runs.map((m) => m.calls));
    const ms = (runs: Measured[]) => Math.round(median(runs.map((m) => m.ms)) * 10) / 10;
    figures.push(
      figure(
        SECTION,
        `${name}: scan as shipped`,
        calls(scan),
        'calls',
        undefined,
        `${ms(scan)} ms (median of ${RUNS})`,
      ),
      figure(
        SECTION,
        `${name}: pim/v1 + pim/v2, then named clusters`,
        calls(narrowed),
        'calls',
        undefined,
        `${ms(narrowed)} ms; ${skipped} cluster listing(s) skipped`,
      ),
    );
  }
  return figures;
}

/** One AWS provider integration per environment, named by every connector's config (as the bench estate has it). */
function withIntegrations(estate: Estate): Estate {
  return {
    ...estate,
    providerIntegrations: estate.environments.map((environment) => ({
      id: 'cspi-bench',
      environmentId: environment.id,
      displayName: 'bench',
      provider: 'AWS' as const,
    })),
  };
}

/** Only the first `keep` clusters' connectors name the integration; the rest hold no secret manager reference. */
function sparsen(estate: Estate, keep: number): Estate {
  const kept = new Set(estate.clusters.slice(0, keep).map((cluster) => cluster.id));
  return {
    ...estate,
    connectors: estate.connectors.map((connector) => {
      if (kept.has(connector.clusterId)) return connector;
      const { 'secret.manager.provider.integration.id': _dropped, ...config } = connector.config;
      return { ...connector, config };
    }),
  };
}
