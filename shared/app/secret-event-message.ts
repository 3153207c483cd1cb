import * as z from 'zod/mini';
import type { SecretEvent } from '#core/events';

/**
 * The hand-off between a delivery that must answer fast (Event Grid waits 30 s, then delivers again) and the function
 * that does the reload: one queue message per secret event. Only ids, versions and times: never a value. The same
 * JSON on every cloud, like the failure messages (failure-message.ts).
 */
const MAX_ID = 1_024;

export class MalformedSecretEventMessageError extends Error {
  override readonly name = 'MalformedSecretEventMessageError';
}

const id = z.string().check(z.minLength(1), z.maxLength(MAX_ID));
const optionalTime = z.optional(z.iso.datetime());
const SecretRefShape = z.union([
  z.object({ provider: z.literal('azure'), vaultHost: id, name: id, version: z.optional(id) }),
  z.object({
    provider: z.literal('aws'),
    name: id,
    region: z.optional(id),
    accountId: z.optional(id),
    partition: z.optional(id),
    arnSuffix: z.optional(id),
  }),
  z.object({ provider: z.literal('gcp'), project: id, name: id, version: z.optional(id) }),
]);
const SecretEventMessage = z.object({
  kind: z.enum(['secret-rotated', 'secret-expiring', 'secret-expired']),
  source: z.string().check(z.maxLength(MAX_ID)),
  eventId: z.optional(id),
  occurredAt: optionalTime,
  secret: SecretRefShape,
  version: z.nullable(id),
  /** Expiring: when it expires; expired: when it did. */
  at: optionalTime,
  queuedAt: z.iso.datetime(),
});
export type SecretEventMessage = z.infer<typeof SecretEventMessage>;

const iso = (date: Date | undefined) => (date && !Number.isNaN(date.getTime()) ? date.toISOString() : undefined);

export function toSecretEventMessage(event: SecretEvent, queuedAt: Date): SecretEventMessage {
  const occurredAt = iso(event.occurredAt);
  const at = iso(
    event.kind === 'secret-expiring' ? event.expiresAt : event.kind === 'secret-expired' ? event.expiredAt : undefined,
  );
  return {
    kind: event.kind,
    source: event.source,
    ...(event.eventId ? { eventId: event.eventId } : {}),
    ...(occurredAt ? { occurredAt } : {}),
    secret: { ...event.secret },
    version: event.version,
    ...(at ? { at } : {}),
    queuedAt: queuedAt.toISOString(),
  };
}

/** A message as text or already parsed (the Functions host parses JSON messages): both are checked. */
export function fromSecretEventMessage(entry: unknown): SecretEvent {
  let value = entry;
  if (typeof entry === 'string') {
    try {
      value = JSON.parse(entry);
    } catch {
      throw new MalformedSecretEventMessageError('queue message is not JSON');
    }
  }
  const parsed = SecretEventMessage.safeParse(value);
  if (!parsed.success) {
    const where = parsed.error.issues.map((issue) => issue.path.join('.') || '(message)');
    throw new MalformedSecretEventMessageError(`queue message is not a secret event: check ${where.join(', ')}`);
  }
  const m = parsed.data;
  const base = {
    source: m.source,
    secret: m.secret,
    version: m.version,
    ...(m.eventId ? { eventId: m.eventId } : {}),
    ...(m.occurredAt ? { occurredAt: new Date(m.occurredAt) } : {}),
  };
  const at = m.at ? new Date(m.at) : undefined;
  switch (m.kind) {
    case 'secret-rotated':
      return { kind: 'secret-rotated', ...base };
    case 'secret-expiring':
      return { kind: 'secret-expiring', ...base, ...(at ? { expiresAt: at } : {}) };
    case 'secret-expired':
      return { kind: 'secret-expired', ...base, ...(at ? { expiredAt: at } : {}) };
  }
}
