import type { IgnoredEvent, SecretRotated, TriggerEvent } from '#core/events';
import { canonicalSecretId } from '#core/secret-ref';
import { eventBridgeSecretsManagerParser as parser } from '#events/eventbridge-secrets-manager';
import { MalformedPayloadError } from '#events/trigger-parser';
import { AWS_EVENTS, jsonFiles, REFERENCE_SAMPLES, readJson } from '#test-helpers/event-payloads';

type Json = Record<string, unknown>;

const ORDERS_DB = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const ORDERS_DB_BY_NAME = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db';

function sample(file: string): Json {
  return readJson(AWS_EVENTS, file);
}

/** A copy of `event` with `detail` fields replaced (undefined deletes), leaving the sample file untouched. */
function withDetail(event: Json, patch: Json): Json {
  const copy = structuredClone(event);
  const detail = copy.detail as Json;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete detail[key];
    else detail[key] = value;
  }
  return copy;
}

function expectRotated(event: TriggerEvent): SecretRotated {
  expect(event.kind).toBe('secret-rotated');
  return event as SecretRotated;
}

function expectIgnored(event: TriggerEvent): IgnoredEvent {
  expect(event.kind).toBe('ignored');
  return event as IgnoredEvent;
}

describe('eventBridgeSecretsManagerParser: reference samples', () => {
  it('reads the AWS docs Secret Label Updated sample: ARN from resources[0], version from detail.versionId', () => {
    // Prepare
    const payload = readJson(REFERENCE_SAMPLES, 'aws-secret-label-updated.json');

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(
      'arn:aws:secretsmanager:us-west-2:012345678901:secret:mySecret-a1b2c3',
    );
    expect(event.version).toBe('a1b2c3d4-5678-90ab-cdef-EXAMPLE11111');
    expect(event.eventId).toBe('6a7e8feb-b491-4cf7-a9f1-bf3703467718');
    expect(event.occurredAt).toEqual(new Date('2024-02-06T16:43:48Z'));
    expect(event.source).toBe('aws.secretsmanager/Secret Label Updated');
  });

  it('reads the AWS blog RotationSucceeded sample once its redacted account id is restored', () => {
    // Prepare: the blog replaced account ids with the word "accountid", which no real ARN contains.
    const text = JSON.stringify(readJson(REFERENCE_SAMPLES, 'aws-rotation-succeeded.json'));
    const payload = JSON.parse(text.replaceAll('accountid', '123456789012')) as Json;

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(
      'arn:aws:secretsmanager:us-west-2:123456789012:secret:Appuser-pyodbc-WoDpmU',
    );
    expect(event.version).toBeNull();
    expect(event.source).toBe('aws.secretsmanager/CloudTrail RotationSucceeded');
    expect(event.occurredAt).toEqual(new Date('2021-08-13T19:17:16Z'));
  });

  it('refuses the verbatim RotationSucceeded sample, naming the field whose ARN is redacted', () => {
    // Prepare
    const payload = readJson(REFERENCE_SAMPLES, 'aws-rotation-succeeded.json');

    // Act
    const parse = () => parser.parse(payload);

    // Assess
    expect(parse).toThrow(MalformedPayloadError);
    expect(parse).toThrow(/detail\.additionalEventData\.SecretId: not a Secrets Manager secret ARN/);
  });

  it('does not claim the EventBridge rule patterns, which are not events', () => {
    // Prepare
    const patterns = jsonFiles(REFERENCE_SAMPLES).filter((file) => file.startsWith('aws-pattern-'));

    // Act
    const claimed = patterns.filter((file) => parser.claims(readJson(REFERENCE_SAMPLES, file)));

    // Assess
    expect(patterns.length).toBeGreaterThan(0);
    expect(claimed).toEqual([]);
  });

  it('has a test above for every AWS event sample in the reference', () => {
    // Prepare
    const covered = ['aws-secret-label-updated.json', 'aws-rotation-succeeded.json'];

    // Act
    const events = jsonFiles(REFERENCE_SAMPLES).filter((file) => file.startsWith('aws-') && !file.includes('pattern'));

    // Assess
    expect(events).toEqual(covered.sort());
  });
});

