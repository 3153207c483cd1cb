import type { ConnectorStatus } from './connector';
import type { ConnectorRef } from './connector-ref';
import type { RestartMethod } from './ports';

export const RECOVERY_SKIP_REASONS = {
  'not-failed': 'connector is not FAILED and no task is in an error state: nothing to recover',
  paused: 'connector is PAUSED and the reloader did not pause it: a person did, so it is left alone',
  excluded: 'connector matches the exclusion list',
  'in-flight': 'another operation on this connector is in flight',
  backoff: 'waiting out the restart backoff',
  deferred: 'inside a maintenance window: deferred to its end',
  'budget-exhausted': 'automatic restart budget exhausted: left alone until a person acts',
  'dry-run': 'DRY_RUN: would restart',
  'not-found': 'the reported connector does not exist in the clusters in scope',
  'out-of-time':
    "left for the next sweep: its restart and verification would not end before the function's timeout (still failed, so the next sweep takes it up)",
} as const;
export type RecoverySkipReason = keyof typeof RECOVERY_SKIP_REASONS;

export interface RecoveryOutcome {
  readonly connector: ConnectorRef;
  /**
   * `restart-error`: not restarted (the request was refused, or something failed before it); `verify-error`: the
   * restart was accepted but its verdict is unknown (status reads failed for good).
   */
  readonly result: 'restarted' | 'failed' | 'timed-out' | 'restart-error' | 'verify-error' | 'skipped';
  readonly reason?: RecoverySkipReason;
  readonly detail?: string;
  /** Which automatic restart in the current streak this was (1 = first). */
  readonly attempt?: number;
  /** Epoch ms when the next restart may happen (backoff or deferral). */
  readonly nextAttemptAt?: number;
  /** The budget ran out with this outcome: people must be told. */
  readonly alert?: boolean;
  readonly method?: RestartMethod;
  readonly finalStatus?: ConnectorStatus;
}

export interface RecoveryReport {
  /** `webhook` or `sweep`. */
  readonly trigger: string;
  readonly dryRun: boolean;
  readonly clustersListed: number;
  readonly outcomes: readonly RecoveryOutcome[];
  readonly startedAt: Date;
  readonly finishedAt: Date;
}
