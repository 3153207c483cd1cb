import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromFailureMessage } from '#app/failure-message';
import type { TriggerEvent, TriggerKind } from '#core/events';
import { isSecretEvent } from '#core/events';
import { canonicalSecretId } from '#core/secret-ref';
import { parseConfluentNotification } from '#events/confluent-notification';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTrigger, parseTriggerText } from '#events/parse-trigger';
import { MalformedPayloadError } from '#events/trigger-parser';
import {
  AWS_EVENTS,
  AZURE_EVENTS,
  GCP_EVENTS,
  jsonFiles,
  matchesPattern,
  REFERENCE_SAMPLES,
  readJson,
} from '#test-helpers/event-payloads';

const ORDERS_DB = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const PAYMENTS_API_KEY = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments-api-key-Zx98Yw';
const ANALYTICS_DB = 'https://contoso-analytics.vault.azure.net/secrets/analytics-db-password';
const ANALYTICS_VERSION = '3c9f1a7e5b2d4c8e9f0a1b2c3d4e5f6a';
const ORDERS_DB_NEW_VERSION = '8d1c2f4e-6b7a-4c3d-9e0f-1a2b3c4d5e6f';

interface Expected {
  readonly kind: TriggerKind;
  readonly secret?: string;
  readonly version?: string | null;
  readonly reason?: RegExp;
}

const AWS_SAMPLES: Readonly<Record<string, Expected>> = {
  'secret-label-updated.json': { kind: 'secret-rotated', secret: ORDERS_DB, version: ORDERS_DB_NEW_VERSION },
  'secret-label-updated-awspending.json': { kind: 'ignored', reason: /^label AWSPENDING moved; / },
  'cloudtrail-rotation-succeeded.json': { kind: 'secret-rotated', secret: ORDERS_DB, version: null },
  'cloudtrail-rotation-failed.json': { kind: 'ignored', reason: /^rotation failed; .*nothing is reloaded$/ },
  'cloudtrail-put-secret-value.json': {
    kind: 'secret-rotated',
    secret: ORDERS_DB,
    version: 'f3e2d1c0-b9a8-4765-8432-10fedcba9876',
  },
  'cloudtrail-put-secret-value-awspending.json': {
    kind: 'ignored',
    reason: /^rotation createSecret step; the old value is still current$/,
  },
  'cloudtrail-update-secret.json': {
    kind: 'secret-rotated',
    secret: PAYMENTS_API_KEY,
    version: 'a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d',
  },
  'cloudtrail-update-secret-version-stage.json': {
    kind: 'secret-rotated',
    secret: ORDERS_DB,
    version: ORDERS_DB_NEW_VERSION,
  },
  'cloudtrail-unrelated-get-secret-value.json': {
    kind: 'ignored',
    reason: /^GetSecretValue does not change the AWSCURRENT value$/,
  },
};

const AZURE_SAMPLES: Readonly<Record<string, Expected>> = {
  'secret-new-version-created.eventgrid.json': {
    kind: 'secret-rotated',
    secret: ANALYTICS_DB,
    version: ANALYTICS_VERSION,
  },
  'secret-new-version-created.cloudevents.json': {
    kind: 'secret-rotated',
    secret: ANALYTICS_DB,
    version: ANALYTICS_VERSION,
  },
  'secret-near-expiry.eventgrid.json': { kind: 'secret-expiring', secret: ANALYTICS_DB, version: ANALYTICS_VERSION },
  'secret-expired.eventgrid.json': { kind: 'secret-expired', secret: ANALYTICS_DB, version: ANALYTICS_VERSION },
  'subscription-validation.eventgrid.json': { kind: 'subscription-validation' },
  'key-new-version-created.eventgrid.json': { kind: 'ignored', reason: /^key events do not change the secrets / },
};

const INVENTORY_DB = 'projects/314159265358/secrets/inventory-db-password';
const GCP_SAMPLES: Readonly<Record<string, Expected>> = {
  'secret-version-add.eventarc.json': { kind: 'secret-rotated', secret: INVENTORY_DB, version: '4' },
  'secret-version-add.push.json': { kind: 'secret-rotated', secret: INVENTORY_DB, version: '4' },
  'secret-version-enable.push.json': { kind: 'secret-rotated', secret: INVENTORY_DB, version: '3' },
  'secret-version-disable.eventarc.json': { kind: 'ignored', reason: /^a disabled version is not served/ },
  'secret-rotate.eventarc.json': { kind: 'ignored', reason: /^a reminder that rotation is due, with no new version/ },
  'topic-configured.push.json': { kind: 'ignored', reason: /^a test message sent when the topic was configured/ },
};

function parseFile(directory: string, file: string): TriggerEvent[] {
  return parseTriggerText(readFileSync(path.join(directory, file), 'utf8'), DEFAULT_PARSERS);
}

/** Samples for the failed-connector functions (webhook, queue or task, schedule): not rotation triggers. */
const RECOVERY_SAMPLES = [
  'connector-failure-webhook.json',
  'connector-failure-task.json',
  'sweep-scheduler.json',
  'connector-failure-queue-message.json',
  'sweep-schedule.json',
];

