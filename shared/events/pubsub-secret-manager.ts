import type { TriggerEvent } from '#core/events';
import { type GcpSecretRef, InvalidSecretRefError, parseSecretRef } from '#core/secret-ref';
import { isRecord } from './parse-trigger';
import {
  optionalRecord,
  optionalText,
  optionalTimestamp,
  requiredRecord,
  requiredText,
  withContext,
} from './payload-fields';
import { MalformedPayloadError, type TriggerParser } from './trigger-parser';

/**
 * Secret Manager event notifications (cloud.google.com/secret-manager/docs/event-notifications): Secret Manager
 * publishes one Pub/Sub message per change to each topic on the secret, its attributes `eventType`, `secretId`
 * (`projects/<number>/secrets/<name>`), `versionId` on version events, `dataFormat` and `timestamp`, its `data` the
 * base64 JSON of the Secret or SecretVersion. Two deliveries carry it, both at least once:
 * - an Eventarc trigger: the CloudEvent `google.cloud.pubsub.topic.v1.messagePublished`, `data: {message, subscription}`;
 * - a push subscription: the body `{message, subscription}` itself.
 * A new version that is served (added, or enabled again) is a rotation; every other event type is ignored with why.
 */
export const PUBSUB_MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

const ROTATING: ReadonlySet<string> = new Set(['SECRET_VERSION_ADD', 'SECRET_VERSION_ENABLE']);
const IGNORE_REASONS: Readonly<Record<string, string>> = {
  SECRET_CREATE: 'a new secret has no connectors reading it yet',
  SECRET_UPDATE: 'secret metadata changed, not its value',
  SECRET_DELETE: 'the secret was deleted: nothing to reload to',
  SECRET_VERSION_DISABLE: 'a disabled version is not served, so no connector reads it',
  SECRET_VERSION_DESTROY: 'a destroyed version is not served, so no connector reads it',
  SECRET_VERSION_DESTROY_SCHEDULED: 'a version scheduled for destruction is disabled, so no connector reads it',
  SECRET_ROTATE: 'a reminder that rotation is due, with no new version: the reload follows the version it adds',
  TOPIC_CONFIGURED: 'a test message sent when the topic was configured on the secret',
};
/** `versionId` is the version's resource name; a bare number is accepted too. */
const VERSION_NAME = /^(?:projects\/[^/]+\/secrets\/[^/]+\/versions\/)?([1-9]\d{0,19})$/;

type Fields = Readonly<Record<string, unknown>>;

export const pubSubSecretManagerParser: TriggerParser = {
  name: 'pubsub-secret-manager',
  claims: (payload) => isPubSubCloudEvent(payload) || isPushBody(payload),
  parse(payload) {
    if (isPubSubCloudEvent(payload)) {
      return withContext(`Eventarc "${PUBSUB_MESSAGE_PUBLISHED}"`, () => {
        const data = requiredRecord(payload.data, 'data');
        return parseMessage(requiredRecord(data.message, 'data.message'), 'gcp.eventarc', {
          eventId: optionalText(payload.id, 'id'),
          occurredAt: optionalTimestamp(payload.time, 'time'),
        });
      });
    }
    return withContext('Pub/Sub push', () =>
      parseMessage(requiredRecord(payload.message, 'message'), 'gcp.pubsub-push', {}),
    );
  },
};

function isPubSubCloudEvent(payload: Fields): boolean {
  return typeof payload.specversion === 'string' && payload.type === PUBSUB_MESSAGE_PUBLISHED;
}

/** A push body is `{message: {…}, subscription: "projects/…/subscriptions/…"}`. */
function isPushBody(payload: Fields): boolean {
  return isRecord(payload.message) && typeof payload.subscription === 'string' && payload.specversion === undefined;
}

interface EnvelopeFacts {
  readonly eventId?: string | undefined;
  readonly occurredAt?: Date | undefined;
}

function parseMessage(message: Fields, family: string, envelope: EnvelopeFacts): TriggerEvent {
  const attributes = optionalRecord(message.attributes, 'message.attributes') ?? {};
  const eventType = optionalText(attributes.eventType, 'message.attributes.eventType');
  // Pub/Sub's JSON names the id both ways (`messageId` in push bodies, `message_id` too).
  const messageId =
    optionalText(message.messageId, 'message.messageId') ?? optionalText(message.message_id, 'message.message_id');
  const eventId = envelope.eventId ?? messageId;
  const occurredAt =
    optionalTimestamp(attributes.timestamp, 'message.attributes.timestamp') ??
    optionalTimestamp(message.publishTime ?? message.publish_time, 'message.publishTime') ??
    envelope.occurredAt;
  const base = {
    source: `${family}/${eventType ?? 'unknown'}`,
    ...(eventId ? { eventId } : {}),
    ...(occurredAt ? { occurredAt } : {}),
  };
  if (!eventType || attributes.secretId === undefined) {
    return { kind: 'ignored', ...base, reason: 'not a Secret Manager notification (no eventType and secretId)' };
  }
  if (!ROTATING.has(eventType)) {
    return {
      kind: 'ignored',
      ...base,
      reason: IGNORE_REASONS[eventType] ?? `${eventType} is not a secret version event`,
    };
  }
  const secret = secretOf(requiredText(attributes.secretId, 'message.attributes.secretId'));
  const versionText = requiredText(attributes.versionId, 'message.attributes.versionId');
  const version = VERSION_NAME.exec(versionText)?.[1];
  if (!version) throw new MalformedPayloadError(`message.attributes.versionId is not a version: ${versionText}`);
  return { kind: 'secret-rotated', ...base, secret, version };
}

/** The secret named without a version: the event's `version` carries it, so every spelling gives equal refs. */
function secretOf(text: string): GcpSecretRef {
  try {
    const ref = parseSecretRef(text, { provider: 'gcp' });
    if (ref.provider === 'gcp') return { provider: 'gcp', project: ref.project, name: ref.name };
  } catch (error) {
    if (!(error instanceof InvalidSecretRefError)) throw error;
  }
  throw new MalformedPayloadError(`message.attributes.secretId is not a Secret Manager secret: ${text}`);
}
