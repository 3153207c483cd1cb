import { app, type InvocationContext } from '@azure/functions';
import { handleSecretEvents } from '../../shared/app/handle-trigger';
import { type HandledSummary, summarize } from '../../shared/app/handled-summary';
import { fromSecretEventMessage, MalformedSecretEventMessageError } from '../../shared/app/secret-event-message';
import { QUEUE_CONNECTION } from './failure-queue';
import { withInvocation } from './invocation-logger';
import { type DeadLettered, deadLetterOnLastTry } from './poison-queue';
import { ROTATION_QUEUE, rotationPoisonOutput } from './rotation-queue';
import { runtime } from './runtime';

export type ReloadResult = { readonly handled: HandledSummary } | DeadLettered;

/**
 * The rotation queue → the shared rotation path: restart and verify every connector that reads the secret (or warn
 * of its expiry). A throw (a restart refused, Key Vault, Table or Confluent unreachable) makes the host retry the
 * message after the queue's retry delay, and the idempotency records make a retry restart only what is left; on the
 * last try, or at once for a malformed message, it goes to `secret-rotations-poison` with its cause.
 */
export async function reloadRotatedSecret(entry: unknown, context: InvocationContext): Promise<ReloadResult> {
  return withInvocation(context, () =>
    deadLetterOnLastTry(
      entry,
      context,
      {
        poison: rotationPoisonOutput,
        permanent: (error) => error instanceof MalformedSecretEventMessageError,
        logger: runtime.logger,
        subject: 'secret event',
      },
      async () => {
        const event = fromSecretEventMessage(entry);
        const [handled] = await handleSecretEvents([event], runtime.reloader, runtime.logger, context.invocationId);
        const summary: HandledSummary = handled ? summarize(handled) : { kind: 'ignored', reason: 'nothing to handle' };
        runtime.logger.info('secret event handled', { eventId: event.eventId, ...summary });
        return { handled: summary };
      },
    ),
  );
}

app.storageQueue('reloadRotatedSecret', {
  queueName: ROTATION_QUEUE,
  connection: QUEUE_CONNECTION,
  extraOutputs: [rotationPoisonOutput],
  handler: reloadRotatedSecret,
});
