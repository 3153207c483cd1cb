import { output } from '@azure/functions';
import { hostLimits } from './host-limits';

// The message codec is shared with the AWS side (SQS); re-exported so this module stays the Azure entry point.
export {
  type FailureMessage,
  fromFailureMessage,
  MalformedFailureMessageError,
  toFailureMessage,
} from '#app/failure-message';

/**
 * The hand-off between the failure webhook and the recovery function: one Storage Queue message per reported
 * failure, so the webhook answers at once and a failure survives a crash or a Confluent outage (the queue retries).
 * Both live in the app's own storage account (AzureWebJobsStorage, reached with its managed identity).
 */
export const FAILURE_QUEUE = 'connector-failures';
/** The dead-letter path: what the recovery function gave up on, with the cause (and the host's own poison moves). */
export const FAILURE_POISON_QUEUE = `${FAILURE_QUEUE}-poison`;
export const QUEUE_CONNECTION = 'AzureWebJobsStorage';
/** Attempts before a message is dead-lettered: host.json `extensions.queues.maxDequeueCount` (poison-queue.ts). */
export const MAX_DEQUEUE_COUNT = hostLimits({}).maxDequeueCount;

export const failureQueueOutput = output.storageQueue({ queueName: FAILURE_QUEUE, connection: QUEUE_CONNECTION });
export const poisonQueueOutput = output.storageQueue({ queueName: FAILURE_POISON_QUEUE, connection: QUEUE_CONNECTION });
