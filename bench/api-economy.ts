import type { RecordedRequest } from '#local/confluent-emulator/index';
import type { Estate } from '#local/estate';
import { benchEstate, secretArn, spreadIndices } from './lib/bench-estate';
import { type Figure, figure, median } from './lib/figures';
import { startHarness } from './lib/reloader-harness';

/**
 * §2 API-call economy: Confluent requests per rotation event against the minimum the estate allows, cold (fresh
 * process) and warm (within the index TTL). The minimum is computed from the estate, never from the traffic seen (a
 * double restart or over-polling would then count as minimal): one list per cluster in scope (warm: per cluster
 * holding a target, re-read so the restart acts on live state), one restart per affected connector, and per
 * restarted connector one status poll per poll interval its start takes (provisioning time ÷ poll interval, rounded
 * up, at least one).
 */
export const ECONOMY = { clusters: 20, connectorsPerCluster: 100, affected: 25, affectedClusters: 5 } as const;
const SECTION = '§2 API calls / rotation';
const RUNS = 3;
/** The harness's start time and poll interval (reloader-harness.ts), the estate's timing facts. */
const PROVISIONING_MS = 100;
const POLL_INTERVAL_MS = 100;

/** What the estate requires of one rotation, at the least. */
export interface EstateMinimum {
  readonly clustersListed: number;
  readonly restarts: number;
  readonly pollsPerRestart: number;
}

export function minimumCalls(minimum: EstateMinimum): number {
  return minimum.clustersListed + minimum.restarts * (1 + minimum.pollsPerRestart);
}

export function pollsPerRestart(provisioningMs: number, pollIntervalMs: number): number {
  return Math.max(1, Math.ceil(provisioningMs / pollIntervalMs));
}

export interface CallCount {
  readonly total: number;
  readonly discovery: number;
  readonly lists: number;
  readonly restarts: number;
  readonly polls: number;
  readonly minimum: number;
  readonly beyond: number;
}

/** Splits an event's requests by kind and sets them against the estate's minimum. */
export function countCalls(requests: readonly RecordedRequest[], estateMinimum: EstateMinimum): CallCount {
  const discovery = requests.filter((r) => r.path.startsWith('/org/v2/') || r.path.startsWith('/cmk/v2/')).length;
  const lists = requests.filter((r) => r.method === 'GET' && r.path.endsWith('/connectors'));
  const restarts = requests.filter((r) => r.path.endsWith('/restart')).length;
  const polls = requests.filter((r) => r.path.endsWith('/status'));
  const minimum = minimumCalls(estateMinimum);
  return {
    total: requests.length,
    discovery,
    lists: lists.length,
    restarts,
    polls: polls.length,
    minimum,
    beyond: requests.length - minimum,
  };
}

/** `env/lkc` for every cluster of the estate: the CONFLUENT_SCOPES that needs no discovery. */
export function clusterScopes(estate: Estate): string {
  return estate.clusters.map((cluster) => `${cluster.environmentId}/${cluster.id}`).join(',');
}

export async function apiEconomy(): Promise<Figure[]> {
  const arn = secretArn('prod/orders-db');
  const indices = spreadIndices(ECONOMY.affected, ECONOMY.affectedClusters, ECONOMY.connectorsPerCluster);
  const estate = benchEstate({ ...ECONOMY, references: new Map(indices.map((i) => [i, arn])) });
  // Scopes naming every cluster are the configuration the goal is held to: no discovery call is needed. Scopes by
  // environment (or none) must ask cmk/v2 (and org/v2) which clusters exist; those calls are reported, not hidden.
  const variants: { name: string; env: Record<string, string>; goal: boolean }[] = [
    { name: 'CONFLUENT_SCOPES=20 clusters', env: { CONFLUENT_SCOPES: clusterScopes(estate) }, goal: true },
    { name: 'CONFLUENT_SCOPES=2 environments', env: { CONFLUENT_SCOPES: 'env-bench1,env-bench2' }, goal: false },
    { name: 'no scopes (discovers environments)', env: {}, goal: false },
  ];
  const figures: Figure[] = [];
  for (const variant of variants) {
    const cold: CallCount[] = [];
    const warm: CallCount[] = [];
    for (let run = 0; run < RUNS; run += 1) {
      const harness = await startHarness({ estate, env: variant.env, provisioningMs: PROVISIONING_MS });
      try {
        for (const [i, bucket] of [cold, warm].entries()) {
          const estateMinimum: EstateMinimum = {
            // Cold: every cluster in scope is listed; warm: only those holding a target are re-read.
            clustersListed: i === 0 ? ECONOMY.clusters : ECONOMY.affectedClusters,
            restarts: ECONOMY.affected,
            pollsPerRestart: pollsPerRestart(PROVISIONING_MS, POLL_INTERVAL_MS),
          };
          harness.emulator.control.resetRequests();
          const report = await harness.reloader.forInvocation().execute(harness.rotation(arn, `v${run}-${i}`));
          const restarted = report.outcomes.filter((o) => o.result === 'restarted').length;
          if (restarted !== ECONOMY.affected)
            throw new Error(`expected ${ECONOMY.affected} restarts, got ${restarted}`);
          bucket.push(countCalls(harness.emulator.control.requests(), estateMinimum));
        }
      } finally {
        await harness.close();
      }
    }
    for (const [phase, counts] of [
      ['cold', cold],
      ['warm', warm],
    ] as const) {
      const m = (pick: (c: CallCount) => number) => median(counts.map(pick));
      const beyond = m((c) => c.beyond);
      figures.push(
        figure(
          SECTION,
          `${phase}, ${variant.name}: calls (minimum)`,
          m((c) => c.total),
          `calls (min ${m((c) => c.minimum)})`,
          undefined,
          `discovery ${m((c) => c.discovery)}, lists ${m((c) => c.lists)}, restarts ${m((c) => c.restarts)}, polls ${m((c) => c.polls)}`,
        ),
        figure(
          SECTION,
          `${phase}, ${variant.name}: beyond minimum`,
          beyond,
          'calls',
          variant.goal || phase === 'warm' ? { goal: '0', pass: beyond === 0 } : undefined,
          variant.goal || phase === 'warm'
            ? undefined
            : 'discovery (not held to the goal): scopes by environment do not say which clusters exist',
        ),
      );
    }
  }
  return figures;
}
