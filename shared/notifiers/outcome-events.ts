import { connectorKey } from '#core/connector-ref';
import type { OutcomeReport, SecretExpiryWarning } from '#core/outcome-report';
import type { RecoveryOutcome, RecoveryReport } from '#core/recovery-report';
import type { OutcomeResult, PendingVersionRef, ReloadOutcome, ReloadReport } from '#core/reload-plan';
import { redact } from '#observability/redaction';
import { cleanTrace } from '#observability/trace-hygiene';

export const OUTCOME_EVENT_SOURCE = 'connector-reloader';
export const RELOAD_SUCCEEDED = 'Connector Reload Succeeded';
export const RELOAD_FAILED = 'Connector Reload Failed';
export const RELOAD_SKIPPED = 'Connector Reload Skipped';
export const RECOVERY_SUCCEEDED = 'Connector Recovery Succeeded';
export const RECOVERY_FAILED = 'Connector Recovery Failed';
export const RECOVERY_SKIPPED = 'Connector Recovery Skipped';
export const RESTART_BUDGET_EXHAUSTED = 'Connector Restart Budget Exhausted';
export const SECRET_EXPIRING = 'Secret Expiring';
export const SECRET_EXPIRED = 'Secret Expired';

/** The `detail` of an outcome event: ids, versions, result and timing only, never a secret value. */
export interface OutcomeEventDetail {
  readonly connector: string;
  readonly environmentId: string;
  readonly clusterId: string;
  readonly connectorName: string;
  /** Canonical id of the rotated secret (its ARN or Key Vault URI). */
  readonly secret: string;
  readonly version: string | null;
  readonly result: OutcomeResult;
  /** How the connector was found: secret-tag, mapping-file, config-scan. */
  readonly sources: readonly string[];
  /** Skips only: paused, excluded, already-covered, in-flight, dry-run, not-found, other-cloud, plain-config, pinned-version, halted, coalescing. */
  readonly reason?: string;
  readonly method?: string;
  /** The FAILED trace, the timeout or the refused request: what to look at first. */
  readonly detail?: string;
  readonly restartLatencyMs?: number;
  /** A `coalescing` skip: when the one restart is due and the versions it will apply. */
  readonly coalescing?: { readonly dueAt: string; readonly pending: readonly PendingVersionRef[] };
  /** The coalesced restart that applied this rotation's version (made by this outcome or an earlier one). */
  readonly coalescedRestart?: {
    readonly id: string;
    readonly at: string;
    readonly covers: readonly PendingVersionRef[];
  };
  readonly trigger: string;
  readonly finishedAt: string;
}

export interface OutcomeEvent {
  readonly detailType: typeof RELOAD_SUCCEEDED | typeof RELOAD_FAILED | typeof RELOAD_SKIPPED;
  readonly detail: OutcomeEventDetail;
}

/** The `detail` of a recovery event (a failed connector restarted, or not): ids, result, budget and timing only. */
export interface RecoveryEventDetail {
  readonly connector: string;
  readonly environmentId: string;
  readonly clusterId: string;
  readonly connectorName: string;
  readonly result: RecoveryOutcome['result'];
  /** Skips only: not-failed, paused, excluded, in-flight, backoff, deferred, budget-exhausted, dry-run, not-found,
   * out-of-time. */
  readonly reason?: string;
  /** Which automatic restart of the current streak this was (1 = first). */
  readonly attempt?: number;
  /** When the next automatic restart may happen (backoff or a maintenance window). */
  readonly nextAttemptAt?: string;
  readonly method?: string;
  /** The FAILED trace, the timeout or the refused request (redacted), or why it was skipped. */
  readonly detail?: string;
  /** `webhook`, `webhook (sweep: no connector named)` or `sweep`. */
  readonly trigger: string;
  readonly dryRun: boolean;
  readonly finishedAt: string;
}

/** The `detail` of a secret expiry event: the secret's id and version, and when; never its value. */
export interface SecretExpiryEventDetail {
  readonly secret: string;
  readonly version: string | null;
  readonly expired: boolean;
  readonly expiresAt?: string;
  readonly message: string;
}

/** Any event the reloader puts on the bus, rotation, recovery or expiry. */
export type AnyOutcomeEvent =
  | OutcomeEvent
  | {
      readonly detailType:
        | typeof RECOVERY_SUCCEEDED
        | typeof RECOVERY_FAILED
        | typeof RECOVERY_SKIPPED
        | typeof RESTART_BUDGET_EXHAUSTED;
      readonly detail: RecoveryEventDetail;
    }
  | { readonly detailType: typeof SECRET_EXPIRING | typeof SECRET_EXPIRED; readonly detail: SecretExpiryEventDetail };

const FAILED_RESULTS: ReadonlySet<OutcomeResult> = new Set(['failed', 'timed-out', 'restart-error']);

