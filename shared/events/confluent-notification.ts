import type { ConnectorFailed, TriggerEvent } from '#core/events';
import { isRecord } from './parse-trigger';
import type { TriggerParser } from './trigger-parser';

/**
 * Confluent Cloud notification webhooks (confluent-cloud-api.md §4). The payload is not firmly documented (a third
 * party lists `{id, title, message, created_at}`), so it is read leniently and never trusted: any JSON is accepted,
 * and environment, cluster and connector are taken from known fields, from CRNs, or from ids in the text, when
 * present. The use case confirms the connector's state with the Connect API before acting.
 */
const CRN_CONNECTOR = /environment=(env-[a-z0-9]+)\/cloud-cluster=(lkc-[a-z0-9]+)\/connector=([^\s/"',;)]+)/i;
const ENVIRONMENT_ID = /\benv-[a-z0-9]{3,}\b/i;
const CLUSTER_ID = /\blkc-[a-z0-9]{3,}\b/i;
const CONNECTOR_ID = /\blcc-[a-z0-9]{3,}\b/i;
const TEST_NOTIFICATION = /\btest (notification|message)\b/i;

/** Field names that carry each part, compared without case, `_`, `-` or spaces. */
const FIELD_NAMES = {
  environmentId: ['environment', 'environmentid', 'envid', 'env'],
  clusterId: ['cluster', 'clusterid', 'kafkacluster', 'kafkaclusterid', 'lkc', 'cloudcluster'],
  connectorId: ['connectorid', 'resourceid', 'lcc'],
} as const;

/** Bounds the walk over hostile bodies: deep nesting and huge arrays cost nothing past these. */
const MAX_DEPTH = 8;
const MAX_STRINGS = 2_000;

interface Collected {
  readonly fields: Map<string, string>;
  readonly strings: string[];
}

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[\s_-]/g, '');
}

function collect(value: unknown, into: Collected, depth = 0): void {
  if (depth > MAX_DEPTH || into.strings.length >= MAX_STRINGS) return;
  if (typeof value === 'string') {
    into.strings.push(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value.slice(0, MAX_STRINGS)) collect(item, into, depth + 1);
    return;
  }
  if (!isRecord(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const normalized = normalizeKey(key);
    if (typeof child === 'string' && !into.fields.has(normalized)) into.fields.set(normalized, child.trim());
    if (isRecord(child) && typeof child.id === 'string' && !into.fields.has(normalized)) {
      into.fields.set(normalized, child.id.trim());
    }
    collect(child, into, depth + 1);
  }
}

function field(collected: Collected, names: readonly string[], pattern?: RegExp): string | undefined {
  for (const name of names) {
    const value = collected.fields.get(name);
    if (value && (!pattern || pattern.test(value))) return pattern ? (pattern.exec(value)?.[0] ?? value) : value;
  }
  return undefined;
}

/** Reads a notification body into a connector-failed event (or an ignored test notification). Never throws. */
export function parseConfluentNotification(payload: unknown): ConnectorFailed | TriggerEvent {
  const collected: Collected = { fields: new Map(), strings: [] };
  collect(payload, collected);
  const text = collected.strings.join('\n');
  const source = 'confluent/notification';
  const eventId = collected.fields.get('id');
  const base = { source, ...(eventId ? { eventId } : {}) };

  const crn = CRN_CONNECTOR.exec(text);
  const environmentId =
    crn?.[1] ?? field(collected, FIELD_NAMES.environmentId, ENVIRONMENT_ID) ?? ENVIRONMENT_ID.exec(text)?.[0];
  const clusterId = crn?.[2] ?? field(collected, FIELD_NAMES.clusterId, CLUSTER_ID) ?? CLUSTER_ID.exec(text)?.[0];
  const connectorId = field(collected, FIELD_NAMES.connectorId, CONNECTOR_ID) ?? CONNECTOR_ID.exec(text)?.[0];
  const name = crn?.[3] ?? connectorName(collected);

  if (!crn && !name && !connectorId && TEST_NOTIFICATION.test(text)) {
    return { kind: 'ignored', ...base, reason: 'Confluent test notification: accepted, nothing to recover' };
  }
  const message = collected.fields.get('message') ?? collected.fields.get('title');
  return {
    kind: 'connector-failed',
    ...base,
    connector: {
      ...(environmentId ? { environmentId } : {}),
      ...(clusterId ? { clusterId } : {}),
      ...(name ? { name } : {}),
    },
    ...(connectorId ? { connectorId } : {}),
    ...(message ? { message: message.slice(0, 500) } : {}),
  };
}

/** A connector name from a dedicated field; `name` alone counts only beside other connector fields. */
function connectorName(collected: Collected): string | undefined {
  const value = field(collected, ['connector', 'connectorname']);
  if (value && !CONNECTOR_ID.test(value) && value.length <= 256) return value;
  return undefined;
}

/** Marks that make a body plausibly Confluent's, for `inspect-event` (the webhook endpoint needs none). */
const CONFLUENT_MARKERS = /crn:\/\/confluent\.cloud|\blcc-[a-z0-9]+|\blkc-[a-z0-9]+|confluent|\bconnectors?\b/i;

export const confluentNotificationParser: TriggerParser = {
  name: 'confluent-notification',
  claims(payload) {
    const collected: Collected = { fields: new Map(), strings: [] };
    collect(payload, collected);
    return CONFLUENT_MARKERS.test(collected.strings.join('\n')) || collected.fields.has('connector');
  },
  parse: parseConfluentNotification,
};
