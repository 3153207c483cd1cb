import type { TriggerEvent } from '#core/events';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTrigger } from '#events/parse-trigger';
import { PUBSUB_MESSAGE_PUBLISHED, pubSubSecretManagerParser } from '#events/pubsub-secret-manager';
import { MalformedPayloadError } from '#events/trigger-parser';

const SECRET = 'projects/314159265358/secrets/orders-db';

function message(attributes: Record<string, string>, data?: unknown): Record<string, unknown> {
  return {
    attributes,
    ...(data === undefined ? {} : { data: Buffer.from(JSON.stringify(data)).toString('base64') }),
    messageId: '42',
    publishTime: '2026-12-01T10:00:00.000Z',
  };
}

function versionEvent(eventType: string, versionId = `${SECRET}/versions/5`): Record<string, string> {
  return { eventType, secretId: SECRET, versionId, dataFormat: 'JSON_API_V1', timestamp: '2026-12-01T09:59:59Z' };
}

const pushBody = (m: Record<string, unknown>) => ({ message: m, subscription: 'projects/acme/subscriptions/s' });
const cloudEvent = (m: Record<string, unknown>) => ({
  specversion: '1.0',
  id: 'ce-1',
  source: '//pubsub.googleapis.com/projects/acme/topics/t',
  type: PUBSUB_MESSAGE_PUBLISHED,
  time: '2026-12-01T10:00:01Z',
  data: { message: m, subscription: 'projects/acme/subscriptions/eventarc' },
});

function parseOne(payload: unknown): TriggerEvent {
  const [event] = parseTrigger(payload, DEFAULT_PARSERS);
  if (!event) throw new Error('no event');
  return event;
}

describe('pubSubSecretManagerParser', () => {
  it('turns SECRET_VERSION_ADD and SECRET_VERSION_ENABLE into a rotation with the version number', () => {
    // Act
    const added = parseOne(cloudEvent(message(versionEvent('SECRET_VERSION_ADD'))));
    const enabled = parseOne(pushBody(message(versionEvent('SECRET_VERSION_ENABLE', '7'))));

    // Assess
    expect(added).toMatchObject({
      kind: 'secret-rotated',
      source: 'gcp.eventarc/SECRET_VERSION_ADD',
      secret: { provider: 'gcp', project: '314159265358', name: 'orders-db' },
      version: '5',
      eventId: 'ce-1',
      occurredAt: new Date('2026-12-01T09:59:59Z'),
    });
    expect(enabled).toMatchObject({ kind: 'secret-rotated', version: '7', eventId: '42' });
    expect(enabled.source).toBe('gcp.pubsub-push/SECRET_VERSION_ENABLE');
  });

  it.each([
    ['SECRET_CREATE', /new secret has no connectors/],
    ['SECRET_UPDATE', /metadata changed, not its value/],
    ['SECRET_DELETE', /deleted/],
    ['SECRET_VERSION_DISABLE', /disabled version is not served/],
    ['SECRET_VERSION_DESTROY', /destroyed version is not served/],
    ['SECRET_VERSION_DESTROY_SCHEDULED', /scheduled for destruction/],
    ['SECRET_ROTATE', /reminder that rotation is due, with no new version/],
    ['TOPIC_CONFIGURED', /test message/],
    ['SECRET_SOMETHING_NEW', /^SECRET_SOMETHING_NEW is not a secret version event$/],
  ])('ignores %s with a reason', (eventType, reason) => {
    // Act
    const event = parseOne(pushBody(message({ eventType, secretId: SECRET })));

    // Assess
    expect(event).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(reason) });
  });

  it('ignores a message on the topic that is not a Secret Manager notification', () => {
    // Act
    const event = parseOne(cloudEvent(message({ origin: 'someone else' }, { hello: 'world' })));

    // Assess
    expect(event).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/not a Secret Manager notification/),
    });
  });

  it.each([
    [
      'a version event without versionId',
      { eventType: 'SECRET_VERSION_ADD', secretId: SECRET },
      /versionId is missing/,
    ],
    ['a versionId that is no version', versionEvent('SECRET_VERSION_ADD', 'latest'), /versionId is not a version/],
    [
      'a secretId that is no Secret Manager name',
      { ...versionEvent('SECRET_VERSION_ADD'), secretId: 'orders-db' },
      /secretId is not a Secret Manager secret/,
    ],
  ])('refuses %s as malformed', (_label, attributes, message_) => {
    // Act
    const parse = () => pubSubSecretManagerParser.parse(pushBody(message(attributes)));

    // Assess
    expect(parse).toThrow(MalformedPayloadError);
    expect(parse).toThrow(message_);
  });

  it('refuses an Eventarc event whose data holds no message', () => {
    // Act
    const parse = () => parseOne({ ...cloudEvent(message(versionEvent('SECRET_VERSION_ADD'))), data: {} });

    // Assess
    expect(parse).toThrow('Eventarc "google.cloud.pubsub.topic.v1.messagePublished": data.message must be an object');
  });

  it('claims neither Azure CloudEvents nor bodies without a subscription', () => {
    // Act + Assess
    expect(
      pubSubSecretManagerParser.claims({ specversion: '1.0', type: 'Microsoft.KeyVault.SecretNewVersionCreated' }),
    ).toBe(false);
    expect(pubSubSecretManagerParser.claims({ message: { attributes: {} } })).toBe(false);
  });
});
