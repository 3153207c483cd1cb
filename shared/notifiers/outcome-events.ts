import { connectorKey } from '../core/connector-ref';
import type { OutcomeResult, ReloadOutcome, ReloadReport } from '../core/reload-plan';
import { redact } from '../observability/redaction';

export const OUTCOME_EVENT_SOURCE = 'connector-reloader';
export const RELOAD_SUCCEEDED = 'Connector Reload Succeeded';
export const RELOAD_FAILED = 'Connector Reload Failed';
export const RELOAD_SKIPPED = 'Connector Reload Skipped';

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
  /** Skips only: paused, excluded, already-covered, in-flight, dry-run, not-found, other-cloud. */
  readonly reason?: string;
  readonly method?: string;
  /** The FAILED trace, the timeout or the refused request: what to look at first. */
  readonly detail?: string;
  readonly restartLatencyMs?: number;
  readonly trigger: string;
  readonly finishedAt: string;
}

export interface OutcomeEvent {
  readonly detailType: typeof RELOAD_SUCCEEDED | typeof RELOAD_FAILED | typeof RELOAD_SKIPPED;
  readonly detail: OutcomeEventDetail;
}

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
    // A trace comes from Confluent: redact it like any other text leaving the process.
    ...(outcome.detail ? { detail: redact(outcome.detail) } : {}),
    ...(outcome.restartLatencyMs !== undefined ? { restartLatencyMs: outcome.restartLatencyMs } : {}),
    trigger: report.trigger,
    finishedAt: report.finishedAt.toISOString(),
  };
}
