import { app, type InvocationContext } from '@azure/functions';
import { type RecoverySummary, summarizeRecovery } from '../../shared/app/recovery-summary';
import { redact } from '../../shared/observability/redaction';
import {
  FAILURE_QUEUE,
  fromFailureMessage,
  MAX_DEQUEUE_COUNT,
  MalformedFailureMessageError,
  poisonQueueOutput,
  QUEUE_CONNECTION,
} from './failure-queue';
import { withInvocation } from './invocation-logger';
import { runtime } from './runtime';

/** What lands on the poison queue: the message as received, why it was given up on, and after how many tries. */
export interface DeadLetter {
  readonly message: unknown;
  readonly cause: string;
  readonly dequeueCount: number;
  readonly deadLetteredAt: string;
}

export type RecoverResult = { readonly recovered: RecoverySummary } | { readonly deadLettered: string };

/**
 * The failure queue → the shared recovery use case (confirms the state with the Connect API, restart budget,
 * maintenance windows, one operation per connector, never PAUSED). A throw (Confluent, Key Vault or Table
 * unreachable) makes the host retry the message after the visibility timeout; on the last attempt, or at once for a
 * malformed message, it goes to the poison queue with its cause instead. A refused restart is alerted, not
 * retried here: the sweep takes it up again under the budget.
 */
export async function recoverReportedFailures(entry: unknown, context: InvocationContext): Promise<RecoverResult> {
  return withInvocation(context, async () => {
    const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
    try {
      const failure = fromFailureMessage(entry);
      const report = await runtime.reloader.recovery(context.invocationId).onFailureReported([failure]);
      const recovered = summarizeRecovery(report);
      runtime.logger.info('reported failure handled', { ...recovered });
      return { recovered };
    } catch (error) {
      const cause = redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
      const final = error instanceof MalformedFailureMessageError || dequeueCount >= MAX_DEQUEUE_COUNT;
      if (!final) {
        runtime.logger.warn('reported failure not handled, the queue retries it', { cause, dequeueCount });
        throw error;
      }
      const deadLetter: DeadLetter = {
        message: entry,
        cause,
        dequeueCount,
        deadLetteredAt: new Date().toISOString(),
      };
      context.extraOutputs.set(poisonQueueOutput, deadLetter);
      runtime.logger.error('reported failure dead-lettered', {
        cause,
        dequeueCount,
        queue: poisonQueueOutput.queueName,
      });
      return { deadLettered: cause };
    }
  });
}

app.storageQueue('recoverReportedFailures', {
  queueName: FAILURE_QUEUE,
  connection: QUEUE_CONNECTION,
  extraOutputs: [poisonQueueOutput],
  handler: recoverReportedFailures,
});
