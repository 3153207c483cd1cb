import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { RotationPendingError } from '#app/handle-trigger';
import { fromSecretEventMessage, MalformedSecretEventMessageError } from '#app/secret-event-message';
import { redact } from '#observability/redaction';
import { requireAwsSetting } from './aws-settings';
import { deadLetter, MAX_RECEIVE_COUNT } from './failure-queue';
import { createAwsRotationRuntime } from './rotation-delivery';
import { attemptOf, MAX_PENDING_ATTEMPTS } from './rotation-retry-queue';

/**
 * The rotation retry queue (SQS, partial batch responses) → the same once-per-(secret, version) reload as
 * onSecretRotated. A rotation still pending goes back on the queue, delayed until the holding lock expires, for
 * MAX_PENDING_ATTEMPTS tries in all; after the last, or at once for a malformed message, it is put on the retry
 * dead-letter queue with its cause. A rotation waiting for its coalesced restart (RESTART_COALESCE_SECONDS) is
 * queued again until that is due, as the same try, and this message is done with: a deferral is never dead-lettered.
 * Any other throw (a restart refused, Confluent, Secrets Manager or DynamoDB unreachable, the deferral's send refused)
 * is reported in `batchItemFailures`, so SQS delivers it again after the visibility timeout, and is dead-lettered
 * with its cause on the last receive (the redrive policy still catches what a crash leaves behind).
 */
const { aws, runtime, sqs, deliver } = createAwsRotationRuntime();
const deadLetterQueueUrl = requireAwsSetting(
  aws,
  'rotationRetryDeadLetterQueueUrl',
  'ROTATION_RETRY_DEAD_LETTER_QUEUE_URL',
);

const processor = new BatchProcessor(EventType.SQS);

export const handler = runtime.handler(
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    processPartialResponse(event, retryOne, processor, { context, throwOnFullBatchFailure: false }),
);

/**
 * Resolves when the message is done with (reloaded, queued for its next try, deferred again until its coalesced
 * restart is due, or dead-lettered); throws to retry.
 */
async function retryOne(record: SQSRecord, context: Context): Promise<void> {
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
  const attempt = attemptOf(record);
  const messageId = record.messageId;
  try {
    const event = fromSecretEventMessage(record.body);
    // Only pending rotations are queued here; anything else could never be handled on this path.
    if (event.kind !== 'secret-rotated')
      throw new MalformedSecretEventMessageError(`a ${event.kind} event on the rotation retry queue`);
    const summary = await deliver(context, event, attempt);
    runtime.log.info(summary.kind === 'deferred' ? 'deferred rotation queued again' : 'pending rotation retried', {
      messageId,
      attempt,
      ...summary,
    });
  } catch (error) {
    const cause = redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    const final =
      error instanceof MalformedSecretEventMessageError ||
      receiveCount >= MAX_RECEIVE_COUNT ||
      (error instanceof RotationPendingError && attempt >= MAX_PENDING_ATTEMPTS);
    if (!final) {
      runtime.log.warn('pending rotation not handled, the queue retries it', { cause, receiveCount, messageId });
      throw error;
    }
    try {
      await deadLetter(sqs, deadLetterQueueUrl, record, { cause, receiveCount });
    } catch (sendError) {
      // The redrive policy moves it on a later receive (without the cause, which is logged here).
      runtime.log.error('pending rotation not dead-lettered, left to the redrive policy', {
        cause,
        receiveCount,
        messageId,
        error: redact(sendError instanceof Error ? `${sendError.name}: ${sendError.message}` : String(sendError)),
      });
      throw sendError;
    }
    runtime.log.error('pending rotation dead-lettered', { cause, receiveCount, attempt, messageId });
  }
}
