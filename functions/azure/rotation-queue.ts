import { type InvocationContext, output } from '@azure/functions';
import type { QueueClient } from '@azure/storage-queue';
import type { HandledSummary } from '#app/handled-summary';
import { toSecretEventMessage } from '#app/secret-event-message';
import { isSecretEvent, type SecretRotated, type TriggerEvent } from '#core/events';
import type { Logger } from '#core/ports';
import { canonicalSecretId } from '#core/secret-ref';
import host from '../../host.json';
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

/**
 * The longest visibility delay a deferred rotation is sent with. Storage Queue allows 7 days, never past the
 * message's time to live (7 days by default): a day keeps well inside both, and a later due time (a long cap, a
 * maintenance window) comes back early and is deferred again.
 */
export const MAX_DEFERRAL_SECONDS = 86_400;

/** Whole seconds from `now` until `dueAt`: rounded up so the message is never back early, within 0 and the cap. */
export function deferralSeconds(dueAt: Date, now: Date): number {
  return Math.min(MAX_DEFERRAL_SECONDS, Math.max(0, Math.ceil((dueAt.getTime() - now.getTime()) / 1000)));
}

export type QueueMessageEncoding = 'base64' | 'none';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * How the host's queue trigger reads a message body: host.json `extensions.queues.messageEncoding` (or its
 * AzureFunctionsJobHost__ override), `base64` unless set to `none` (the Storage Queues extension's default).
 */
export function hostMessageEncoding(env: Env = process.env): QueueMessageEncoding {
  const queues: Readonly<Record<string, unknown>> = host.extensions.queues;
  const setting = env.AzureFunctionsJobHost__extensions__queues__messageEncoding ?? queues.messageEncoding;
  return typeof setting === 'string' && setting.trim().toLowerCase() === 'none' ? 'none' : 'base64';
}

/** A message body as the host's queue trigger (and its output binding) writes and reads it. */
export function encodeQueueMessage(message: unknown, encoding: QueueMessageEncoding): string {
  const text = JSON.stringify(message);
  return encoding === 'none' ? text : Buffer.from(text, 'utf8').toString('base64');
}

export type RotationQueueSender = Pick<QueueClient, 'sendMessage'>;

/**
 * Where a coalescing rotation waits (RotationDeferredError): sent again to the rotation queue with a visibility
 * delay up to its due time, in the shape the Event Grid hand-off queues, so `reloadRotatedSecret` takes it back then
 * like any other rotation. The output binding cannot delay a message, so this sends with @azure/storage-queue,
 * whose client `connect` builds at the first deferral: an instance that never defers never loads it.
 */
export class RotationDeferrals {
  private sender?: RotationQueueSender;

  constructor(
    private readonly connect: () => RotationQueueSender,
    private readonly encoding: QueueMessageEncoding = hostMessageEncoding(),
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Sends the rotation back, visible at `dueAt` (or in a day): the seconds it waits. A failed send throws. */
  async defer(event: SecretRotated, dueAt: Date): Promise<number> {
    const now = this.now();
    const visibilityTimeout = deferralSeconds(dueAt, now);
    this.sender ??= this.connect();
    await this.sender.sendMessage(encodeQueueMessage(toSecretEventMessage(event, now), this.encoding), {
      visibilityTimeout,
    });
    return visibilityTimeout;
  }
}
