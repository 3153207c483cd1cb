import { type InvocationContext, output } from '@azure/functions';
import type { HandledSummary } from '../../shared/app/handled-summary';
import { toSecretEventMessage } from '../../shared/app/secret-event-message';
import { isSecretEvent, type TriggerEvent } from '../../shared/core/events';
import type { Logger } from '../../shared/core/ports';
import { canonicalSecretId } from '../../shared/core/secret-ref';
import { QUEUE_CONNECTION } from './failure-queue';

/**
 * The hand-off between Event Grid and the reload: Event Grid waits 30 s for an answer and delivers again when it gets
 * none, while a reload restarts and verifies for up to VERIFY_TIMEOUT_SECONDS. So the Event Grid function and the
 * webhook only check and queue each secret event (the output binding, written by the host when they return) and
 * answer at once; `reloadRotatedSecret` does the work, retried by the queue and dead-lettered with its cause.
 */
export const ROTATION_QUEUE = 'secret-rotations';
export const ROTATION_POISON_QUEUE = `${ROTATION_QUEUE}-poison`;

export const rotationQueueOutput = output.storageQueue({ queueName: ROTATION_QUEUE, connection: QUEUE_CONNECTION });
export const rotationPoisonOutput = output.storageQueue({
  queueName: ROTATION_POISON_QUEUE,
  connection: QUEUE_CONNECTION,
});

/**
 * Queues every secret event of a delivery (one message each) and answers for the others: ignored events with their
 * reason. Calls nothing over the network, so the delivery is answered in milliseconds.
 */
export function queueSecretEvents(
  events: readonly TriggerEvent[],
  context: InvocationContext,
  logger: Logger,
): HandledSummary[] {
  const now = new Date();
  const messages = events.filter(isSecretEvent).map((event) => toSecretEventMessage(event, now));
  if (messages.length > 0) context.extraOutputs.set(rotationQueueOutput, messages);
  return events.map((event): HandledSummary => {
    if (isSecretEvent(event)) {
      const summary = { kind: 'queued', secret: canonicalSecretId(event.secret), version: event.version } as const;
      logger.info('secret event queued', { eventId: event.eventId, type: event.kind, ...summary });
      return summary;
    }
    const reason = event.kind === 'ignored' ? event.reason : `${event.kind} events are not handled on this path`;
    logger.info('event ignored', { eventId: event.eventId, source: event.source, reason });
    return { kind: 'ignored', reason };
  });
}
