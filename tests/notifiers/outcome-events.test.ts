import type { ReloadReport } from '../../shared/core/reload-plan';
import { outcomeEvents } from '../../shared/notifiers/outcome-events';
import { registerSensitiveValue } from '../../shared/observability/redaction';

const connector = (name: string) => ({ environmentId: 'env-prod01', clusterId: 'lkc-orders1', name });

const REPORT: ReloadReport = {
  trigger: 'aws.secretsmanager/Secret Label Updated',
  secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd',
  version: 'v2',
  dryRun: false,
  notes: [],
  outcomes: [
    {
      connector: connector('a'),
      sources: ['config-scan'],
      result: 'restarted',
      method: 'restart',
      restartLatencyMs: 80,
    },
    { connector: connector('b'), sources: ['secret-tag'], result: 'failed', method: 'restart', detail: 'auth failed' },
    { connector: connector('c'), sources: ['config-scan'], result: 'timed-out', detail: 'not RUNNING' },
    { connector: connector('d'), sources: ['mapping-file'], result: 'restart-error', detail: '403 CANARY-outcome-x9' },
    { connector: connector('e'), sources: ['config-scan'], result: 'skipped', reason: 'paused', detail: 'paused' },
  ],
  startedAt: new Date('2026-03-14T09:26:55Z'),
  finishedAt: new Date('2026-03-14T09:27:30Z'),
};

describe('outcomeEvents', () => {
  it('maps each outcome to Succeeded, Failed or Skipped with ids, version, result and timing', () => {
    // Act
    const events = outcomeEvents(REPORT);

    // Assess
    expect(events.map((event) => event.detailType)).toEqual([
      'Connector Reload Succeeded',
      'Connector Reload Failed',
      'Connector Reload Failed',
      'Connector Reload Failed',
      'Connector Reload Skipped',
    ]);
    expect(events[0]?.detail).toEqual({
      connector: 'env-prod01/lkc-orders1/a',
      environmentId: 'env-prod01',
      clusterId: 'lkc-orders1',
      connectorName: 'a',
      secret: REPORT.secret,
      version: 'v2',
      result: 'restarted',
      sources: ['config-scan'],
      method: 'restart',
      restartLatencyMs: 80,
      trigger: REPORT.trigger,
      finishedAt: '2026-03-14T09:27:30.000Z',
    });
    expect(events[4]?.detail).toMatchObject({ result: 'skipped', reason: 'paused' });
  });

  it('publishes nothing for a whole event skipped as version-not-current', () => {
    // Act / Assess
    expect(
      outcomeEvents({
        ...REPORT,
        outcomes: [],
        eventSkip: { action: 'skip', reason: 'version-not-current', detail: '' },
      }),
    ).toEqual([]);
  });

  it('redacts registered sensitive values in details', () => {
    // Prepare
    registerSensitiveValue('CANARY-outcome-x9');

    // Act
    const text = JSON.stringify(outcomeEvents(REPORT));

    // Assess
    expect(text).not.toContain('CANARY-outcome-x9');
    expect(text).toContain('[REDACTED]');
  });
});
