import { output } from '@azure/functions';
import * as z from 'zod/mini';
import type { ConnectorFailed } from '../../shared/core/events';

/**
 * The hand-off between the failure webhook and the recovery function: one Storage Queue message per reported
 * failure, so the webhook answers at once and a failure survives a crash or a Confluent outage (the queue retries).
 * Both live in the app's own storage account (AzureWebJobsStorage, reached with its managed identity).
 */
export const FAILURE_QUEUE = 'connector-failures';
/** The dead-letter path: what the recovery function gave up on, with the cause (and the host's own poison moves). */
export const FAILURE_POISON_QUEUE = `${FAILURE_QUEUE}-poison`;
export const QUEUE_CONNECTION = 'AzureWebJobsStorage';
/** Attempts before a message is dead-lettered: host.json `extensions.queues.maxDequeueCount` (a test keeps them equal). */
export const MAX_DEQUEUE_COUNT = 5;
/** Queue messages are at most 64 KB; the notification's text is kept only as a hint for people. */
const MAX_MESSAGE_TEXT = 1_000;

export const failureQueueOutput = output.storageQueue({ queueName: FAILURE_QUEUE, connection: QUEUE_CONNECTION });
export const poisonQueueOutput = output.storageQueue({ queueName: FAILURE_POISON_QUEUE, connection: QUEUE_CONNECTION });

export class MalformedFailureMessageError extends Error {
  override readonly name = 'MalformedFailureMessageError';
}

/** No real id or name is this long; a hostile body's longer value is cut (it then matches nothing). */
const MAX_ID = 256;
const capId = (value: string) => value.slice(0, MAX_ID);
const optionalId = z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_ID)));
// zod/mini, as in settings.ts: the same checks at a fraction of the bundle size (cold start).
const FailureMessage = z.object({
  kind: z.literal('connector-failed'),
  source: z.string().check(z.maxLength(MAX_ID)),
  eventId: optionalId,
  occurredAt: z.optional(z.iso.datetime()),
  connector: z.object({ environmentId: optionalId, clusterId: optionalId, name: optionalId }),
  connectorId: optionalId,
  message: z.optional(z.string().check(z.maxLength(MAX_MESSAGE_TEXT))),
  reportedAt: z.iso.datetime(),
});
export type FailureMessage = z.infer<typeof FailureMessage>;

export function toFailureMessage(failure: ConnectorFailed, reportedAt: Date): FailureMessage {
  const { environmentId, clusterId, name } = failure.connector;
  return {
    kind: 'connector-failed',
    source: failure.source.slice(0, MAX_ID),
    ...(failure.eventId ? { eventId: capId(failure.eventId) } : {}),
    ...(failure.occurredAt && !Number.isNaN(failure.occurredAt.getTime())
      ? { occurredAt: failure.occurredAt.toISOString() }
      : {}),
    connector: {
      ...(environmentId ? { environmentId: capId(environmentId) } : {}),
      ...(clusterId ? { clusterId: capId(clusterId) } : {}),
      ...(name ? { name: capId(name) } : {}),
    },
    ...(failure.connectorId ? { connectorId: capId(failure.connectorId) } : {}),
    ...(failure.message ? { message: failure.message.slice(0, MAX_MESSAGE_TEXT) } : {}),
    reportedAt: reportedAt.toISOString(),
  };
}

/** The host hands a JSON message over already parsed (or as text when it is not JSON): both are checked. */
export function fromFailureMessage(entry: unknown): ConnectorFailed {
  let value = entry;
  if (typeof entry === 'string') {
    try {
      value = JSON.parse(entry);
    } catch {
      throw new MalformedFailureMessageError('queue message is not JSON');
    }
  }
  const parsed = FailureMessage.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(message)');
    throw new MalformedFailureMessageError(`queue message is not a connector failure: check ${where.join(', ')}`);
  }
  const m = parsed.data;
  return {
    kind: 'connector-failed',
    source: m.source,
    ...(m.eventId ? { eventId: m.eventId } : {}),
    ...(m.occurredAt ? { occurredAt: new Date(m.occurredAt) } : {}),
    connector: m.connector,
    ...(m.connectorId ? { connectorId: m.connectorId } : {}),
    ...(m.message ? { message: m.message } : {}),
  };
}