/**
 * One event per affected connector: Succeeded (restarted and verified RUNNING), Failed (FAILED, timed out, restart
 * refused) or Skipped with its reason, so a paused connector that keeps a stale credential is visible too. A whole
 * event skipped as version-not-current has no connectors and publishes nothing (it is logged and counted).
 */
export function outcomeEvents(report: ReloadReport): OutcomeEvent[] {
  return report.outcomes.map((outcome) => ({
    detailType:
      outcome.result === 'skipped'
        ? RELOAD_SKIPPED
        : FAILED_RESULTS.has(outcome.result)
          ? RELOAD_FAILED
          : RELOAD_SUCCEEDED,
    detail: detailOf(report, outcome),
  }));
}

/** The events of any outcome report, by kind. */
export function eventsOf(outcome: OutcomeReport): AnyOutcomeEvent[] {
  switch (outcome.kind) {
    case 'rotation':
      return outcomeEvents(outcome.report);
    case 'recovery':
      return recoveryEvents(outcome.report);
    case 'secret-expiry':
      return [secretExpiryEvent(outcome.warning)];
  }
}

/**
 * One event per recovery outcome: Succeeded (restarted and verified RUNNING), Failed (FAILED, timed out, restart
 * refused), Restart Budget Exhausted (the streak ran out: once per streak, when people must act), or Skipped with
 * its reason. A sweep meets every PAUSED connector, and every connector whose budget is spent, every few minutes:
 * those repeat skips say nothing new and are left out (a webhook report of one still gets its Skipped event).
 */
export function recoveryEvents(report: RecoveryReport): AnyOutcomeEvent[] {
  const sweep = report.trigger === 'sweep';
  return report.outcomes.flatMap((outcome): AnyOutcomeEvent[] => {
    if (sweep && outcome.result === 'skipped' && !outcome.alert) {
      if (outcome.reason === 'paused' || outcome.reason === 'budget-exhausted') return [];
    }
    const detailType = outcome.alert
      ? RESTART_BUDGET_EXHAUSTED
      : outcome.result === 'skipped'
        ? RECOVERY_SKIPPED
        : outcome.result === 'restarted'
          ? RECOVERY_SUCCEEDED
          : RECOVERY_FAILED;
    return [{ detailType, detail: recoveryDetailOf(report, outcome) }];
  });
}

export function secretExpiryEvent(warning: SecretExpiryWarning): AnyOutcomeEvent {
  return {
    detailType: warning.expired ? SECRET_EXPIRED : SECRET_EXPIRING,
    detail: {
      secret: warning.secret,
      version: warning.version,
      expired: warning.expired,
      ...(warning.expiresAt ? { expiresAt: warning.expiresAt.toISOString() } : {}),
      message: redact(warning.message),
    },
  };
}

function recoveryDetailOf(report: RecoveryReport, outcome: RecoveryOutcome): RecoveryEventDetail {
  return {
    connector: connectorKey(outcome.connector),
    environmentId: outcome.connector.environmentId,
    clusterId: outcome.connector.clusterId,
    connectorName: outcome.connector.name,
    result: outcome.result,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    ...(outcome.attempt !== undefined ? { attempt: outcome.attempt } : {}),
    ...(outcome.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(outcome.nextAttemptAt).toISOString() } : {}),
    ...(outcome.method ? { method: outcome.method } : {}),
    // Traces come from Confluent: scrubbed and bounded like any trace leaving the process.
    ...(outcome.detail ? { detail: cleanTrace(outcome.detail) } : {}),
    trigger: report.trigger,
    dryRun: report.dryRun,
    finishedAt: report.finishedAt.toISOString(),
  };
}

function detailOf(report: ReloadReport, outcome: ReloadOutcome): OutcomeEventDetail {
  return {
    connector: connectorKey(outcome.connector),
    environmentId: outcome.connector.environmentId,
    clusterId: outcome.connector.clusterId,
    connectorName: outcome.connector.name,
    secret: report.secret,
    version: report.version,
    result: outcome.result,
    sources: outcome.sources,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    ...(outcome.method ? { method: outcome.method } : {}),
    // A trace comes from Confluent: scrubbed and bounded like any trace leaving the process.
    ...(outcome.detail ? { detail: cleanTrace(outcome.detail) } : {}),
    ...(outcome.restartLatencyMs !== undefined ? { restartLatencyMs: outcome.restartLatencyMs } : {}),
    ...(outcome.coalescing
      ? { coalescing: { dueAt: outcome.coalescing.dueAt.toISOString(), pending: outcome.coalescing.pending } }
      : {}),
    ...(outcome.coalescedRestart
      ? {
          coalescedRestart: {
            id: outcome.coalescedRestart.id,
            at: outcome.coalescedRestart.at.toISOString(),
            covers: outcome.coalescedRestart.covers,
          },
        }
      : {}),
    trigger: report.trigger,
    finishedAt: report.finishedAt.toISOString(),
  };
}
