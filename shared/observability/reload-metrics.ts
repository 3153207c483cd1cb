import type { ReloadReport } from '#core/reload-plan';

/** Metric names, in the `ConnectorReloader` namespace when published as EMF; dashboards and alarms use them. */
export const RELOAD_METRICS = {
  issued: 'ReloadsIssued',
  succeeded: 'ReloadsSucceeded',
  failed: 'ReloadsFailed',
  skipped: 'ReloadsSkipped',
  latency: 'EventToRestartLatency',
  /** Events that needed no reload (other labels, AWSPENDING-only writes, unrelated calls). */
  ignored: 'EventsIgnored',
  /** Rotations of secrets the function may not read (AccessDenied): ignored, never retried or dead-lettered. */
  notPermitted: 'RotationNotPermitted',
  /** Deliveries of a (secret, version) already handled or being handled: answered by idempotency. */
  duplicates: 'DuplicateDeliveries',
  /** Secret expiry warnings (Key Vault SecretNearExpiry / SecretExpired). */
  expiryWarnings: 'SecretExpiryWarnings',
  /** Outcomes (of any kind) one or more outcome sinks did not take (the outcome itself is in the logs). */
  notificationsFailed: 'OutcomeNotificationsFailed',
} as const;

/** The dimension that splits ReloadsSkipped by skip reason (paused, excluded, already-covered, …). */
export const SKIP_REASON_DIMENSION = 'Reason';

export interface MetricPoint {
  readonly name: string;
  readonly unit: 'Count' | 'Milliseconds';
  readonly value: number;
  /** Extra dimensions for this point alone (published as its own metric record). */
  readonly dimensions?: Readonly<Record<string, string>>;
}

/**
 * What one reload report counts for: a restart issued per connector that was not skipped, succeeded when it was seen
 * RUNNING, failed when it went FAILED, timed out or was refused; one skip per skipped connector (and one for a
 * whole event skipped as version-not-current), split by reason; and per restart the latency from the event's time
 * (when the source says the secret changed) to the restart being accepted.
 */
export function reloadMetrics(report: ReloadReport): MetricPoint[] {
  const points: MetricPoint[] = [];
  const count = (name: string, value: number) => points.push({ name, unit: 'Count', value });
  const restarts = report.outcomes.filter((outcome) => outcome.result !== 'skipped');
  count(RELOAD_METRICS.issued, restarts.length);
  count(RELOAD_METRICS.succeeded, restarts.filter((outcome) => outcome.result === 'restarted').length);
  count(RELOAD_METRICS.failed, restarts.filter((outcome) => outcome.result !== 'restarted').length);

  const skipReasons = report.outcomes.flatMap((outcome) =>
    outcome.result === 'skipped' ? [outcome.reason ?? 'unknown'] : [],
  );
  if (report.eventSkip) skipReasons.push(report.eventSkip.reason);
  count(RELOAD_METRICS.skipped, skipReasons.length);
  const byReason = new Map<string, number>();
  for (const reason of skipReasons) byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
  for (const [reason, value] of byReason) {
    points.push({
      name: RELOAD_METRICS.skipped,
      unit: 'Count',
      value,
      dimensions: { [SKIP_REASON_DIMENSION]: reason },
    });
  }

  // Time the event spent reaching us (EventBridge times are to the second, so never below zero) plus our own part.
  const delivery = report.eventTime ? Math.max(0, report.startedAt.getTime() - report.eventTime.getTime()) : 0;
  for (const outcome of restarts) {
    if (outcome.restartLatencyMs === undefined) continue;
    points.push({ name: RELOAD_METRICS.latency, unit: 'Milliseconds', value: delivery + outcome.restartLatencyMs });
  }
  return points;
}
