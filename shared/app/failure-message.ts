import * as z from 'zod/mini';
import type { ConnectorFailed } from '#core/events';

/**
 * The hand-off between a failure webhook and the function that recovers: one queue message per reported failure
 * (an Azure Storage Queue, an SQS queue), so the webhook answers at once and a failure survives a crash or a
 * Confluent outage. The same JSON on both clouds; only ids and a short hint for people, never a token.
 */
/** Queue messages are small (Storage Queue 64 KB); the notification's text is kept only as a hint for people. */
const MAX_MESSAGE_TEXT = 1_000;
/** No real id or name is this long; a hostile body's longer value is cut (it then matches nothing). */
const MAX_ID = 256;

export class MalformedFailureMessageError extends Error {
  override readonly name = 'MalformedFailureMessageError';
}

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

/** A message as text (SQS) or already parsed (the Functions host parses JSON messages): both are checked. */
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
