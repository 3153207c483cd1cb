import type { FailureRestarts } from './ports';

/**
 * The restart budget for a connector that keeps failing, after Strimzi's auto-restart (peers.md §5): before
 * automatic restart n+1, wait min(n² + n, 60) minutes after restart n (0, 2, 6, 12, 20, 30, 42, 56, 60, 60 …); the
 * count resets once the connector has stayed RUNNING for the current interval; after `maxRestarts` the connector
 * is left alone and an alert goes out, once. Optionally the spent budget re-arms after `rearmAfterMs`: a connector a
 * person fixed gets its budget back, and one still broken gets another bounded round and another alert.
 */
export const MINUTE_MS = 60_000;
const BACKOFF_CAP_MINUTES = 60;

export function backoffMs(restartsSoFar: number): number {
  return Math.min(restartsSoFar * restartsSoFar + restartsSoFar, BACKOFF_CAP_MINUTES) * MINUTE_MS;
}

export type BudgetDecision =
  | { readonly action: 'restart'; readonly attempt: number; readonly streak: FailureRestarts }
  | { readonly action: 'wait'; readonly until: number }
  | { readonly action: 'exhausted'; readonly alert: boolean };

/**
 * Decides for a connector that is failed now (FAILED, or a task in an error state). `streak` is what the state store holds (absent: never restarted).
 * The returned streak is the one to use when restarting (it may have been reset).
 */
export function decideFailureRestart(
  streak: FailureRestarts | undefined,
  now: number,
  maxRestarts: number,
  rearmAfterMs = 0,
): BudgetDecision {
  const current = rearmIfSpentLongAgo(resetIfHealthyLongEnough(streak, now), now, rearmAfterMs);
  if (current.count >= maxRestarts) return { action: 'exhausted', alert: current.exhaustedAt === undefined };
  const due = current.lastRestartAt + backoffMs(current.count);
  if (current.count > 0 && now < due) return { action: 'wait', until: due };
  return { action: 'restart', attempt: current.count + 1, streak: current };
}

/**
 * A connector that was verified RUNNING after its last automatic restart, and stayed so for that restart's backoff
 * interval, starts a new streak: its failure now is a new problem, not the same one coming back.
 */
export function resetIfHealthyLongEnough(streak: FailureRestarts | undefined, now: number): FailureRestarts {
  if (!streak) return { count: 0, lastRestartAt: 0 };
  const { healthySince } = streak;
  if (healthySince !== undefined && now - healthySince >= backoffMs(streak.count))
    return { count: 0, lastRestartAt: 0 };
  return streak;
}

/** A budget spent at least `rearmAfterMs` ago (0: never) starts over. */
function rearmIfSpentLongAgo(streak: FailureRestarts, now: number, rearmAfterMs: number): FailureRestarts {
  const { exhaustedAt } = streak;
  if (rearmAfterMs > 0 && exhaustedAt !== undefined && now - exhaustedAt >= rearmAfterMs) {
    return { count: 0, lastRestartAt: 0 };
  }
  return streak;
}
