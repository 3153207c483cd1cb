import { app, type InvocationContext } from '@azure/functions';
import { type RecoverySummary, summarizeRecovery } from '#app/recovery-summary';
import {
  FAILURE_QUEUE,
  fromFailureMessage,
  MalformedFailureMessageError,
  poisonQueueOutput,
  QUEUE_CONNECTION,
} from './failure-queue';
import { withInvocation } from './invocation-logger';
import { type DeadLettered, deadLetterOnLastTry } from './poison-queue';
import { runtime } from './runtime';

export type { DeadLetter } from './poison-queue';

export type RecoverResult = { readonly recovered: RecoverySummary } | DeadLettered;

/**
 * The failure queue → the shared recovery use case (confirms the state with the Connect API, restart budget,
 * maintenance windows, one operation per connector, never PAUSED). A throw (Confluent, Key Vault or Table
 * unreachable) makes the host retry the message after the queue's retry delay; on the last attempt, or at once for a
 * malformed message, it goes to the poison queue with its cause instead (poison-queue.ts). A refused restart is
 * alerted, not retried here: the sweep takes it up again under the budget.
 */
export async function recoverReportedFailures(entry: unknown, context: InvocationContext): Promise<RecoverResult> {
  return withInvocation(context, () =>
    deadLetterOnLastTry(
      entry,
      context,
      {
        poison: poisonQueueOutput,
        permanent: (error) => error instanceof MalformedFailureMessageError,
        logger: runtime.logger,
        subject: 'reported failure',
      },
      async () => {
        const failure = fromFailureMessage(entry);
        const report = await runtime.reloader.recovery(context.invocationId).onFailureReported([failure]);
        const recovered = summarizeRecovery(report);
        runtime.logger.info('reported failure handled', { ...recovered });
        return { recovered };
      },
    ),
  );
}

app.storageQueue('recoverReportedFailures', {
  queueName: FAILURE_QUEUE,
  connection: QUEUE_CONNECTION,
  extraOutputs: [poisonQueueOutput],
  handler: recoverReportedFailures,
});
