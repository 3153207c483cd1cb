import { type MessageAttributeValue, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { RotationDeferredError, RotationPendingError } from '#app/handle-trigger';
import { toSecretEventMessage } from '#app/secret-event-message';
import { InvalidSettingError } from '#config/settings';
import { connectorKey } from '#core/connector-ref';
import type { SecretRotated } from '#core/events';
import { pendingOutcomes } from '#core/reload-plan';
import { deferredUntil } from '#core/restart-coalescing';

/**
 * Where a rotation that met a locked connector waits (RotationPendingError): an SQS delay queue, not Lambda's own
 * retries. Those are 2 at most, about 1 and 2 minutes after the error, and EventBridge's retry policy (185 times over
 * 24 h) only covers failing to invoke the function, which an asynchronous invoke never does once accepted: 3 minutes
 * in all, while a lock lives LOCK_TTL_SECONDS (900 s by default) when its holder dies. A delayed message comes back
 * when the holding lock has expired (at most 900 s later, SQS's DelaySeconds maximum), as often as needed within
 * MAX_PENDING_ATTEMPTS; the holder normally restarts the connector itself well before (pending-version-follow-up.ts),
 * and the retry then finds it covered.
 *
 * A rotation waiting in its connectors' coalescing windows (RotationDeferredError, RESTART_COALESCE_SECONDS) waits
 * here too, delayed until its coalesced restart is due: a deferral, not a try. It keeps the message's try number, so
 * coalescing never spends the tries meant to outlast a lock and is never dead-lettered for running out of them; the
 * waits themselves end by RESTART_COALESCE_MAX_SECONDS (restart-coalescing.ts). A due time beyond SQS's 900 s comes
 * back at 900 s and is deferred again.
 */

/** Tries of a pending rotation through the retry queue before it is dead-lettered with its cause. */
export const MAX_PENDING_ATTEMPTS = 8;
/** SendMessage's DelaySeconds maximum. */
export const MAX_DELAY_SECONDS = 900;
/** A lock already gone (released in a race) is retried this soon. */
const MIN_DELAY_SECONDS = 10;
/** After the holding lock expires, so that it has expired when the retry reads it. */
const DELAY_MARGIN_SECONDS = 5;
/** The message attribute that counts the tries. */
export const ATTEMPT_ATTRIBUTE = 'pendingAttempt';
/** The message attribute of a deferred rotation: when its coalesced restart is due (ISO 8601), for whoever reads it. */
export const DUE_AT_ATTRIBUTE = 'coalescingDueAt';

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value });

/** The wait before the next try: until the last holding lock expires, within SQS's limits. */
export function retryDelaySeconds(retryAfterMs: number): number {
  const seconds = Math.ceil(retryAfterMs / 1000) + DELAY_MARGIN_SECONDS;
  return Math.min(MAX_DELAY_SECONDS, Math.max(MIN_DELAY_SECONDS, seconds));
}

/**
 * The wait before a deferred rotation comes back: until its coalesced restart is due, rounded up to the second so it
 * is never early, within SQS's limits (0 when due already; at most 900 s, then it is deferred again).
 */
export function deferralDelaySeconds(dueAt: Date, now: Date): number {
  const seconds = Math.ceil((dueAt.getTime() - now.getTime()) / 1000);
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, seconds));
}

/**
 * The try number of a pending rotation's next try. A try brought forward to a coalescing due time (some of the
 * rotation's connectors wait in their windows, due before the holding locks expire: RotationPendingError's
 * retryAfterMs is the sooner of the two) keeps its number: it is a deferral, not a try on the lock.
 */
export function nextPendingAttempt(pending: RotationPendingError, attempt: number): number {
  const due = deferredUntil(pending.report)?.getTime();
  const lockExpiry = Math.max(0, ...pendingOutcomes(pending.report).map((o) => o.pending?.lockExpiresAt ?? 0));
  return due !== undefined && due < lockExpiry ? attempt : attempt + 1;
}

/**
 * The retries must outlast a lock whose holder died (it expires after LOCK_TTL_SECONDS) and then one more operation's
 * lock (the follow-up restart, or another rotation's): refused at start-up when they cannot.
 */
export function checkRetryBudget(lockTtlMs: number): void {
  const budgetSeconds = MAX_PENDING_ATTEMPTS * MAX_DELAY_SECONDS;
  const lockSeconds = lockTtlMs / 1000;
  if (budgetSeconds < 2 * lockSeconds) {
    throw new InvalidSettingError(
      `invalid configuration: LOCK_TTL_SECONDS (${lockSeconds}) must be at most ${budgetSeconds / 2}: a rotation waiting on a locked connector is retried ${MAX_PENDING_ATTEMPTS} times at most ${MAX_DELAY_SECONDS} s apart, which must outlast two such locks`,
    );
  }
}

/** Which try a message of the retry queue is (1 for one that did not come through it). */
export function attemptOf(record: SQSRecord): number {
  const value = Number(record.messageAttributes?.[ATTEMPT_ATTRIBUTE]?.stringValue ?? 1);
  return Number.isInteger(value) && value >= 1 ? value : 1;
}

export interface ScheduledRetry {
  readonly attempt: number;
  readonly delaySeconds: number;
}

export class RotationRetryQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Puts the rotation back for try `attempt`, delayed until the holding locks expire. Throws when SQS refuses. */
  async schedule(event: SecretRotated, pending: RotationPendingError, attempt: number): Promise<ScheduledRetry> {
    const delaySeconds = retryDelaySeconds(pending.retryAfterMs);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(toSecretEventMessage(event, new Date())),
        DelaySeconds: delaySeconds,
        MessageAttributes: {
          [ATTEMPT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(attempt) },
          // Ids only, never a value: for whoever reads the queue or its dead letters.
          pending: text(pending.pending.map(connectorKey).join(', ').slice(0, 1_000) || '(none)'),
        },
      }),
    );
    return { attempt, delaySeconds };
  }

  /**
   * Puts a deferred rotation back, delayed until its coalesced restart is due, as the same try `attempt` (a deferral
   * spends no try). Throws when SQS refuses.
   */
  async defer(
    event: SecretRotated,
    deferred: RotationDeferredError,
    attempt: number,
    now = new Date(),
  ): Promise<ScheduledRetry> {
    const delaySeconds = deferralDelaySeconds(deferred.dueAt, now);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(toSecretEventMessage(event, now)),
        DelaySeconds: delaySeconds,
        MessageAttributes: {
          [ATTEMPT_ATTRIBUTE]: { DataType: 'Number', StringValue: String(attempt) },
          [DUE_AT_ATTRIBUTE]: text(deferred.dueAt.toISOString()),
          waiting: text(deferred.waiting.map(connectorKey).join(', ').slice(0, 1_000) || '(none)'),
        },
      }),
    );
    return { attempt, delaySeconds };
  }
}
