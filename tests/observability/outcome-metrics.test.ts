import type { OutcomeReport } from '#core/outcome-report';
import { OutcomeMetricsSink } from '#observability/outcome-metrics';
import type { MetricPoint } from '#observability/reload-metrics';

const connector = (name: string) => ({ environmentId: 'env-prod01', clusterId: 'lkc-orders1', name });
const STARTED = new Date('2026-03-14T09:26:55.000Z');
const FINISHED = new Date('2026-03-14T09:27:30.000Z');

function recordingSink() {
  const points: MetricPoint[] = [];
  const sink = new OutcomeMetricsSink((recorded) => void points.push(...recorded));
  const value = (name: string) => points.filter((p) => p.name === name && !p.dimensions).map((p) => p.value);
  return { sink, points, value };
}

describe('OutcomeMetricsSink', () => {
  it('counts a rotation as its reload metrics, the latency measured from the event time on the report', async () => {
    // Prepare
    const { sink, points, value } = recordingSink();
    const rotation: OutcomeReport = {
      kind: 'rotation',
      report: {
        trigger: 'aws.secretsmanager/Secret Label Updated',
        secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd',
        version: 'v2',
        dryRun: false,
        notes: [],
        outcomes: [
          { connector: connector('a'), sources: [], result: 'restarted', restartLatencyMs: 400 },
          { connector: connector('b'), sources: [], result: 'skipped', reason: 'paused' },
        ],
        eventTime: new Date('2026-03-14T09:26:53.000Z'),
        startedAt: STARTED,
        finishedAt: FINISHED,
      },
    };

    // Act
    await sink.deliver(rotation);

    // Assess
    expect(value('ReloadsIssued')).toEqual([1]);
    expect(value('ReloadsSucceeded')).toEqual([1]);
    expect(value('EventToRestartLatency')).toEqual([2_400]);
    expect(points).toContainEqual({
      name: 'ReloadsSkipped',
      unit: 'Count',
      value: 1,
      dimensions: { Reason: 'paused' },
    });
  });

  it('counts a recovery as restarts issued, succeeded, failed and budgets exhausted', async () => {
    // Prepare
    const { sink, value } = recordingSink();
    const recovery: OutcomeReport = {
      kind: 'recovery',
      report: {
        trigger: 'sweep',
        dryRun: false,
        clustersListed: 1,
        outcomes: [
          { connector: connector('a'), result: 'restarted', attempt: 1 },
          { connector: connector('b'), result: 'failed', attempt: 2 },
          { connector: connector('c'), result: 'skipped', reason: 'budget-exhausted', alert: true },
        ],
        startedAt: STARTED,
        finishedAt: FINISHED,
      },
    };

    // Act
    await sink.deliver(recovery);

    // Assess
    expect(value('RecoveryRestartsIssued')).toEqual([2]);
    expect(value('RecoveryRestartsSucceeded')).toEqual([1]);
    expect(value('RecoveryRestartsFailed')).toEqual([1]);
    expect(value('RestartBudgetsExhausted')).toEqual([1]);
  });

  it('counts a secret expiry warning, and an outcome other sinks did not take', async () => {
    // Prepare
    const { sink, points } = recordingSink();
    const expiry: OutcomeReport = {
      kind: 'secret-expiry',
      warning: { secret: 'prod/orders-db', version: 'v1', expired: true, message: 'prod/orders-db has expired' },
    };

    // Act
    await sink.deliver(expiry);
    sink.undelivered();

    // Assess
    expect(points).toEqual([
      { name: 'SecretExpiryWarnings', unit: 'Count', value: 1 },
      { name: 'OutcomeNotificationsFailed', unit: 'Count', value: 1 },
    ]);
  });
});