describe('eventBridgeSecretsManagerParser: claims', () => {
  it.each([
    ['a Secrets Manager EventBridge event', true, { source: 'aws.secretsmanager', 'detail-type': 'X', detail: {} }],
    ['another AWS service', false, { source: 'aws.kms', 'detail-type': 'KMS Key Rotation', detail: {} }],
    ['an EventBridge rule pattern', false, { source: ['aws.secretsmanager'], 'detail-type': ['Secret Label Updated'] }],
    ['an Event Grid event', false, { eventType: 'Microsoft.KeyVault.SecretNewVersionCreated', dataVersion: '1' }],
  ])('%s → claimed: %s', (_name, expected, payload) => {
    // Act
    const claimed = parser.claims(payload);

    // Assess
    expect(claimed).toBe(expected);
  });
});

describe('eventBridgeSecretsManagerParser: Secret Label Updated', () => {
  it.each(['AWSPENDING', 'AWSPREVIOUS', 'blue-green'])('ignores label %s with a reason', (label) => {
    // Prepare
    const payload = withDetail(sample('secret-label-updated.json'), { labelUpdated: label });

    // Act
    const event = expectIgnored(parser.parse(payload));

    // Assess
    expect(event.reason).toBe(`label ${label} moved; only AWSCURRENT changes the value connectors read`);
    expect(event.source).toBe('aws.secretsmanager/Secret Label Updated');
  });

  it('falls back to detail.name completed with the envelope region and account when resources is empty', () => {
    // Prepare
    const payload = { ...sample('secret-label-updated.json'), resources: [] };

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(ORDERS_DB_BY_NAME);
  });

  it.each([
    [
      'labelUpdated is missing',
      withDetail(sample('secret-label-updated.json'), { labelUpdated: undefined }),
      /detail\.labelUpdated is missing/,
    ],
    [
      'resources[0] is not an ARN',
      { ...sample('secret-label-updated.json'), resources: ['arn:aws:s3:::bucket'] },
      /resources\[0\]: not a Secrets Manager secret ARN/,
    ],
    [
      'nothing names the secret',
      { ...withDetail(sample('secret-label-updated.json'), { name: undefined }), resources: [] },
      /resources\[0\] and detail\.name are both missing/,
    ],
    [
      'detail is a string',
      { ...sample('secret-label-updated.json'), detail: 'AWSCURRENT' },
      /detail must be an object, got a string/,
    ],
    [
      'time is not a timestamp',
      { ...sample('secret-label-updated.json'), time: 'yesterday' },
      /time is not a timestamp: yesterday/,
    ],
    [
      'resources is not an array',
      { ...sample('secret-label-updated.json'), resources: ORDERS_DB },
      /resources must be an array/,
    ],
  ])('is malformed when %s', (_name, payload, message) => {
    // Act
    const parse = () => parser.parse(payload);

    // Assess
    expect(parse).toThrow(MalformedPayloadError);
    expect(parse).toThrow(message);
    expect(parse).toThrow(/^EventBridge "Secret Label Updated": /);
  });
});

describe('eventBridgeSecretsManagerParser: CloudTrail service events', () => {
  it('reads the secret from serviceEventDetails.secretId when additionalEventData is absent', () => {
    // Prepare
    const payload = withDetail(sample('cloudtrail-rotation-succeeded.json'), {
      additionalEventData: undefined,
      serviceEventDetails: { secretId: ORDERS_DB },
    });

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(ORDERS_DB);
    expect(event.version).toBeNull();
  });

  it.each([
    ['RotationFailed', /^rotation failed; .*nothing is reloaded$/],
    ['RotationStarted', /^rotation started; /],
    ['RotationAbandoned', /^rotation abandoned; /],
    ['EndSecretVersionDelete', /does not change the AWSCURRENT value/],
  ])('ignores %s with a reason', (eventName, reason) => {
    // Prepare
    const payload = withDetail(sample('cloudtrail-rotation-succeeded.json'), { eventName });

    // Act
    const event = expectIgnored(parser.parse(payload));

    // Assess
    expect(event.reason).toMatch(reason);
    expect(event.source).toBe(`aws.secretsmanager/CloudTrail ${eventName}`);
  });

  it('is malformed when RotationSucceeded names no secret', () => {
    // Prepare
    const payload = withDetail(sample('cloudtrail-rotation-succeeded.json'), { additionalEventData: null });

    // Act
    const parse = () => parser.parse(payload);

    // Assess
    expect(parse).toThrow(MalformedPayloadError);
    expect(parse).toThrow(
      'EventBridge "AWS Service Event via CloudTrail": names no secret: detail.additionalEventData.SecretId and detail.serviceEventDetails.secretId are both missing',
    );
  });
});

