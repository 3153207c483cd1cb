import type { TriggerEvent } from '#core/events';
import { type AwsSecretRef, InvalidSecretRefError, parseSecretRef } from '#core/secret-ref';
import {
  describeValue,
  looseField,
  optionalRecord,
  optionalText,
  optionalTimestamp,
  requiredRecord,
  requiredText,
  withContext,
} from './payload-fields';
import { MalformedPayloadError, type TriggerParser } from './trigger-parser';

const SECRETS_MANAGER = 'aws.secretsmanager';
const CLOUDTRAIL_EVENT_SOURCE = 'secretsmanager.amazonaws.com';
const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const ONLY_CURRENT_MATTERS = 'only AWSCURRENT changes the value connectors read';

type Fields = Readonly<Record<string, unknown>>;

/** The EventBridge envelope fields every Secrets Manager family shares. */
interface Envelope {
  readonly detailType: string;
  readonly detail: Fields;
  readonly resources: readonly unknown[];
  readonly eventId?: string;
  readonly occurredAt?: Date;
  readonly region?: string;
  readonly accountId?: string;
}

/**
 * Secrets Manager events on the default EventBridge bus: the native `Secret Label Updated`, CloudTrail API calls
 * and CloudTrail rotation service events. Only changes that make a new value AWSCURRENT become `secret-rotated`.
 */
export const eventBridgeSecretsManagerParser: TriggerParser = {
  name: 'eventbridge-secrets-manager',
  claims: (payload) => payload.source === SECRETS_MANAGER && typeof payload['detail-type'] === 'string',
  parse(payload) {
    const detailType = String(payload['detail-type']);
    return withContext(`EventBridge "${detailType}"`, () => {
      const envelope = readEnvelope(payload, detailType);
      switch (detailType) {
        case 'Secret Label Updated':
          return parseLabelUpdated(envelope);
        case 'AWS API Call via CloudTrail':
          return parseApiCall(envelope);
        case 'AWS Service Event via CloudTrail':
          return parseServiceEvent(envelope);
        default:
          return ignored(envelope, `${SECRETS_MANAGER}/${detailType}`, `${detailType} is not a secret value change`);
      }
    });
  },
};

function readEnvelope(payload: Fields, detailType: string): Envelope {
  const resources = payload.resources ?? [];
  if (!Array.isArray(resources)) {
    throw new MalformedPayloadError(`resources must be an array, got ${describeValue(resources)}`);
  }
  const eventId = optionalText(payload.id, 'id');
  const occurredAt = optionalTimestamp(payload.time, 'time');
  const region = optionalText(payload.region, 'region');
  const accountId = optionalText(payload.account, 'account');
  return {
    detailType,
    detail: requiredRecord(payload.detail, 'detail'),
    resources,
    ...(eventId ? { eventId } : {}),
    ...(occurredAt ? { occurredAt } : {}),
    ...(region ? { region } : {}),
    ...(accountId ? { accountId } : {}),
  };
}

function parseLabelUpdated(envelope: Envelope): TriggerEvent {
  const source = `${SECRETS_MANAGER}/Secret Label Updated`;
  const label = requiredText(envelope.detail.labelUpdated, 'detail.labelUpdated');
  if (label !== CURRENT) return ignored(envelope, source, `label ${label} moved; ${ONLY_CURRENT_MATTERS}`);
  const version = optionalText(envelope.detail.versionId, 'detail.versionId') ?? null;
  return rotated(envelope, source, labelUpdatedSecret(envelope), version);
}

/** The ARN is in `resources[0]`; `detail.name` plus the envelope's region and account is the fallback. */
function labelUpdatedSecret(envelope: Envelope): AwsSecretRef {
  const arn = optionalText(envelope.resources[0], 'resources[0]');
  if (arn) return awsSecret(envelope, arn, 'resources[0]');
  const name = optionalText(envelope.detail.name, 'detail.name');
  if (name) return awsSecret(envelope, name, 'detail.name');
  throw new MalformedPayloadError('names no secret: resources[0] and detail.name are both missing');
}

