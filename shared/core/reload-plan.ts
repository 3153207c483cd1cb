import type { ConnectorStatus } from './connector';
import type { ConnectorRef } from './connector-ref';
import type { PausedByReloader, RestartMethod } from './ports';

/** Where the knowledge "this connector uses this secret" came from. */
export type TargetSource = 'secret-tag' | 'mapping-file' | 'config-scan';

export const SKIP_REASONS = {
  paused: 'connector is PAUSED and the reloader did not pause it: a person did, so it is left alone',
  excluded: 'connector matches the exclusion list',
  'already-covered': 'a restart that started after this version became current already picked it up',
  'in-flight': 'another operation on this connector is in flight',
  'dry-run': 'DRY_RUN: would restart',
  'not-found': 'connector named by a tag or mapping does not exist in its cluster',
  'other-cloud': 'cluster runs on another cloud than the secret',
  'plain-config':
    'the config holds the reference as plain text, without secret.manager.provider.integration.id: Confluent does not fetch it from the secret manager, so a restart would not pick up the new version',
  'pinned-version': 'the config references a specific version of the secret: a restart would fetch that version again',
  'version-not-current': 'the event names a version that is not current yet (rotation still in progress)',
  halted: 'rollout halted: left untouched until a new version of the secret',
  coalescing:
    'RESTART_COALESCE_SECONDS: waiting for the other rotations of this connector, so that one restart applies them all',
} as const;
export type SkipReason = keyof typeof SKIP_REASONS;

export type SkipDecision = {
  readonly action: 'skip';
  readonly reason: SkipReason;
  readonly detail: string;
  /** `coalescing`: when the restart is due and which versions it will apply (restart-coalescing.ts). */
  readonly coalescing?: CoalescingWait;
  /** `already-covered` by a coalesced restart: which one. */
  readonly coalescedRestart?: CoalescedRestartRef;
  /** `dry-run` of a restart due in a coalescing window: the versions its one restart would apply. */
  readonly coalesced?: readonly PendingVersionRef[];
};
/**
 * `resumes`: the connector is PAUSED by an earlier pause/resume of the reloader that never resumed it: resume it.
 * `coalesced`: the versions waiting in the connector's coalescing window that this restart applies too.
 */
export type Decision =
  | {
      readonly action: 'restart';
      readonly resumes?: PausedByReloader;
      readonly coalesced?: readonly PendingVersionRef[];
    }
  | SkipDecision;

/** A (secret, version) pair a coalescing window holds for a connector. */
export interface PendingVersionRef {
  readonly secret: string;
  readonly version: string | null;
}

/** A connector whose restart waits in its coalescing window: due then, applying these. */
export interface CoalescingWait {
  readonly dueAt: Date;
  readonly pending: readonly PendingVersionRef[];
}

/** The one restart that applied a coalesced group: every rotation it covered names it. */
export interface CoalescedRestartRef {
  readonly id: string;
  readonly at: Date;
  readonly covers: readonly PendingVersionRef[];
}

export interface PlannedTarget {
  readonly connector: ConnectorRef;
  readonly sources: readonly TargetSource[];
  /** State at planning time; absent when the connector was not found. */
  readonly state?: string;
  readonly decision: Decision;
}

export interface ReloadPlan {
  /** Canonical secret id and the version being applied (null when unknown). */
  readonly secret: string;
  readonly version: string | null;
  readonly versionBecameCurrentAt?: Date;
  readonly notes: readonly string[];
  /** Set when the whole event is skipped (e.g. its version is still pending): then there are no targets. */
  readonly eventSkip?: SkipDecision;
  readonly targets: readonly PlannedTarget[];
}

export type OutcomeResult =
  /** Restarted and seen RUNNING with every task RUNNING. */
  | 'restarted'
  /** Restart accepted, then the connector FAILED or a task stayed in an error state (api-facts.ts). */
  | 'failed'
  /** Restart accepted, but it was not RUNNING before the verify timeout. */
  | 'timed-out'
  /** The restart request itself was refused or errored. */
  | 'restart-error'
  | 'skipped';

export interface ReloadOutcome {
  readonly connector: ConnectorRef;
  readonly result: OutcomeResult;
  readonly sources: readonly TargetSource[];
  readonly method?: RestartMethod;
  readonly reason?: SkipReason;
  /** Human-readable detail: the skip reason, the FAILED trace, or the error. Never a secret value. */
  readonly detail?: string;
  readonly finalStatus?: ConnectorStatus;
  /** A restart-error a redelivery of the event cannot fix (a permission is missing): false. Absent: it may help. */
  readonly retryable?: false;
  /** Milliseconds from handling the event to the restart being accepted. */
  readonly restartLatencyMs?: number;
  /**
   * Set on an `in-flight` skip that is not settled: another operation holds the connector, so the rotation must be
   * delivered again (and the holder restarts it once more when it releases it: pending-versions.ts).
   */
  readonly pending?: { readonly holder: string; readonly lockExpiresAt: number };
  /** A `coalescing` skip: the rotation is delivered again when the restart is due (restart-coalescing.ts). */
  readonly coalescing?: CoalescingWait;
  /** The coalesced restart that covered this rotation: the one this outcome made, or an earlier one. */
  readonly coalescedRestart?: CoalescedRestartRef;
}

export interface ReloadReport {
  readonly trigger: string;
  readonly secret: string;
  readonly version: string | null;
  readonly dryRun: boolean;
  readonly notes: readonly string[];
  readonly eventSkip?: SkipDecision;
  readonly outcomes: readonly ReloadOutcome[];
  /** When the source says the secret changed (the event's time), for the event-to-restart latency. */
  readonly eventTime?: Date;
  readonly startedAt: Date;
  readonly finishedAt: Date;
}

/** The connectors the rotation is not done with: locked by another operation, so it must be delivered again. */
export function pendingOutcomes(report: ReloadReport): ReloadOutcome[] {
  return report.outcomes.filter((outcome) => outcome.pending !== undefined);
}

/** The outcomes of connectors waiting in their coalescing window: the rotation comes back when they are due. */
export function coalescingOutcomes(report: ReloadReport): ReloadOutcome[] {
  return report.outcomes.filter((outcome) => outcome.coalescing !== undefined);
}

/** True when every connector that was meant to restart came back healthy. */
export function reportSucceeded(report: ReloadReport): boolean {
  return report.outcomes.every((outcome) => outcome.result === 'restarted' || outcome.result === 'skipped');
}
