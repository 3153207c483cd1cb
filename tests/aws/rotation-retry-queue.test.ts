import { SQSClient } from '@aws-sdk/client-sqs';
import { RotationDeferredError, RotationPendingError } from '#app/handle-trigger';
import { fromSecretEventMessage } from '#app/secret-event-message';
import { SETTINGS } from '#config/setting-table';
import type { SecretRotated } from '#core/events';
import type { ReloadOutcome, ReloadReport } from '#core/reload-plan';
import { parseSecretRef } from '#core/secret-ref';
import {
  ATTEMPT_ATTRIBUTE,
  checkRetryBudget,
  DUE_AT_ATTRIBUTE,
  deferralDelaySeconds,
  MAX_DELAY_SECONDS,
  MAX_PENDING_ATTEMPTS,
  nextPendingAttempt,
  RotationRetryQueue,
  retryDelaySeconds,
} from '#functions/aws/rotation-retry-queue';
import { type SqsEmulator, startSqsEmulator } from '#local/sqs-emulator';

const FINISHED_AT = Date.parse('2026-11-27T12:00:00Z');
const ORDERS = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'orders-cdc' };
const OUTBOX = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'orders-outbox' };
const EVENT: SecretRotated = {
  kind: 'secret-rotated',
  secret: parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd'),
  version: 'v2',
  source: 'test',
};

function report(...outcomes: ReloadOutcome[]): ReloadReport {
  return {
    trigger: 'test',
    secret: 'prod/orders-db',
    version: 'v2',
    dryRun: false,
    notes: [],
    outcomes,
    startedAt: new Date(FINISHED_AT - 1_000),
    finishedAt: new Date(FINISHED_AT),
  };
}

/** A connector waiting in its coalescing window, due `dueInMs` after the reload finished. */
const waiting = (connector: typeof ORDERS, dueInMs: number): ReloadOutcome => ({
  connector,
  sources: [],
  result: 'skipped',
  reason: 'coalescing',
  coalescing: { dueAt: new Date(FINISHED_AT + dueInMs), pending: [{ secret: 'prod/orders-db', version: 'v2' }] },
});

/** A connector another operation holds, its lock expiring `expiresInMs` after the reload finished. */
const locked = (connector: typeof ORDERS, expiresInMs: number): ReloadOutcome => ({
  connector,
  sources: [],
  result: 'skipped',
  reason: 'in-flight',
  pending: { holder: 'recover failed (attempt 1)', lockExpiresAt: FINISHED_AT + expiresInMs },
});

describe('the rotation retry queue: delays and budget', () => {
  it('waits until the holding lock expires, a little after, within SQS limits', () => {
    // Act
    const delays = [0, 1_000, 60_000, 899_000, 3_600_000].map(retryDelaySeconds);

    // Assess
    expect(delays).toEqual([10, 10, 65, MAX_DELAY_SECONDS, MAX_DELAY_SECONDS]);
  });

  it('outlasts two locks of the default LOCK_TTL_SECONDS, and refuses a lock its tries cannot outlast', () => {
    // Prepare
    const defaultTtlMs = Number(SETTINGS.LOCK_TTL_SECONDS.default) * 1000;
    const longest = (MAX_PENDING_ATTEMPTS * MAX_DELAY_SECONDS * 1000) / 2;

    // Act
    const ok = () => checkRetryBudget(defaultTtlMs);
    const edge = () => checkRetryBudget(longest);
    const tooLong = () => checkRetryBudget(longest + 1_000);

    // Assess
    expect(ok).not.toThrow();
    expect(edge).not.toThrow();
    expect(tooLong).toThrow(/LOCK_TTL_SECONDS \(3601\) must be at most 3600/);
  });
});