function parseServiceEvent(envelope: Envelope): TriggerEvent {
  const eventName = requiredText(envelope.detail.eventName, 'detail.eventName');
  const source = `${SECRETS_MANAGER}/CloudTrail ${eventName}`;
  const foreign = foreignEventSource(envelope);
  if (foreign) return ignored(envelope, source, foreign);
  switch (eventName) {
    case 'RotationSucceeded':
      return rotated(envelope, source, serviceEventSecret(envelope), serviceEventVersion(envelope));
    case 'RotationFailed':
      return ignored(
        envelope,
        source,
        'rotation failed; the new value never became AWSCURRENT, so nothing is reloaded',
      );
    case 'RotationStarted':
      return ignored(envelope, source, 'rotation started; the new value is not AWSCURRENT until it succeeds');
    case 'RotationAbandoned':
      return ignored(envelope, source, 'rotation abandoned; the AWSCURRENT value did not change');
    default:
      return ignored(envelope, source, `service event ${eventName} does not change the AWSCURRENT value`);
  }
}

/** The AWS blog sample has the ARN in `additionalEventData.SecretId`; another shape has `serviceEventDetails.secretId`. */
function serviceEventSecret(envelope: Envelope): AwsSecretRef {
  for (const field of ['additionalEventData.SecretId', 'serviceEventDetails.secretId']) {
    const [container = '', key = ''] = field.split('.');
    const details = optionalRecord(envelope.detail[container], `detail.${container}`);
    const secretId = details && optionalText(looseField(details, key), `detail.${field}`);
    if (secretId) return awsSecret(envelope, secretId, `detail.${field}`);
  }
  throw new MalformedPayloadError(
    'names no secret: detail.additionalEventData.SecretId and detail.serviceEventDetails.secretId are both missing',
  );
}

/** No known sample carries a version; read one if a future shape does, else the current version is read later. */
function serviceEventVersion(envelope: Envelope): string | null {
  for (const container of ['additionalEventData', 'serviceEventDetails']) {
    const details = optionalRecord(envelope.detail[container], `detail.${container}`);
    const version = details && optionalText(looseField(details, 'versionId'), `detail.${container}.versionId`);
    if (version) return version;
  }
  return null;
}

function parseApiCall(envelope: Envelope): TriggerEvent {
  const { detail } = envelope;
  const eventName = requiredText(detail.eventName, 'detail.eventName');
  const source = `${SECRETS_MANAGER}/CloudTrail ${eventName}`;
  const foreign = foreignEventSource(envelope);
  if (foreign) return ignored(envelope, source, foreign);
  const errorCode = detail.errorCode;
  if (errorCode !== undefined && errorCode !== null) {
    return ignored(envelope, source, `${eventName} failed (${String(errorCode)}); the secret did not change`);
  }
  const request = optionalRecord(detail.requestParameters, 'detail.requestParameters') ?? {};
  const response = optionalRecord(detail.responseElements, 'detail.responseElements') ?? {};
  switch (eventName) {
    case 'PutSecretValue':
    case 'UpdateSecret':
      return parseValueWrite(envelope, source, request, response);
    case 'UpdateSecretVersionStage':
      return parseStageMove(envelope, source, request, response);
    case 'RotateSecret':
      return ignored(envelope, source, 'rotation requested; the new value is not AWSCURRENT until rotation succeeds');
    default:
      return ignored(envelope, source, `${eventName} does not change the AWSCURRENT value`);
  }
}

/**
 * PutSecretValue/UpdateSecret move AWSCURRENT to the new version unless VersionStages says otherwise; a rotation's
 * createSecret step writes with VersionStages=[AWSPENDING], before the new value is live.
 */
function parseValueWrite(envelope: Envelope, source: string, request: Fields, response: Fields): TriggerEvent {
  const stages = versionStages(looseField(request, 'versionStages'));
  if (stages && !stages.includes(CURRENT)) {
    const reason = stages.includes(PENDING)
      ? 'rotation createSecret step; the old value is still current'
      : `value staged as ${stages.join(', ') || 'no label'}; the old value is still current`;
    return ignored(envelope, source, reason);
  }
  const version = optionalText(looseField(response, 'versionId'), 'detail.responseElements.versionId') ?? null;
  return rotated(envelope, source, apiCallSecret(envelope, request, response), version);
}

