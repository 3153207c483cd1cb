import type { OutcomeReport } from '#core/outcome-report';
import type { OutcomeSink } from '#core/ports';
import { recoveryMetrics } from './recovery-metrics';
import { type MetricPoint, RELOAD_METRICS, reloadMetrics } from './reload-metrics';

/** What one outcome counts for: a rotation's reload metrics, a recovery's, or one secret expiry warning. */
export function outcomeMetrics(outcome: OutcomeReport): MetricPoint[] {
  switch (outcome.kind) {
    case 'rotation':
      return reloadMetrics(outcome.report);
    case 'recovery':
      return recoveryMetrics(outcome.report);
    case 'secret-expiry':
      return [{ name: RELOAD_METRICS.expiryWarnings, unit: 'Count', value: 1 }];
  }
}

/**
 * The metrics as an outcome sink: every outcome is counted where the runtime records metrics (EMF on Lambda). It
 * also counts the outcomes other sinks did not take (`undelivered`, wired to the fan-out), since a lost outcome
 * event or alert must show on a dashboard, not only in the logs.
 */
export class OutcomeMetricsSink implements OutcomeSink {
  readonly name = 'metrics';

  constructor(private readonly record: (points: readonly MetricPoint[]) => void) {}

  async deliver(outcome: OutcomeReport): Promise<void> {
    this.record(outcomeMetrics(outcome));
  }

  undelivered(): void {
    this.record([{ name: RELOAD_METRICS.notificationsFailed, unit: 'Count', value: 1 }]);
  }
}
