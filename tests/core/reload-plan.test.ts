import { type OutcomeResult, type ReloadReport, reportSucceeded } from '#core/reload-plan';

const CONNECTOR = { environmentId: 'env-p1', clusterId: 'lkc-a1', name: 'orders-cdc' };

function report(...results: OutcomeResult[]): ReloadReport {
  return {
    trigger: 'test',
    secret: 'db',
    version: 'v2',
    dryRun: false,
    notes: [],
    outcomes: results.map((result) => ({ connector: CONNECTOR, result, sources: ['config-scan'] })),
    startedAt: new Date(0),
    finishedAt: new Date(0),
  };
}

describe('reportSucceeded', () => {
  it('holds when every connector restarted or was skipped, and when there was nothing to do', () => {
    // Act
    const verdicts = [report('restarted', 'skipped'), report('skipped'), report('restarted'), report()].map(
      reportSucceeded,
    );

    // Assess
    expect(verdicts).toEqual([true, true, true, true]);
  });

  it.each<OutcomeResult>(['failed', 'timed-out', 'restart-error'])('fails when one connector %s', (result) => {
    // Act
    const succeeded = reportSucceeded(report('restarted', result, 'skipped'));

    // Assess
    expect(succeeded).toBe(false);
  });
});
