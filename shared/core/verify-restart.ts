import { type ConnectorStatus, failureTrace, isFailed, isHealthy, TRANSITIONAL_STATES } from './connector';
import type { ConnectorRef } from './connector-ref';
import type { Clock, ConnectorPlatform } from './ports';

export interface VerifyOptions {
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
  /**
   * A restart is asynchronous: for a moment the status still shows the state from before it. A RUNNING or FAILED
   * reading counts only once a transitional state was seen, or this long after the restart was accepted.
   */
  readonly settleMs: number;
}

export type Verification =
  | { readonly result: 'restarted'; readonly status: ConnectorStatus }
  | { readonly result: 'failed'; readonly status: ConnectorStatus; readonly trace: string }
  | { readonly result: 'timed-out'; readonly status?: ConnectorStatus };

/** Polls a restarted connector until it is RUNNING with every task RUNNING, FAILED, or out of time. */
export async function verifyRestart(
  platform: ConnectorPlatform,
  clock: Clock,
  connector: ConnectorRef,
  options: VerifyOptions,
): Promise<Verification> {
  const started = clock.now().getTime();
  let sawTransition = false;
  let last: ConnectorStatus | undefined;
  for (;;) {
    last = await platform.getStatus(connector);
    const elapsed = clock.now().getTime() - started;
    if (TRANSITIONAL_STATES.has(last.state) || last.tasks.length === 0) sawTransition = true;
    const settled = sawTransition || elapsed >= options.settleMs;
    if (settled && isHealthy(last)) return { result: 'restarted', status: last };
    if (settled && isFailed(last))
      return { result: 'failed', status: last, trace: failureTrace(last) ?? 'no trace given' };
    if (elapsed + options.pollIntervalMs > options.timeoutMs) return { result: 'timed-out', status: last };
    await clock.sleep(options.pollIntervalMs);
  }
}
