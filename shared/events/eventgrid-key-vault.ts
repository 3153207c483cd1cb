import type { TriggerEvent } from '#core/events';
import { type AzureSecretRef, InvalidSecretRefError, parseSecretRef } from '#core/secret-ref';
import {
  epochSecondsOrTimestamp,
  looseField,
  optionalText,
  optionalTimestamp,
  requiredRecord,
  requiredText,
  withContext,
} from './payload-fields';
import { MalformedPayloadError, type TriggerParser } from './trigger-parser';

const SECRET_NEW_VERSION_CREATED = 'Microsoft.KeyVault.SecretNewVersionCreated';
const SECRET_NEAR_EXPIRY = 'Microsoft.KeyVault.SecretNearExpiry';
const SECRET_EXPIRED = 'Microsoft.KeyVault.SecretExpired';
const SUBSCRIPTION_VALIDATION = 'Microsoft.EventGrid.SubscriptionValidationEvent';
/** Key Vault versions are 32 hex characters; accept any short alphanumeric id, as the secret URI grammar does. */
const VERSION = /^[A-Za-z0-9]{1,64}$/;

type Fields = Readonly<Record<string, unknown>>;

/** The Event Grid schema and CloudEvents 1.0 envelopes, reduced to what both carry. */
interface Envelope {
  readonly schema: 'eventgrid' | 'cloudevents';
  readonly type: string;
  readonly data: unknown;
  readonly eventId?: string;
  readonly occurredAt?: Date;
}

/**
 * Key Vault secret events delivered by Event Grid, in either the Event Grid schema or CloudEvents 1.0, plus the
 * Event Grid subscription-validation handshake. `data` keys are read ignoring case and spaces: the docs disagree.
 */
export const eventGridKeyVaultParser: TriggerParser = {
  name: 'eventgrid-key-vault',
  claims: (payload) => isEventGridSchema(payload) || isAzureCloudEvent(payload),
  parse(payload) {
    const envelope = readEnvelope(payload);
    return withContext(`Event Grid "${envelope.type}"`, () => parseEnvelope(envelope));
  },
};

function isEventGridSchema(payload: Fields): boolean {
  return typeof payload.eventType === 'string' && ('dataVersion' in payload || 'metadataVersion' in payload);
}

/** Only Microsoft's CloudEvents are claimed, so other CloudEvents producers stay free for their own parsers. */
function isAzureCloudEvent(payload: Fields): boolean {
  return (
    typeof payload.specversion === 'string' && typeof payload.type === 'string' && payload.type.startsWith('Microsoft.')
  );
}

function readEnvelope(payload: Fields): Envelope {
  const schema = isEventGridSchema(payload) ? 'eventgrid' : 'cloudevents';
  const type = String(schema === 'eventgrid' ? payload.eventType : payload.type);
  const timeField = schema === 'eventgrid' ? 'eventTime' : 'time';
  return withContext(`Event Grid "${type}"`, () => {
    const eventId = optionalText(payload.id, 'id');
    const occurredAt = optionalTimestamp(payload[timeField], timeField);
    return {
      schema,
      type,
      data: payload.data,
      ...(eventId ? { eventId } : {}),
      ...(occurredAt ? { occurredAt } : {}),
    };
  });
}

function parseEnvelope(envelope: Envelope): TriggerEvent {
  const base = {
    source: `azure.${envelope.schema}/${envelope.type}`,
    ...(envelope.eventId ? { eventId: envelope.eventId } : {}),
    ...(envelope.occurredAt ? { occurredAt: envelope.occurredAt } : {}),
  };
  switch (envelope.type) {
    case SECRET_NEW_VERSION_CREATED:
      return { kind: 'secret-rotated', ...base, ...readSecret(envelope.data) };
    case SECRET_NEAR_EXPIRY: {
      const expiresAt = readExpiry(envelope.data);
      return { kind: 'secret-expiring', ...base, ...readSecret(envelope.data), ...(expiresAt ? { expiresAt } : {}) };
    }
    case SECRET_EXPIRED: {
      const expiredAt = readExpiry(envelope.data);
      return { kind: 'secret-expired', ...base, ...readSecret(envelope.data), ...(expiredAt ? { expiredAt } : {}) };
    }
    case SUBSCRIPTION_VALIDATION: {
      const data = requiredRecord(envelope.data, 'data');
      const validationCode = requiredText(looseField(data, 'validationCode'), 'data.validationCode');
      const validationUrl = optionalText(looseField(data, 'validationUrl'), 'data.validationUrl');
      return { kind: 'subscription-validation', ...base, validationCode, ...(validationUrl ? { validationUrl } : {}) };
    }
    default:
      return { kind: 'ignored', ...base, reason: ignoreReason(envelope.type) };
  }
}

/**
 * The secret comes from `data.Id` (the versioned secret URI) when present, else from VaultName + ObjectName in the
 * public cloud. The ref carries no version: the event's `version` does, so both sources give equal refs.
 */
function readSecret(value: unknown): { secret: AzureSecretRef; version: string | null } {
  const data = requiredRecord(value, 'data');
  const id = optionalText(looseField(data, 'Id'), 'data.Id');
  const vaultName = optionalText(looseField(data, 'VaultName'), 'data.VaultName');
  const objectName = optionalText(looseField(data, 'ObjectName'), 'data.ObjectName');
  let ref: AzureSecretRef;
  if (id) {
    ref = azureSecret(id, 'data.Id');
  } else if (vaultName && objectName) {
    ref = azureSecret(`https://${vaultName}.vault.azure.net/secrets/${objectName}`, 'data.VaultName/data.ObjectName');
  } else {
    throw new MalformedPayloadError('names no secret: data.Id and data.VaultName + data.ObjectName are missing');
  }
  const version = optionalText(looseField(data, 'Version'), 'data.Version') ?? ref.version ?? null;
  if (version !== null && !VERSION.test(version)) {
    throw new MalformedPayloadError(`data.Version is not a Key Vault version id: ${version}`);
  }
  return { secret: { provider: 'azure', vaultHost: ref.vaultHost, name: ref.name }, version };
}

function azureSecret(text: string, field: string): AzureSecretRef {
  try {
    const ref = parseSecretRef(text, { provider: 'azure' });
    if (ref.provider === 'azure') return ref;
  } catch (error) {
    if (!(error instanceof InvalidSecretRefError)) throw error;
  }
  throw new MalformedPayloadError(`${field} is not a Key Vault secret URI: ${text}`);
}

/** The expiry is informational, so an unreadable `EXP` drops the timestamp rather than the event. */
function readExpiry(value: unknown): Date | undefined {
  const data = requiredRecord(value, 'data');
  return epochSecondsOrTimestamp(looseField(data, 'EXP'));
}

function ignoreReason(type: string): string {
  const family = /^Microsoft\.KeyVault\.(Key|Certificate)/.exec(type)?.[1];
  if (family) return `${family.toLowerCase()} events do not change the secrets connectors read`;
  if (type.startsWith('Microsoft.KeyVault.')) return `${type} is not a secret version event`;
  return `${type} is not a Key Vault secret event`;
}
