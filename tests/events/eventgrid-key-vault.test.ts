import type {
  IgnoredEvent,
  SecretExpired,
  SecretExpiring,
  SecretRotated,
  SubscriptionValidation,
  TriggerEvent,
} from '#core/events';
import { canonicalSecretId } from '#core/secret-ref';
import { eventGridKeyVaultParser as parser } from '#events/eventgrid-key-vault';
import { MalformedPayloadError } from '#events/trigger-parser';
import { AZURE_EVENTS, REFERENCE_SAMPLES, readJson } from '#test-helpers/event-payloads';

type Json = Record<string, unknown>;

const ANALYTICS_DB = 'https://contoso-analytics.vault.azure.net/secrets/analytics-db-password';
const VERSION = '3c9f1a7e5b2d4c8e9f0a1b2c3d4e5f6a';
const EXP = new Date(1778673931 * 1000);

/** The first (only) element of an Event Grid sample file, as a fresh copy. */
function eventGridSample(file: string): Json {
  const [first] = readJson<Json[]>(AZURE_EVENTS, file);
  return structuredClone(first as Json);
}

/** The same event as Event Grid would deliver it with the CloudEvents 1.0 schema. */
function toCloudEvent(event: Json): Json {
  return {
    id: event.id,
    source: event.topic,
    subject: event.subject,
    type: event.eventType,
    time: event.eventTime,
    data: event.data,
    specversion: '1.0',
  };
}

function mapKeys(data: Json, rename: (key: string) => string, value = (v: unknown) => v): Json {
  return Object.fromEntries(Object.entries(data).map(([key, v]) => [rename(key), value(v)]));
}

/** The key spellings seen in the docs and SDKs, plus spaces around keys and values as in the 2021 doc example. */
const QUIRKS: ReadonlyArray<[string, (data: Json) => Json]> = [
  ['PascalCase', (data) => data],
  ['lower case', (data) => mapKeys(data, (key) => key.toLowerCase())],
  ['upper case', (data) => mapKeys(data, (key) => key.toUpperCase())],
  ['camelCase (nBF, eXP)', (data) => mapKeys(data, (key) => key.charAt(0).toLowerCase() + key.slice(1))],
  [
    'mixed case',
    (data) => mapKeys(data, (key) => [...key].map((c, i) => (i % 2 ? c.toLowerCase() : c.toUpperCase())).join('')),
  ],
  [
    'spaces around keys and values',
    (data) =>
      mapKeys(
        data,
        (key) => ` ${key} `,
        (v) => (typeof v === 'string' ? ` ${v} ` : v),
      ),
  ],
];

const SECRET_EVENTS: ReadonlyArray<[string, TriggerEvent['kind']]> = [
  ['secret-new-version-created.eventgrid.json', 'secret-rotated'],
  ['secret-near-expiry.eventgrid.json', 'secret-expiring'],
  ['secret-expired.eventgrid.json', 'secret-expired'],
];

/** Everything but `source`, which names the schema on purpose. */
function withoutSource(event: TriggerEvent): Omit<TriggerEvent, 'source'> {
  const { source: _source, ...rest } = event;
  return rest;
}

function expectKind<K extends TriggerEvent['kind']>(event: TriggerEvent, kind: K): Extract<TriggerEvent, { kind: K }> {
  expect(event.kind).toBe(kind);
  return event as Extract<TriggerEvent, { kind: K }>;
}

describe('eventGridKeyVaultParser: reference samples', () => {
  it('reads the MicrosoftDocs SecretNewVersionCreated sample despite its "ObjectName " key and " ee05…" value', () => {
    // Prepare
    const [payload] = readJson<Json[]>(REFERENCE_SAMPLES, 'azure-keyvault-secretnewversioncreated-eventgrid.json');

    // Act
    const event = expectKind(parser.parse(payload as Json), 'secret-rotated');

    // Assess
    expect(canonicalSecretId(event.secret)).toBe('https://sample-kv.vault.azure.net/secrets/newsecret');
    expect(event.version).toBe('ee059b2bb5bc48398a53b168c6cdcb10');
    expect(event.eventId).toBe('00eccf70-95a7-4e7c-8299-2eb17ee9ad64');
    expect(event.occurredAt).toEqual(new Date('2019-07-25T01:08:33.103Z'));
    expect(event.source).toBe('azure.eventgrid/Microsoft.KeyVault.SecretNewVersionCreated');
  });

  it('reads the MicrosoftDocs subscription-validation sample', () => {
    // Prepare
    const [payload] = readJson<Json[]>(REFERENCE_SAMPLES, 'azure-eventgrid-subscription-validation-event.json');
    const { validationResponse } = readJson<{ validationResponse: string }>(
      REFERENCE_SAMPLES,
      'azure-eventgrid-subscription-validation-response.json',
    );

    // Act
    const event = expectKind(parser.parse(payload as Json), 'subscription-validation');

    // Assess
    expect(event.validationCode).toBe(validationResponse);
    expect(event.validationUrl).toMatch(
      /^https:\/\/rp-eastus2\.eventgrid\.azure\.net:553\/eventsubscriptions\/estest\//,
    );
  });
});

