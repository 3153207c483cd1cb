import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import type { HandledSummary } from '#app/handled-summary';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTrigger } from '#events/parse-trigger';
import { MalformedPayloadError } from '#events/trigger-parser';
import { withInvocation } from './invocation-logger';
import { causeOf, type DeadLetter } from './poison-queue';
import { queueSecretEvents, rotationPoisonOutput, rotationQueueOutput } from './rotation-queue';
import { runtime } from './runtime';

/**
 * Event Grid → Functions: a Key Vault event is parsed and queued (rotation-queue.ts), and the delivery answered in
 * milliseconds, well inside Event Grid's 30 s; `reloadRotatedSecret` restarts and verifies from the queue. The
 * trigger answers the subscription handshake itself. A payload no retry can fix goes straight to the rotation poison
 * queue with its cause; a throw (the host could not write the queue) makes Event Grid deliver the event again.
 */
export async function onSecretEvent(event: EventGridEvent, context: InvocationContext): Promise<HandledSummary[]> {
  return withInvocation(context, async () => {
    let events: ReturnType<typeof parseTrigger>;
    try {
      events = parseTrigger(event, DEFAULT_PARSERS);
    } catch (error) {
      if (!(error instanceof MalformedPayloadError)) throw error;
      const cause = causeOf(error);
      const deadLetter: DeadLetter = {
        message: event,
        cause,
        dequeueCount: 0,
        deadLetteredAt: new Date().toISOString(),
      };
      context.extraOutputs.set(rotationPoisonOutput, deadLetter);
      runtime.logger.error('Event Grid event dead-lettered', { eventId: event.id, cause });
      return [{ kind: 'dead-lettered', reason: cause }];
    }
    return queueSecretEvents(events, context, runtime.logger);
  });
}

app.eventGrid('onSecretEvent', {
  extraOutputs: [rotationQueueOutput, rotationPoisonOutput],
  handler: onSecretEvent,
});
