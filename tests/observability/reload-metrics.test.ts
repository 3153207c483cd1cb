import type { ReloadOutcome, ReloadReport } from '#core/reload-plan';
import { reloadMetrics } from '#observability/reload-metrics';

const connector = (name: string) => ({ environmentId: 'env-prod01', clusterId: 'lkc-orders1', name });

function report(outcomes: ReloadOutcome[], extra: Partial<ReloadReport> = {}): ReloadReport {
  return {
    trigger: 'aws.secretsmanager/Secret Label Updated',
    secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd',
    version: 'v2',
    dryRun: false,
    notes: [],
    outcomes,
    startedAt: new Date('2026-03-14T09:26:55.000Z'),
    finishedAt: new Date('2026-03-14T09:27:30.000Z'),
    ...extra,
  };
}

const value = (points: ReturnType<typeof reloadMetrics>, name: string) =>
  points.filter((point) => point.name === name && !point.dimensions).map((point) => point.value);

describe('reloadMetrics', () => {
  it('counts restarts issued, succeeded and failed, and skips by reason', () => {
    // Prepare
    const outcomes: ReloadOutcome[] = [
      { connector: connector('a'), sources: [], result: 'restarted', restartLatencyMs: 400 },
      { connector: connector('b'), sources: [], result: 'failed', restartLatencyMs: 500 },
      { connector: connector('c'), sources: [], result: 'timed-out', restartLatencyMs: 600 },
      { connector: connector('d'), sources: [], result: 'restart-error' },
      { connector: connector('e'), sources: [], result: 'skipped', reason: 'paused' },
      { connector: connector('f'), sources: [], result: 'skipped', reason: 'paused' },
      { connector: connector('g'), sources: [], result: 'skipped', reason: 'excluded' },
    ];

    // Act
    const points = reloadMetrics(report(outcomes));

    // Assess
    expect(value(points, 'ReloadsIssued')).toEqual([4]);
    expect(value(points, 'ReloadsSucceeded')).toEqual([1]);
    expect(value(points, 'ReloadsFailed')).toEqual([3]);
    expect(value(points, 'ReloadsSkipped')).toEqual([3]);
    expect(points.filter((point) => point.dimensions)).toEqual([
      { name: 'ReloadsSkipped', unit: 'Count', value: 2, dimensions: { Reason: 'paused' } },
      { name: 'ReloadsSkipped', unit: 'Count', value: 1, dimensions: { Reason: 'excluded' } },
    ]);
  });

  it('measures event-to-restart latency from the event time through the accepted restart', () => {
    // Prepare: the event says 09:26:53, handling started 2 s later, restarts accepted 400 and 500 ms after that.
    const outcomes: ReloadOutcome[] = [
      { connector: connector('a'), sources: [], result: 'restarted', restartLatencyMs: 400 },
      { connector: connector('b'), sources: [], result: 'failed', restartLatencyMs: 500 },
    ];

    // Act
    const points = reloadMetrics(report(outcomes, { eventTime: new Date('2026-03-14T09:26:53Z') }));

    // Assess
    expect(value(points, 'EventToRestartLatency')).toEqual([2_400, 2_500]);
    expect(points.find((point) => point.name === 'EventToRestartLatency')?.unit).toBe('Milliseconds');
  });

  it('never reports a negative latency when the event time is later than our clock, and counts a whole-event skip', () => {
    // Prepare
    const pending = report([], {
      eventSkip: { action: 'skip', reason: 'version-not-current', detail: 'pending' },
    });

    // Act
    const skipped = reloadMetrics(pending);
    const early = reloadMetrics(
      report([{ connector: connector('a'), sources: [], result: 'restarted', restartLatencyMs: 300 }], {
        eventTime: new Date('2026-03-14T09:27:00Z'),
      }),
    );

    // Assess
    expect(skipped).toContainEqual({
      name: 'ReloadsSkipped',
      unit: 'Count',
      value: 1,
      dimensions: { Reason: 'version-not-current' },
    });
    expect(value(skipped, 'ReloadsIssued')).toEqual([0]);
    expect(value(early, 'EventToRestartLatency')).toEqual([300]);
  });
});