describe('eventGridKeyVaultParser: claims', () => {
  it.each([
    ['an Event Grid schema event', true, { eventType: 'Contoso.Items.ItemReceived', dataVersion: '1', data: {} }],
    ['a Microsoft CloudEvent', true, { specversion: '1.0', type: 'Microsoft.KeyVault.SecretExpired', data: {} }],
    ['a CloudEvent from another producer', false, { specversion: '1.0', type: 'io.confluent.connector.failed' }],
    ['an EventBridge event', false, { source: 'aws.secretsmanager', 'detail-type': 'Secret Label Updated' }],
  ])('%s → claimed: %s', (_name, expected, payload) => {
    // Act
    const claimed = parser.claims(payload);

    // Assess
    expect(claimed).toBe(expected);
  });
});

describe('eventGridKeyVaultParser: secret events', () => {
  it('turns SecretNewVersionCreated into secret-rotated with the new version', () => {
    // Prepare
    const payload = eventGridSample('secret-new-version-created.eventgrid.json');

    // Act
    const event = expectKind(parser.parse(payload), 'secret-rotated');

    // Assess
    expect(event).toEqual<SecretRotated>({
      kind: 'secret-rotated',
      source: 'azure.eventgrid/Microsoft.KeyVault.SecretNewVersionCreated',
      eventId: 'b6f1c2d3-8e4a-4f5b-9c6d-7e8f9a0b1c2d',
      occurredAt: new Date('2026-03-14T12:05:31.482Z'),
      secret: { provider: 'azure', vaultHost: 'contoso-analytics.vault.azure.net', name: 'analytics-db-password' },
      version: VERSION,
    });
  });

  it('turns SecretNearExpiry into secret-expiring with the expiry from EXP', () => {
    // Prepare
    const payload = eventGridSample('secret-near-expiry.eventgrid.json');

    // Act
    const event = expectKind(parser.parse(payload), 'secret-expiring');

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(ANALYTICS_DB);
    expect(event).toMatchObject<Partial<SecretExpiring>>({ version: VERSION, expiresAt: EXP });
  });

  it('turns SecretExpired into secret-expired with the expiry from EXP', () => {
    // Prepare
    const payload = eventGridSample('secret-expired.eventgrid.json');

    // Act
    const event = expectKind(parser.parse(payload), 'secret-expired');

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(ANALYTICS_DB);
    expect(event).toMatchObject<Partial<SecretExpired>>({ version: VERSION, expiredAt: EXP });
  });

  describe.each(SECRET_EVENTS)('%s', (file, kind) => {
    it.each(QUIRKS)('gives identical results in both schemas with %s data keys', (_quirk, quirk) => {
      // Prepare
      const reference = parser.parse(eventGridSample(file));
      const eventGrid = eventGridSample(file);
      eventGrid.data = quirk(eventGrid.data as Json);
      const cloudEvent = toCloudEvent(eventGrid);

      // Act
      const fromEventGrid = parser.parse(eventGrid);
      const fromCloudEvent = parser.parse(cloudEvent);

      // Assess
      expect(fromEventGrid.kind).toBe(kind);
      expect(withoutSource(fromEventGrid)).toEqual(withoutSource(reference));
      expect(withoutSource(fromCloudEvent)).toEqual(withoutSource(reference));
      expect(fromCloudEvent.source).toBe(`azure.cloudevents/${String(eventGrid.eventType)}`);
    });
  });

  it.each([
    ['VaultName + ObjectName when Id is missing', { Id: undefined }],
    ['the version in Id when Version is missing', { Version: undefined }],
    [
      'VaultName + ObjectName + Version in camelCase',
      {
        Id: undefined,
        VaultName: undefined,
        ObjectName: undefined,
        Version: undefined,
        vaultName: 'Contoso-Analytics',
        objectName: 'Analytics-DB-Password',
        version: VERSION,
      },
    ],
  ])('builds the same secret and version from %s', (_name, patch) => {
    // Prepare
    const payload = eventGridSample('secret-new-version-created.eventgrid.json');
    const data = { ...(payload.data as Json), ...patch };
    payload.data = JSON.parse(JSON.stringify(data));

    // Act
    const event = expectKind(parser.parse(payload), 'secret-rotated');

    // Assess
    expect(event.secret).toEqual({
      provider: 'azure',
      vaultHost: 'contoso-analytics.vault.azure.net',
      name: 'analytics-db-password',
    });
    expect(event.version).toBe(VERSION);
  });

  it('has a null version when neither Version nor Id carries one', () => {
    // Prepare
    const payload = eventGridSample('secret-new-version-created.eventgrid.json');
    payload.data = { VaultName: 'contoso-analytics', ObjectName: 'analytics-db-password' };

    // Act
    const event = expectKind(parser.parse(payload), 'secret-rotated');

    // Assess
    expect(event.version).toBeNull();
  });

  it.each([
    ['a number of seconds', 1778673931, EXP],
    ['a numeric string', '1778673931', EXP],
    ['an ISO timestamp', '2026-05-13T12:05:31Z', EXP],
    ['null', null, undefined],
    ['unreadable text', 'soon', undefined],
  ])('reads EXP given as %s', (_name, exp, expected) => {
    // Prepare
    const payload = eventGridSample('secret-near-expiry.eventgrid.json');
    (payload.data as Json).EXP = exp;

    // Act
    const event = expectKind(parser.parse(payload), 'secret-expiring');

    // Assess
    expect(event.expiresAt).toEqual(expected);
  });
});

