import type { RecoveryReport } from '#core/recovery-report';
import type { ReloadReport } from '#core/reload-plan';
import { eventsOf, outcomeEvents, recoveryEvents } from '#notifiers/outcome-events';
import { registerSensitiveValue } from '#observability/redaction';

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

const RECOVERY: RecoveryReport = {
  trigger: 'webhook',
  dryRun: false,
  clustersListed: 1,
  outcomes: [
    { connector: connector('a'), result: 'restarted', attempt: 1, method: 'restart' },
    { connector: connector('b'), result: 'failed', attempt: 2, detail: 'task 0: 401 CANARY-recovery-q4' },
    { connector: connector('c'), result: 'skipped', reason: 'budget-exhausted', detail: 'spent', alert: true },
    {
      connector: connector('d'),
      result: 'skipped',
      reason: 'backoff',
      detail: 'waiting',
      nextAttemptAt: Date.parse('2026-03-14T09:33:30Z'),
    },
    { connector: connector('e'), result: 'skipped', reason: 'paused', detail: 'paused' },
  ],
  startedAt: new Date('2026-03-14T09:27:00Z'),
  finishedAt: new Date('2026-03-14T09:27:30Z'),
};

describe('recoveryEvents', () => {
  it('maps recoveries to Succeeded, Failed, Restart Budget Exhausted and Skipped, with attempt and next try', () => {
    // Act
    const events = recoveryEvents(RECOVERY);

    // Assess
    expect(events.map((event) => event.detailType)).toEqual([
      'Connector Recovery Succeeded',
      'Connector Recovery Failed',
      'Connector Restart Budget Exhausted',
      'Connector Recovery Skipped',
      'Connector Recovery Skipped',
    ]);
    expect(events[0]?.detail).toEqual({
      connector: 'env-prod01/lkc-orders1/a',
      environmentId: 'env-prod01',
      clusterId: 'lkc-orders1',
      connectorName: 'a',
      result: 'restarted',
      attempt: 1,
      method: 'restart',
      trigger: 'webhook',
      dryRun: false,
      finishedAt: '2026-03-14T09:27:30.000Z',
    });
    expect(events[3]?.detail).toMatchObject({ reason: 'backoff', nextAttemptAt: '2026-03-14T09:33:30.000Z' });
  });

  it("leaves out a sweep's recurring skips (paused, budget already alerted) but keeps the first exhaustion", () => {
    // Prepare
    const sweep: RecoveryReport = {
      ...RECOVERY,
      trigger: 'sweep',
      outcomes: [
        ...RECOVERY.outcomes,
        { connector: connector('f'), result: 'skipped', reason: 'budget-exhausted', detail: 'spent' },
      ],
    };

    // Act
    const events = recoveryEvents(sweep);

    // Assess
    expect(events.map((event) => (event.detail as { connectorName: string }).connectorName)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('publishes expiry warnings as Secret Expiring / Secret Expired, and redacts registered values', () => {
    // Prepare
    registerSensitiveValue('CANARY-recovery-q4');
    const warning = {
      secret: 'https://contoso.vault.azure.net/secrets/db',
      version: 'v1',
      expired: false,
      expiresAt: new Date('2026-03-20T00:00:00Z'),
      message: 'db is about to expire',
    };

    // Act
    const expiring = eventsOf({ kind: 'secret-expiry', warning });
    const expired = eventsOf({ kind: 'secret-expiry', warning: { ...warning, expired: true } });
    const text = JSON.stringify(eventsOf({ kind: 'recovery', report: RECOVERY }));

    // Assess
    expect(expiring).toEqual([
      {
        detailType: 'Secret Expiring',
        detail: { ...warning, expiresAt: '2026-03-20T00:00:00.000Z' },
      },
    ]);
    expect(expired[0]?.detailType).toBe('Secret Expired');
    expect(text).not.toContain('CANARY-recovery-q4');
    expect(text).toContain('[REDACTED]');
  });
});