describe('eventBridgeSecretsManagerParser: CloudTrail API calls', () => {
  const put = () => sample('cloudtrail-put-secret-value.json');
  const request = (payload: Json) => (payload.detail as Json).requestParameters as Json;

  it.each([
    ['no VersionStages', undefined],
    ['versionStages [AWSCURRENT]', { versionStages: ['AWSCURRENT'] }],
    ['VersionStages (PascalCase) [AWSPENDING, AWSCURRENT]', { VersionStages: ['AWSPENDING', 'AWSCURRENT'] }],
  ])('PutSecretValue with %s makes the value current', (_name, stages) => {
    // Prepare
    const payload = withDetail(put(), { requestParameters: { ...request(put()), ...stages } });

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(ORDERS_DB);
    expect(event.version).toBe('f3e2d1c0-b9a8-4765-8432-10fedcba9876');
  });

  it.each([
    ['versionStages', { versionStages: ['AWSPENDING'] }, 'rotation createSecret step; the old value is still current'],
    ['VersionStages', { VersionStages: ['AWSPENDING'] }, 'rotation createSecret step; the old value is still current'],
    ['a custom label', { versionStages: ['canary'] }, 'value staged as canary; the old value is still current'],
  ])('ignores a write staged with %s only', (_name, stages, reason) => {
    // Prepare
    const payload = withDetail(put(), { requestParameters: { ...request(put()), ...stages } });

    // Act
    const event = expectIgnored(parser.parse(payload));

    // Assess
    expect(event.reason).toBe(reason);
  });

  it('prefers the legacy responseElements.aRN over the name the caller passed', () => {
    // Prepare
    const payload = withDetail(put(), {
      responseElements: { aRN: ORDERS_DB, versionId: 'f3e2d1c0-b9a8-4765-8432-10fedcba9876' },
    });

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(ORDERS_DB);
  });

  it('completes a bare secretId from the envelope region and account, with no version when none is recorded', () => {
    // Prepare
    const payload = withDetail(put(), { responseElements: null });

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(ORDERS_DB_BY_NAME);
    expect(event.version).toBeNull();
  });

  it('accepts PascalCase SecretId and VersionId', () => {
    // Prepare
    const payload = withDetail(put(), {
      requestParameters: { SecretId: ORDERS_DB },
      responseElements: { VersionId: 'v-1' },
    });

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(ORDERS_DB);
    expect(event.version).toBe('v-1');
  });

  it('reads UpdateSecret like PutSecretValue', () => {
    // Prepare
    const payload = sample('cloudtrail-update-secret.json');

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments-api-key-Zx98Yw',
    );
    expect(event.version).toBe('a7b8c9d0-e1f2-4a3b-8c4d-5e6f7a8b9c0d');
    expect(event.source).toBe('aws.secretsmanager/CloudTrail UpdateSecret');
  });

  it('reads UpdateSecretVersionStage moving AWSCURRENT as a rotation to moveToVersionId', () => {
    // Prepare
    const payload = sample('cloudtrail-update-secret-version-stage.json');

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(canonicalSecretId(event.secret)).toBe(ORDERS_DB);
    expect(event.version).toBe('8d1c2f4e-6b7a-4c3d-9e0f-1a2b3c4d5e6f');
  });

  it('accepts PascalCase VersionStage and MoveToVersionId', () => {
    // Prepare
    const payload = withDetail(sample('cloudtrail-update-secret-version-stage.json'), {
      requestParameters: { SecretId: ORDERS_DB, VersionStage: 'AWSCURRENT', MoveToVersionId: 'v-2' },
    });

    // Act
    const event = expectRotated(parser.parse(payload));

    // Assess
    expect(event.version).toBe('v-2');
  });

  it.each([
    [
      'AWSPENDING removed (finishSecret cleanup)',
      { secretId: ORDERS_DB, versionStage: 'AWSPENDING', removeFromVersionId: 'v' },
      /^label AWSPENDING moved; /,
    ],
    [
      'AWSCURRENT without moveToVersionId',
      { secretId: ORDERS_DB, versionStage: 'AWSCURRENT', removeFromVersionId: 'v' },
      /^AWSCURRENT was not moved/,
    ],
  ])('ignores UpdateSecretVersionStage with %s', (_name, requestParameters, reason) => {
    // Prepare
    const payload = withDetail(sample('cloudtrail-update-secret-version-stage.json'), { requestParameters });

    // Act
    const event = expectIgnored(parser.parse(payload));

    // Assess
    expect(event.reason).toMatch(reason);
  });

  it('ignores a failed call, naming the error code', () => {
    // Prepare
    const payload = withDetail(put(), {
      errorCode: 'AccessDenied',
      errorMessage: 'User is not authorized to perform: secretsmanager:PutSecretValue',
      responseElements: null,
    });

    // Act
    const event = expectIgnored(parser.parse(payload));

    // Assess
    expect(event.reason).toBe('PutSecretValue failed (AccessDenied); the secret did not change');
  });

  it.each(['GetSecretValue', 'DescribeSecret', 'TagResource', 'DeleteSecret', 'RotateSecret'])(
    'ignores %s with a reason',
    (eventName) => {
      // Prepare
      const payload = withDetail(put(), { eventName });

      // Act
      const event = expectIgnored(parser.parse(payload));

      // Assess
      expect(event.reason).toMatch(/AWSCURRENT/);
      expect(event.source).toBe(`aws.secretsmanager/CloudTrail ${eventName}`);
    },
  );

  it('ignores a CloudTrail record from another service', () => {
    // Prepare
    const payload = withDetail(put(), { eventSource: 'kms.amazonaws.com' });

    // Act
    const event = expectIgnored(parser.parse(payload));

    // Assess
    expect(event.reason).toBe('CloudTrail event from kms.amazonaws.com, not secretsmanager.amazonaws.com');
  });

  it.each([
    [
      'no ARN and no secretId',
      { requestParameters: {}, responseElements: null },
      /detail\.responseElements\.arn and detail\.requestParameters\.secretId are both missing/,
    ],
    [
      'secretId is not a name',
      { requestParameters: { secretId: 'bad name!' }, responseElements: null },
      /detail\.requestParameters\.secretId: not a valid Secrets Manager secret name/,
    ],
    [
      'secretId is a number',
      { requestParameters: { secretId: 42 }, responseElements: null },
      /detail\.requestParameters\.secretId must be a string, got a number/,
    ],
    [
      'requestParameters is a list',
      { requestParameters: [] },
      /detail\.requestParameters must be an object, got an array/,
    ],
    [
      'versionStages is an object',
      { requestParameters: { secretId: ORDERS_DB, versionStages: {} } },
      /detail\.requestParameters\.versionStages must be an array/,
    ],
    ['eventName is missing', { eventName: undefined }, /detail\.eventName is missing/],
  ])('is malformed when %s', (_name, patch, message) => {
    // Prepare
    const payload = withDetail(put(), patch);

    // Act
    const parse = () => parser.parse(payload);

    // Assess
    expect(parse).toThrow(MalformedPayloadError);
    expect(parse).toThrow(message);
  });

  it('is malformed when UpdateSecretVersionStage names no stage', () => {
    // Prepare
    const payload = withDetail(sample('cloudtrail-update-secret-version-stage.json'), {
      requestParameters: { secretId: ORDERS_DB },
    });

    // Act
    const parse = () => parser.parse(payload);

    // Assess
    expect(parse).toThrow(/detail\.requestParameters\.versionStage is missing/);
  });
});

describe('eventBridgeSecretsManagerParser: other detail types', () => {
  it('ignores a Secrets Manager detail type it does not know', () => {
    // Prepare
    const payload = { ...sample('secret-label-updated.json'), 'detail-type': 'Secret Deleted' };

    // Act
    const event = expectIgnored(parser.parse(payload));

    // Assess
    expect(event.reason).toBe('Secret Deleted is not a secret value change');
    expect(event.source).toBe('aws.secretsmanager/Secret Deleted');
  });
});