describe('the rotation retry queue: a coalescing deferral', () => {
  it('comes back when its restart is due, rounded up to the second, never early, never negative, at most 900 s', () => {
    // Prepare
    const now = new Date(FINISHED_AT);
    const dueIn = [30_000, 29_001, 30_001, 1, 0, -5_000, 900_000, 900_001, 1_500_000];

    // Act
    const delays = dueIn.map((ms) => deferralDelaySeconds(new Date(FINISHED_AT + ms), now));

    // Assess
    expect(delays).toEqual([30, 30, 31, 1, 0, 0, MAX_DELAY_SECONDS, MAX_DELAY_SECONDS, MAX_DELAY_SECONDS]);
  });

  it('spends a pending try on a lock, but not on a try brought forward to a coalescing due time', () => {
    // Prepare
    const onLock = new RotationPendingError(report(locked(OUTBOX, 600_000)));
    const broughtForward = new RotationPendingError(report(waiting(ORDERS, 20_000), locked(OUTBOX, 600_000)));
    const dueAfterTheLock = new RotationPendingError(report(waiting(ORDERS, 700_000), locked(OUTBOX, 600_000)));

    // Act
    const next = [onLock, broughtForward, dueAfterTheLock].map((pending) => nextPendingAttempt(pending, 3));

    // Assess
    expect(broughtForward.retryAfterMs).toBe(20_000);
    expect(next).toEqual([4, 3, 4]);
  });
});

describe('the rotation retry queue: a deferral on the local SQS', () => {
  let sqs: SqsEmulator;
  let client: SQSClient;
  let now = FINISHED_AT;
  const QUEUE = 'rotation-retries';

  beforeAll(async () => {
    sqs = await startSqsEmulator({ queues: [{ name: QUEUE }], now: () => now });
    client = new SQSClient({
      region: 'us-east-1',
      endpoint: sqs.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    client.destroy();
    await sqs.close();
  });

  beforeEach(() => sqs.control.reset());

  it('sends the rotation with its delay, the same try number, and when it is due; 900 s for a due time past that', async () => {
    // Prepare
    const queue = new RotationRetryQueue(client, sqs.queueUrl(QUEUE));
    const soon = new RotationDeferredError(report(waiting(ORDERS, 30_200)), new Date(FINISHED_AT + 30_200));
    const late = new RotationDeferredError(report(waiting(OUTBOX, 1_500_000)), new Date(FINISHED_AT + 1_500_000));

    // Act
    const scheduled = [
      await queue.defer(EVENT, soon, 3, new Date(FINISHED_AT)),
      await queue.defer(EVENT, late, MAX_PENDING_ATTEMPTS, new Date(FINISHED_AT)),
    ];
    const delays = sqs.control.messages(QUEUE).map((message) => message.delaySeconds);
    now = FINISHED_AT + 30_999;
    const beforeDue = sqs.control.receiveEvent(QUEUE).Records.length;
    now = FINISHED_AT + 31_000;
    const [due] = sqs.control.receiveEvent(QUEUE).Records;
    sqs.control.deleteReceived(QUEUE, [due?.receiptHandle ?? '']);
    now = FINISHED_AT + 899_999;
    const beforeLimit = sqs.control.receiveEvent(QUEUE).Records.length;
    now = FINISHED_AT + 900_000;
    const [lateBack] = sqs.control.receiveEvent(QUEUE).Records;

    // Assess
    expect(scheduled).toEqual([
      { attempt: 3, delaySeconds: 31 },
      { attempt: MAX_PENDING_ATTEMPTS, delaySeconds: MAX_DELAY_SECONDS },
    ]);
    expect(delays).toEqual([31, MAX_DELAY_SECONDS]);
    expect(beforeDue).toBe(0);
    expect(beforeLimit).toBe(0);
    expect(due?.messageAttributes).toMatchObject({
      [ATTEMPT_ATTRIBUTE]: { stringValue: '3' },
      [DUE_AT_ATTRIBUTE]: { stringValue: '2026-11-27T12:00:30.200Z' },
      waiting: { stringValue: 'env-p1/lkc-1/orders-cdc' },
    });
    expect(fromSecretEventMessage(due?.body ?? '')).toMatchObject({ kind: 'secret-rotated', version: 'v2' });
    expect(lateBack?.messageAttributes).toMatchObject({
      [ATTEMPT_ATTRIBUTE]: { stringValue: String(MAX_PENDING_ATTEMPTS) },
      [DUE_AT_ATTRIBUTE]: { stringValue: '2026-11-27T12:25:00.000Z' },
    });
  });
});
