import { RotationDeferredError } from '#app/handle-trigger';
import type { SecretRotated } from '#core/events';
import type { ReloadOutcome, ReloadReport } from '#core/reload-plan';
import { parseSecretRef } from '#core/secret-ref';
import { deferredSummary, rotationKey, summarize } from '#functions/aws/rotation-summary';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/billing-db-user-Us3r01';
const EVENT: SecretRotated = { kind: 'secret-rotated', secret: parseSecretRef(ARN), version: 'u2', source: 'test' };
const BILLING = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'billing-cdc' };
const LEDGER = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'ledger-cdc' };
const AT = new Date('2026-11-27T12:00:35Z');
const restart = (connector: string) => ({ id: `${connector}@${AT.toISOString()}`, at: AT, covers: [] });

function report(...outcomes: ReloadOutcome[]): ReloadReport {
  return {
    trigger: 'test',
    secret: ARN,
    version: 'u2',
    dryRun: false,
    notes: [],
    outcomes,
    startedAt: AT,
    finishedAt: AT,
  };
}

describe('rotation summaries and coalescing', () => {
  it('names the coalesced restarts that applied the version, whether this rotation made them or found them', () => {
    // Prepare
    const made: ReloadOutcome = {
      connector: BILLING,
      sources: [],
      result: 'restarted',
      coalescedRestart: restart('env-p1/lkc-1/billing-cdc'),
    };
    const found: ReloadOutcome = {
      connector: LEDGER,
      sources: [],
      result: 'skipped',
      reason: 'already-covered',
      coalescedRestart: restart('env-p1/lkc-1/ledger-cdc'),
    };
    const plain: ReloadOutcome = { connector: LEDGER, sources: [], result: 'restarted' };

    // Act
    const coalesced = summarize({ kind: 'reloaded', event: EVENT, report: report(found, made) }, 'req-1');
    const alone = summarize({ kind: 'reloaded', event: EVENT, report: report(plain) }, 'req-1');

    // Assess
    expect(coalesced).toMatchObject({
      kind: 'reloaded',
      restarted: 1,
      skipped: 1,
      coalescedRestarts: [
        'env-p1/lkc-1/billing-cdc@2026-11-27T12:00:35.000Z',
        'env-p1/lkc-1/ledger-cdc@2026-11-27T12:00:35.000Z',
      ],
    });
    expect(alone).not.toHaveProperty('coalescedRestarts');
  });

  it('answers a deferral with when it is due, who waits, and when it comes back', () => {
    // Prepare
    const dueAt = new Date('2026-11-27T12:01:05Z');
    const waiting: ReloadOutcome = {
      connector: BILLING,
      sources: [],
      result: 'skipped',
      reason: 'coalescing',
      coalescing: { dueAt, pending: [{ secret: ARN, version: 'u2' }] },
    };
    const deferred = new RotationDeferredError(report(waiting), dueAt);

    // Act
    const summary = deferredSummary(rotationKey(EVENT), deferred, 30);

    // Assess
    expect(summary).toEqual({
      kind: 'deferred',
      secret: rotationKey(EVENT).secret,
      version: 'u2',
      dueAt: '2026-11-27T12:01:05.000Z',
      waiting: ['env-p1/lkc-1/billing-cdc'],
      retryInSeconds: 30,
    });
  });
});
