import type { RecoveryReport } from '#core/recovery-report';
import type { MetricPoint } from './reload-metrics';

/** Metric names of failed-connector recovery, in the same EMF namespace as the reload metrics. */
export const RECOVERY_METRICS = {
  queued: 'FailureReportsQueued',
  issued: 'RecoveryRestartsIssued',
  succeeded: 'RecoveryRestartsSucceeded',
  failed: 'RecoveryRestartsFailed',
  exhausted: 'RestartBudgetsExhausted',
} as const;

/** Restarts issued, verified RUNNING, and not (FAILED, timed out, refused); budgets that ran out (alerted). */
export function recoveryMetrics(report: RecoveryReport): MetricPoint[] {
  const restarts = report.outcomes.filter((outcome) => outcome.result !== 'skipped');
  const count = (name: string, value: number): MetricPoint => ({ name, unit: 'Count', value });
  return [
    count(RECOVERY_METRICS.issued, restarts.length),
    count(RECOVERY_METRICS.succeeded, restarts.filter((outcome) => outcome.result === 'restarted').length),
    count(RECOVERY_METRICS.failed, restarts.filter((outcome) => outcome.result !== 'restarted').length),
    count(RECOVERY_METRICS.exhausted, report.outcomes.filter((outcome) => outcome.alert).length),
  ];
}
