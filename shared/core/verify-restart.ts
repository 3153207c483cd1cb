import { isTransitional, TASK_STATES } from '#confluent/api-facts';
import { type ConnectorStatus, failureTrace, isFailed, isHealthy } from './connector';
import type { ConnectorRef } from './connector-ref';
import type { Clock, ConnectorPlatform } from './ports';

export interface VerifyOptions {
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  /**
   * A restart is asynchronous: for a moment the status still shows the state from before it. A RUNNING or error
   * reading counts only once a transitional state was seen, or this long after the restart was accepted.
   */
  readonly settleMs: number;
  /** Consecutive settled polls with a task (or the connector) in an error state that make the restart failed. */
  readonly errorPolls?: number;
  /** How long a task may stay UNASSIGNED (awaiting a worker) before the restart is failed. */
  readonly unassignedMs?: number;
}

/** The shipped defaults of the optional options (VERIFY_ERROR_POLLS, VERIFY_UNASSIGNED_SECONDS). */
export const VERIFY_DEFAULTS = { errorPolls: 2, unassignedMs: 180_000 } as const;

export type Verification =
  | { readonly result: 'restarted'; readonly status: ConnectorStatus }
  | { readonly result: 'failed'; readonly status: ConnectorStatus; readonly trace: string }
  | { readonly result: 'timed-out'; readonly status?: ConnectorStatus };

/**
 * Polls a restarted connector to its verdict, in Confluent's vocabulary (api-facts.ts):
 * - RUNNING with every task RUNNING: restarted;
 * - an error state (FAILED, or a task SYSTEM_ERROR / USER_ACTIONABLE_ERROR / FAILED, so DEGRADED with an error task
 *   too) on `errorPolls` consecutive settled polls: failed, with the tasks' messages as the trace. One poll is not
 *   enough: a task may report an error on its way through RESTARTING;
 * - a task UNASSIGNED for longer than `unassignedMs`: failed, no worker took it;
 * - PROVISIONING, RESTARTING, UNASSIGNED and DEGRADED without an error task are on the way: keep polling;
 * - anything else at the timeout: timed-out.
 */
export async function verifyRestart(
  platform: ConnectorPlatform,
  clock: Clock,
  connector: ConnectorRef,
  options: VerifyOptions,
): Promise<Verification> {
  const errorPolls = Math.max(1, options.errorPolls ?? VERIFY_DEFAULTS.errorPolls);
  const unassignedMs = options.unassignedMs ?? VERIFY_DEFAULTS.unassignedMs;
  const started = clock.now().getTime();
  const unassignedSince = new Map<number, number>();
  let sawTransition = false;
  let errorStreak = 0;
  for (;;) {
    const last = await platform.getStatus(connector);
    const now = clock.now().getTime();
    const elapsed = now - started;
    if (isTransitional(last)) sawTransition = true;
    const settled = sawTransition || elapsed >= options.settleMs;
    trackUnassigned(last, now, unassignedSince);
    if (settled) {
      if (isHealthy(last)) return { result: 'restarted', status: last };
      errorStreak = isFailed(last) ? errorStreak + 1 : 0;
      if (errorStreak >= errorPolls)
        return { result: 'failed', status: last, trace: failureTrace(last) ?? 'no trace given' };
      const waiting = longestUnassigned(unassignedSince, now);
      if (waiting && waiting.forMs >= unassignedMs) {
        return {
          result: 'failed',
          status: last,
          trace: `task ${waiting.taskId} ${TASK_STATES.unassigned} (awaiting a worker) for ${Math.round(waiting.forMs / 1000)} s`,
        };
      }
    }
    if (elapsed + options.pollIntervalMs > options.timeoutMs) return { result: 'timed-out', status: last };
    await clock.sleep(options.pollIntervalMs);
  }
}

/** Remembers since when each task has been UNASSIGNED without a break. */
function trackUnassigned(status: ConnectorStatus, now: number, since: Map<number, number>): void {
  const waiting = new Set(status.tasks.filter((task) => task.state === TASK_STATES.unassigned).map((task) => task.id));
  for (const id of since.keys()) if (!waiting.has(id)) since.delete(id);
  for (const id of waiting) if (!since.has(id)) since.set(id, now);
}

function longestUnassigned(since: Map<number, number>, now: number): { taskId: number; forMs: number } | undefined {
  let longest: { taskId: number; forMs: number } | undefined;
  for (const [taskId, from] of since) {
    if (!longest || now - from > longest.forMs) longest = { taskId, forMs: now - from };
  }
  return longest;
}
