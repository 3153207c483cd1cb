import { app, type InvocationContext } from '@azure/functions';
import { handleSecretEvents, RotationDeferredError } from '#app/handle-trigger';
import { deferredSummary, type HandledSummary, summarize } from '#app/handled-summary';
import { fromSecretEventMessage, MalformedSecretEventMessageError } from '#app/secret-event-message';
import type { SecretEvent } from '#core/events';
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
 * last try, or at once for a malformed message, it goes to `secret-rotations-poison` with its cause. A rotation
 * waiting in its connectors' coalescing windows is sent back to this queue, visible at its due time, and this
 * message completes (`deferred`); a failed send throws, so the host retries it and nothing is lost.
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
        const summary = await handleSecretEvents([event], runtime.reloader, runtime.logger, context.invocationId).then(
          ([handled]): HandledSummary =>
            handled ? summarize(handled) : { kind: 'ignored', reason: 'nothing to handle' },
          (error: unknown) => deferOrThrow(error, event),
        );
        runtime.logger.info('secret event handled', { eventId: event.eventId, ...summary });
        return { handled: summary };
      },
    ),
  );
}

/**
 * A rotation waiting in its connectors' coalescing windows (RotationDeferredError): sent back to the rotation queue,
 * visible at its due time, and reported `deferred`. Anything else, or a send that fails, is thrown to the host.
 */
async function deferOrThrow(error: unknown, event: SecretEvent): Promise<HandledSummary> {
  if (!(error instanceof RotationDeferredError) || event.kind !== 'secret-rotated' || !runtime.deferrals) throw error;
  const waitSeconds = await runtime.deferrals.defer(event, error.dueAt);
  runtime.logger.info('secret event deferred to the rotation queue', { eventId: event.eventId, waitSeconds });
  return deferredSummary(event, error);
}

app.storageQueue('reloadRotatedSecret', {
  queueName: ROTATION_QUEUE,
  connection: QUEUE_CONNECTION,
  extraOutputs: [rotationPoisonOutput],
  handler: reloadRotatedSecret,
});