describe.each([
  ['events/aws', AWS_EVENTS, AWS_SAMPLES],
  ['events/azure', AZURE_EVENTS, AZURE_SAMPLES],
  ['events/gcp', GCP_EVENTS, GCP_SAMPLES],
])('%s', (_name, directory, expectations) => {
  it('has an expectation for every sample file', () => {
    // Act
    const files = jsonFiles(directory).filter((file) => !RECOVERY_SAMPLES.includes(file));

    // Assess
    expect(files).toEqual(Object.keys(expectations).sort());
  });

  const table = Object.entries(expectations).map(([file, expected]) => [file, expected.kind, expected] as const);
  it.each(table)('%s parses to %s', (file, _kind, expected) => {
    // Act
    const events = parseFile(directory, file);

    // Assess
    expect(events).toHaveLength(1);
    const [event] = events as [TriggerEvent];
    expect(event.kind).toBe(expected.kind);
    expect(event.eventId).toEqual(expect.any(String));
    expect(event.occurredAt).toEqual(expect.any(Date));
    if (event.kind === 'ignored') expect(event.reason).toMatch(expected.reason ?? /./);
    if (isSecretEvent(event)) {
      expect(canonicalSecretId(event.secret)).toBe(expected.secret);
      expect(event.version).toBe(expected.version);
    }
  });
});

describe('events/aws samples of the failed-connector functions', () => {
  it('holds a webhook request whose body is a Confluent failure, a queued failure and a scheduled event', () => {
    // Prepare
    const webhook = readJson<{ rawPath: string; body: string; isBase64Encoded: boolean }>(
      AWS_EVENTS,
      'connector-failure-webhook.json',
    );
    const queued = readJson<{ Records: { body: string; attributes: { ApproximateReceiveCount: string } }[] }>(
      AWS_EVENTS,
      'connector-failure-queue-message.json',
    );
    const schedule = readJson<Record<string, unknown>>(AWS_EVENTS, 'sweep-schedule.json');

    // Act
    const reported = parseConfluentNotification(JSON.parse(webhook.body));
    const message = fromFailureMessage(queued.Records[0]?.body);

    // Assess
    expect(webhook).toMatchObject({ rawPath: '/connector-failures/local-webhook-token', isBase64Encoded: false });
    expect(reported).toMatchObject({ kind: 'connector-failed', connector: { name: 'orders-cdc' } });
    expect(message.connector).toEqual({ environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' });
    expect(queued.Records[0]?.attributes.ApproximateReceiveCount).toBe('1');
    expect(schedule).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event' });
  });
});

describe('sample payloads against the documented EventBridge rules', () => {
  const awsCurrentRule = readJson(REFERENCE_SAMPLES, 'aws-pattern-secret-label-updated-awscurrent.json');
  const valueChangeRule = readJson(REFERENCE_SAMPLES, 'aws-pattern-cloudtrail-value-change.json');

  it.each([
    ['secret-label-updated.json', awsCurrentRule, true],
    ['secret-label-updated-awspending.json', awsCurrentRule, false],
    ['cloudtrail-rotation-succeeded.json', valueChangeRule, true],
    ['cloudtrail-put-secret-value.json', valueChangeRule, true],
    ['cloudtrail-update-secret.json', valueChangeRule, true],
    // The widely copied rule also delivers the createSecret write, which the parser must ignore.
    ['cloudtrail-put-secret-value-awspending.json', valueChangeRule, true],
    // The finishSecret label move needs its own rule entry.
    ['cloudtrail-update-secret-version-stage.json', valueChangeRule, false],
  ])('%s is delivered by its rule: %s', (file, rule, delivered) => {
    // Act
    const matched = matchesPattern(rule, readJson(AWS_EVENTS, file));

    // Assess
    expect(matched).toBe(delivered);
  });
});

describe('parseTrigger with the default parsers', () => {
  it('turns an Event Grid batch into one event per element, in order', () => {
    // Prepare
    const batch = [
      ...readJson<unknown[]>(AZURE_EVENTS, 'subscription-validation.eventgrid.json'),
      ...readJson<unknown[]>(AZURE_EVENTS, 'secret-new-version-created.eventgrid.json'),
      ...readJson<unknown[]>(AZURE_EVENTS, 'key-new-version-created.eventgrid.json'),
    ];

    // Act
    const events = parseTrigger(batch, DEFAULT_PARSERS);

    // Assess
    expect(events.map((event) => event.kind)).toEqual(['subscription-validation', 'secret-rotated', 'ignored']);
  });

  it('names the broken element of a batch', () => {
    // Prepare
    const [good] = readJson<Record<string, unknown>[]>(AZURE_EVENTS, 'secret-new-version-created.eventgrid.json');
    const broken = { ...good, data: null };

    // Act
    const parse = () => parseTrigger([good, broken], DEFAULT_PARSERS);

    // Assess
    expect(parse).toThrow(MalformedPayloadError);
    expect(parse).toThrow(
      'element 1: Event Grid "Microsoft.KeyVault.SecretNewVersionCreated": data must be an object, got null',
    );
  });

  it('leaves payloads no parser claims as ignored', () => {
    // Prepare
    const payload = { source: 'aws.kms', 'detail-type': 'KMS CMK Rotation', detail: {} };

    // Act
    const events = parseTrigger(payload, DEFAULT_PARSERS);

    // Assess
    expect(events).toEqual([{ kind: 'ignored', source: 'unknown', reason: 'no parser recognizes this payload' }]);
  });

  it('gives a one-line MalformedPayloadError for a broken EventBridge envelope', () => {
    // Prepare
    const text = JSON.stringify({ ...readJson(AWS_EVENTS, 'secret-label-updated.json'), detail: null });

    // Act
    const parse = () => parseTriggerText(text, DEFAULT_PARSERS);

    // Assess
    expect(parse).toThrow(
      new MalformedPayloadError('EventBridge "Secret Label Updated": detail must be an object, got null'),
    );
  });
});
