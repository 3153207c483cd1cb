import type { ConnectorRef } from '#core/connector-ref';
import type { CoalescingWait, PendingVersionRef, PlannedTarget, ReloadPlan } from '#core/reload-plan';

/**
 * "Is everyone on the new credential?", answered from a rotation's plan: what a reload would do now tells where each
 * dependent connector stands. A connector that would be restarted has not been since the version became current
 * (stale); one a restart already covers is on it (covered); one under a live lock is being restarted (in flight);
 * one whose restart waits in its coalescing window (RESTART_COALESCE_SECONDS) will be, once it is due (pending).
 * Any other skip reason shows as itself (paused, plain config, excluded, other cloud…), so a reason the planner
 * learns later shows through without a change here. Only `covered` counts as on the new version.
 */
export type Coverage = 'covered' | 'stale' | 'in flight' | 'pending' | (string & {});

export interface CoverageRow {
  readonly connector: ConnectorRef;
  readonly state?: string;
  readonly sources: PlannedTarget['sources'];
  readonly coverage: Coverage;
  /** The plan's skip reason, when there is one (`already-covered`, `paused`, `plain-config`, …). */
  readonly reason?: string;
  readonly detail: string;
  /** `stale`, its coalescing window over: the versions the one restart due now applies. */
  readonly coalesced?: readonly PendingVersionRef[];
  /** `pending`: when the connector's one coalesced restart is due and the versions it will apply. */
  readonly coalescing?: CoalescingWait;
  /** `covered` by a coalesced restart: its id (the same in every report it covers). */
  readonly coalescedRestart?: string;
}

export interface RotationCoverage {
  readonly secret: string;
  readonly version: string | null;
  readonly versionBecameCurrentAt?: Date;
  readonly connectors: readonly CoverageRow[];
  /** Connectors per coverage, e.g. `{ covered: 3, paused: 1 }`. */
  readonly counts: Readonly<Record<string, number>>;
  /** True when every dependent connector that exists is covered, and the rotation is not still in progress. */
  readonly everyoneCovered: boolean;
  /** Why the whole rotation cannot be judged (its version is still pending). */
  readonly eventSkip?: string;
}

/** Plan reasons that mean "would restart now", i.e. not restarted since the version became current. */
const WOULD_RESTART = new Set(['dry-run']);
const COVERAGE_OF_REASON: Readonly<Record<string, Coverage>> = {
  'already-covered': 'covered',
  'in-flight': 'in flight',
  coalescing: 'pending',
};
/** Named by a tag or the mapping but absent from its cluster: nothing runs there to be on any version. */
const NOT_COUNTED = new Set(['not-found']);

export function rotationCoverage(
  plan: ReloadPlan,
  staleDetail: (target: PlannedTarget) => string = () => 'not restarted since the version became current',
): RotationCoverage {
  const connectors = plan.targets.map((target): CoverageRow => {
    const base = { connector: target.connector, sources: target.sources, ...stateOf(target) };
    const { decision } = target;
    if (decision.action === 'restart' || WOULD_RESTART.has(decision.reason)) {
      const coalesced = decision.coalesced?.length ? { coalesced: decision.coalesced } : {};
      return { ...base, coverage: 'stale', detail: staleDetail(target), ...coalesced };
    }
    const coverage = COVERAGE_OF_REASON[decision.reason] ?? decision.reason.replaceAll('-', ' ');
    return {
      ...base,
      coverage,
      reason: decision.reason,
      detail: decision.detail,
      ...(decision.coalescing ? { coalescing: decision.coalescing } : {}),
      ...(decision.coalescedRestart ? { coalescedRestart: decision.coalescedRestart.id } : {}),
    };
  });
  const counts: Record<string, number> = {};
  for (const row of connectors) counts[row.coverage] = (counts[row.coverage] ?? 0) + 1;
  const counted = connectors.filter((row) => !(row.reason && NOT_COUNTED.has(row.reason)));
  return {
    secret: plan.secret,
    version: plan.version,
    ...(plan.versionBecameCurrentAt ? { versionBecameCurrentAt: plan.versionBecameCurrentAt } : {}),
    connectors,
    counts,
    everyoneCovered: !plan.eventSkip && counted.every((row) => row.coverage === 'covered'),
    ...(plan.eventSkip ? { eventSkip: plan.eventSkip.detail } : {}),
  };
}

function stateOf(target: PlannedTarget): { state?: string } {
  return target.state === undefined ? {} : { state: target.state };
}