describe('eventGridKeyVaultParser: other event types', () => {
  it('turns the subscription-validation handshake into subscription-validation', () => {
    // Prepare
    const payload = eventGridSample('subscription-validation.eventgrid.json');

    // Act
    const event = expectKind(parser.parse(payload), 'subscription-validation');

    // Assess
    expect(event).toMatchObject<Partial<SubscriptionValidation>>({
      validationCode: '6d2b7f0e-1c4a-4e9b-a3f8-5b0c9d1e2f3a',
      validationUrl: expect.stringMatching(/^https:\/\/rp-eastus2\.eventgrid\.azure\.net:553\//),
    });
  });

  it.each([
    ['Microsoft.KeyVault.KeyNewVersionCreated', 'key events do not change the secrets connectors read'],
    ['Microsoft.KeyVault.CertificateNearExpiry', 'certificate events do not change the secrets connectors read'],
    [
      'Microsoft.KeyVault.VaultAccessPolicyChanged',
      'Microsoft.KeyVault.VaultAccessPolicyChanged is not a secret version event',
    ],
    ['Microsoft.Storage.BlobCreated', 'Microsoft.Storage.BlobCreated is not a Key Vault secret event'],
  ])('ignores %s with a reason', (eventType, reason) => {
    // Prepare
    const payload = { ...eventGridSample('key-new-version-created.eventgrid.json'), eventType };

    // Act
    const event = expectKind(parser.parse(payload), 'ignored');

    // Assess
    expect(event).toMatchObject<Partial<IgnoredEvent>>({ reason, source: `azure.eventgrid/${eventType}` });
  });
});

describe('eventGridKeyVaultParser: malformed payloads', () => {
  const newVersion = () => eventGridSample('secret-new-version-created.eventgrid.json');

  it.each([
    ['data is missing', { data: undefined }, /data must be an object, got nothing/],
    ['data is a string', { data: 'analytics-db-password' }, /data must be an object, got a string/],
    [
      'data names no secret',
      { data: { ObjectType: 'Secret', Version: VERSION } },
      /names no secret: data\.Id and data\.VaultName \+ data\.ObjectName are missing/,
    ],
    [
      'data.Id is a key URI',
      { data: { Id: 'https://contoso-analytics.vault.azure.net/keys/k/abc' } },
      /data\.Id is not a Key Vault secret URI/,
    ],
    [
      'VaultName is not a vault name',
      { data: { VaultName: 'contoso analytics', ObjectName: 'x' } },
      /data\.VaultName\/data\.ObjectName is not a Key Vault secret URI/,
    ],
    [
      'Version is not a version id',
      { data: { Id: ANALYTICS_DB, Version: '../../keys' } },
      /data\.Version is not a Key Vault version id/,
    ],
    ['eventTime is not a timestamp', { eventTime: 'now' }, /eventTime is not a timestamp: now/],
  ])('is malformed when %s', (_name, patch, message) => {
    // Prepare
    const payload = { ...newVersion(), ...patch };

    // Act
    const parse = () => parser.parse(payload);

    // Assess
    expect(parse).toThrow(MalformedPayloadError);
    expect(parse).toThrow(message);
    expect(parse).toThrow(/^Event Grid "Microsoft\.KeyVault\.SecretNewVersionCreated": /);
  });

  it('is malformed when the validation handshake has no validationCode', () => {
    // Prepare
    const payload = { ...eventGridSample('subscription-validation.eventgrid.json'), data: { validationUrl: 'x' } };

    // Act
    const parse = () => parser.parse(payload);

    // Assess
    expect(parse).toThrow(/data\.validationCode is missing/);
  });

  it('names the CloudEvents time field when it is wrong', () => {
    // Prepare
    const payload = { ...toCloudEvent(newVersion()), time: 42 };

    // Act
    const parse = () => parser.parse(payload);

    // Assess
    expect(parse).toThrow(/time must be a string, got a number/);
  });
});
