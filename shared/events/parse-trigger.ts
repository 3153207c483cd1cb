import type { TriggerEvent } from '#core/events';
import { MalformedPayloadError, type TriggerParser } from './trigger-parser';

/** Payloads larger than this are refused before parsing: no rotation event comes close. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** Parses raw JSON text (a file, an HTTP body) into domain events; malformed JSON is a MalformedPayloadError. */
export function parseTriggerText(text: string, parsers: readonly TriggerParser[]): TriggerEvent[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new MalformedPayloadError(`payload is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  }
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch (error) {
    throw new MalformedPayloadError(`payload is not valid JSON: ${(error as Error).message}`);
  }
  return parseTrigger(payload, parsers);
}

/**
 * Normalizes a trigger payload: one event object or an array of them (Event Grid delivers arrays). Each element
 * becomes exactly one domain event; elements no parser claims become `ignored` with the reason.
 */
export function parseTrigger(payload: unknown, parsers: readonly TriggerParser[]): TriggerEvent[] {
  const elements = Array.isArray(payload) ? payload : [payload];
  if (elements.length === 0) throw new MalformedPayloadError('payload is an empty array');
  return elements.map((element, index) => {
    const where = Array.isArray(payload) ? `element ${index}: ` : '';
    if (!isRecord(element)) {
      throw new MalformedPayloadError(`${where}expected a JSON object, got ${describe(element)}`);
    }
    const parser = parsers.find((candidate) => candidate.claims(element));
    if (!parser) return { kind: 'ignored', source: 'unknown', reason: 'no parser recognizes this payload' };
    try {
      return parser.parse(element);
    } catch (error) {
      if (error instanceof MalformedPayloadError && where) throw new MalformedPayloadError(`${where}${error.message}`);
      throw error;
    }
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