function versionStages(value: unknown): string[] | undefined {
  const field = 'detail.requestParameters.versionStages';
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return [value.trim()];
  if (!Array.isArray(value)) throw new MalformedPayloadError(`${field} must be an array, got ${describeValue(value)}`);
  return value.map((stage, index) => requiredText(stage, `${field}[${index}]`));
}

/** finishSecret moves AWSCURRENT with `versionStage` + `moveToVersionId` (field names per CloudTrail's camelCase). */
function parseStageMove(envelope: Envelope, source: string, request: Fields, response: Fields): TriggerEvent {
  const stage = requiredText(looseField(request, 'versionStage'), 'detail.requestParameters.versionStage');
  if (stage !== CURRENT) return ignored(envelope, source, `label ${stage} moved; ${ONLY_CURRENT_MATTERS}`);
  const target = optionalText(looseField(request, 'moveToVersionId'), 'detail.requestParameters.moveToVersionId');
  if (!target)
    return ignored(envelope, source, 'AWSCURRENT was not moved to another version; the value did not change');
  return rotated(envelope, source, apiCallSecret(envelope, request, response), target);
}

/**
 * `responseElements.arn` (`aRN` before February 2024) is the full ARN; `requestParameters.secretId` is whatever the
 * caller passed, a name or an ARN, so it is only the fallback.
 */
function apiCallSecret(envelope: Envelope, request: Fields, response: Fields): AwsSecretRef {
  const arn = optionalText(looseField(response, 'arn'), 'detail.responseElements.arn');
  if (arn) return awsSecret(envelope, arn, 'detail.responseElements.arn');
  const secretId = optionalText(looseField(request, 'secretId'), 'detail.requestParameters.secretId');
  if (secretId) return awsSecret(envelope, secretId, 'detail.requestParameters.secretId');
  throw new MalformedPayloadError(
    'names no secret: detail.responseElements.arn and detail.requestParameters.secretId are both missing',
  );
}

/** Parses an ARN or a bare name; a bare name takes region and account from the envelope (or the CloudTrail record). */
function awsSecret(envelope: Envelope, text: string, field: string): AwsSecretRef {
  const region = envelope.region ?? optionalText(envelope.detail.awsRegion, 'detail.awsRegion');
  const accountId = envelope.accountId ?? optionalText(envelope.detail.recipientAccountId, 'detail.recipientAccountId');
  let ref: ReturnType<typeof parseSecretRef>;
  try {
    ref = parseSecretRef(text, {
      provider: 'aws',
      ...(region && /^[a-z0-9-]+$/.test(region) ? { region } : {}),
      ...(accountId && /^\d{12}$/.test(accountId) ? { accountId } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidSecretRefError) throw new MalformedPayloadError(`${field}: ${error.message}`);
    throw error;
  }
  if (ref.provider !== 'aws') throw new MalformedPayloadError(`${field} is not a Secrets Manager secret: ${text}`);
  return ref;
}

function foreignEventSource(envelope: Envelope): string | undefined {
  const eventSource = optionalText(envelope.detail.eventSource, 'detail.eventSource');
  if (eventSource === undefined || eventSource === CLOUDTRAIL_EVENT_SOURCE) return undefined;
  return `CloudTrail event from ${eventSource}, not ${CLOUDTRAIL_EVENT_SOURCE}`;
}

function rotated(envelope: Envelope, source: string, secret: AwsSecretRef, version: string | null): TriggerEvent {
  return { kind: 'secret-rotated', ...base(envelope, source), secret, version };
}

function ignored(envelope: Envelope, source: string, reason: string): TriggerEvent {
  return { kind: 'ignored', ...base(envelope, source), reason };
}

function base(envelope: Envelope, source: string) {
  return {
    source,
    ...(envelope.eventId ? { eventId: envelope.eventId } : {}),
    ...(envelope.occurredAt ? { occurredAt: envelope.occurredAt } : {}),
  };
}
