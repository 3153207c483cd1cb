import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { fromFailureMessage, MalformedFailureMessageError } from '#app/failure-message';
import { summarizeRecovery } from '#app/recovery-summary';
import { runDeadline } from '#app/run-deadline';
import { redact } from '#observability/redaction';
import { requireAwsSetting } from './aws-settings';
import { deadLetter, MAX_RECEIVE_COUNT } from './failure-queue';
import { createAwsRecoveryRuntime } from './recovery-runtime';

/**
 * The failure queue (SQS, partial batch responses) → the shared recovery use case (confirms the state with the
 * Connect API, restart budget, maintenance windows, one operation per connector, never PAUSED), each message on its
 * own so that one failing message does not fail the batch (Powertools' BatchProcessor builds the partial batch
 * response). A message whose recovery throws (Confluent, Secrets Manager or DynamoDB unreachable) is reported in
 * `batchItemFailures`, so SQS delivers it again after the visibility timeout; on the last receive, or at once when it
 * is malformed, it is put on the dead-letter queue with its cause (the redrive policy still catches what a crash or
 * timeout leaves behind). A restart Confluent refused is alerted, not retried here: the sweep takes it up again
 * under the budget.
 */
const { aws, runtime, reloader, sqs } = createAwsRecoveryRuntime();
const deadLetterQueueUrl = requireAwsSetting(aws, 'failureDeadLetterQueueUrl', 'FAILURE_DEAD_LETTER_QUEUE_URL');

const processor = new BatchProcessor(EventType.SQS);

export const handler = runtime.handler(
  async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    // A whole batch failing (an outage) is an answer like any other, not a function error: each item comes back.
    processPartialResponse(event, recoverOne, processor, { context, throwOnFullBatchFailure: false }),
);

/** Resolves when the message is done with (handled or dead-lettered); throws for SQS to deliver it again. */
async function recoverOne(record: SQSRecord, context: Context): Promise<void> {
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
  const messageId = record.messageId;
  try {
    const failure = fromFailureMessage(record.body);
    const deadline = runDeadline(Date.now(), context.getRemainingTimeInMillis?.());
    const report = await reloader
      .recovery(`${context.awsRequestId}:${messageId}`)
      .onFailureReported([failure], deadline === undefined ? {} : { deadline });
    runtime.log.info('reported failure handled', { messageId, ...summarizeRecovery(report) });
  } catch (error) {
    const cause = redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    const final = error instanceof MalformedFailureMessageError || receiveCount >= MAX_RECEIVE_COUNT;
    if (!final) {
      runtime.log.warn('reported failure not handled, the queue retries it', { cause, receiveCount, messageId });
      throw error;
    }
    try {
      await deadLetter(sqs, deadLetterQueueUrl, record, { cause, receiveCount });
    } catch (sendError) {
      // The redrive policy moves it on the next receive (without the cause, which is logged here).
      runtime.log.error('reported failure not dead-lettered, left to the redrive policy', {
        cause,
        receiveCount,
        messageId,
        error: redact(sendError instanceof Error ? `${sendError.name}: ${sendError.message}` : String(sendError)),
      });
      throw sendError;
    }
    runtime.log.error('reported failure dead-lettered', { cause, receiveCount, messageId });
  }
}
