import { connectorKey } from '#core/connector-ref';
import type { RecoveryReport } from '#core/recovery-report';

/** What a recovery invocation reports: ids, results, reasons and times, never a value (traces stay in the logs). */
export interface RecoverySummary {
  readonly trigger: string;
  readonly dryRun: boolean;
  readonly clustersListed: number;
  readonly outcomes: readonly {
    readonly connector: string;
    readonly result: string;
    readonly reason?: string;
    readonly attempt?: number;
    readonly nextAttemptAt?: string;
    readonly alert?: true;
  }[];
}

export function summarizeRecovery(report: RecoveryReport): RecoverySummary {
  return {
    trigger: report.trigger,
    dryRun: report.dryRun,
    clustersListed: report.clustersListed,
    outcomes: report.outcomes.map((outcome) => ({
      connector: connectorKey(outcome.connector),
      result: outcome.result,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(outcome.attempt !== undefined ? { attempt: outcome.attempt } : {}),
      ...(outcome.nextAttemptAt !== undefined ? { nextAttemptAt: new Date(outcome.nextAttemptAt).toISOString() } : {}),
      ...(outcome.alert ? { alert: true as const } : {}),
    })),
  };
}
