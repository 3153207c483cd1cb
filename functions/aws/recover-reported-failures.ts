import type { Context, SQSBatchItemFailure, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { fromFailureMessage, MalformedFailureMessageError } from '../../shared/app/failure-message';
import { summarizeRecovery } from '../../shared/app/recovery-summary';
import { redact } from '../../shared/observability/redaction';
import { requireAwsSetting } from './aws-settings';
import { deadLetter, MAX_RECEIVE_COUNT } from './failure-queue';
import { createAwsRecoveryRuntime } from './recovery-runtime';

/**
 * The failure queue (SQS, partial batch responses) → the shared recovery use case (confirms the state with the
 * Connect API, restart budget, maintenance windows, one operation per connector, never PAUSED), one message at a
 * time so that one failing message does not fail the batch. A message whose recovery throws (Confluent, Secrets
 * Manager or DynamoDB unreachable) is reported in `batchItemFailures`, so SQS delivers it again after the
 * visibility timeout; on the last receive, or at once when it is malformed, it is put on the dead-letter queue with
 * its cause (the redrive policy still catches what a crash or timeout leaves behind). A restart Confluent refused is
 * alerted, not retried here: the sweep takes it up again under the budget.
 */
const { aws, runtime, reloader, sqs } = createAwsRecoveryRuntime();
const deadLetterQueueUrl = requireAwsSetting(aws, 'failureDeadLetterQueueUrl', 'FAILURE_DEAD_LETTER_QUEUE_URL');

export const handler = runtime.handler(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const retries = await Promise.all((event.Records ?? []).map((record) => recoverOne(record, context)));
  return { batchItemFailures: retries.filter((failure): failure is SQSBatchItemFailure => failure !== undefined) };
});

/** Undefined when the message is done with (handled or dead-lettered), else the item SQS must deliver again. */
async function recoverOne(record: SQSRecord, context: Context): Promise<SQSBatchItemFailure | undefined> {
  const receiveCount = Number(record.attributes?.ApproximateReceiveCount ?? 1);
  const messageId = record.messageId;
  try {
    const failure = fromFailureMessage(record.body);
    const report = await reloader.recovery(`${context.awsRequestId}:${messageId}`).onFailureReported([failure]);
    runtime.log.info('reported failure handled', { messageId, ...summarizeRecovery(report) });
    return undefined;
  } catch (error) {
    const cause = redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    const final = error instanceof MalformedFailureMessageError || receiveCount >= MAX_RECEIVE_COUNT;
    if (!final) {
      runtime.log.warn('reported failure not handled, the queue retries it', { cause, receiveCount, messageId });
      return { itemIdentifier: messageId };
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
      return { itemIdentifier: messageId };
    }
    runtime.log.error('reported failure dead-lettered', { cause, receiveCount, messageId });
    return undefined;
  }
}
