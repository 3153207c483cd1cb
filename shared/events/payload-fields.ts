import { isRecord } from './parse-trigger';
import { MalformedPayloadError } from './trigger-parser';

type Fields = Readonly<Record<string, unknown>>;

/**
 * Reads `key` exactly, else ignoring case and surrounding spaces: providers and their docs disagree on both
 * (CloudTrail's `arn`/`aRN`, Key Vault's `ObjectName `/`objectName`).
 */
export function looseField(record: Fields, key: string): unknown {
  if (Object.hasOwn(record, key)) return record[key];
  const wanted = key.toLowerCase();
  for (const [candidate, value] of Object.entries(record)) {
    if (candidate.trim().toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** A trimmed non-empty string, or undefined when absent, null or blank; any other type is malformed. */
export function optionalText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new MalformedPayloadError(`${field} must be a string, got ${describeValue(value)}`);
  const text = value.trim();
  return text === '' ? undefined : text;
}

export function requiredText(value: unknown, field: string): string {
  const text = optionalText(value, field);
  if (text === undefined) throw new MalformedPayloadError(`${field} is missing`);
  return text;
}

/** An object, or undefined when absent or null (CloudTrail sends `"responseElements": null`). */
export function optionalRecord(value: unknown, field: string): Fields | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw new MalformedPayloadError(`${field} must be an object, got ${describeValue(value)}`);
  return value;
}

export function requiredRecord(value: unknown, field: string): Fields {
  const record = optionalRecord(value, field);
  if (record === undefined) throw new MalformedPayloadError(`${field} must be an object, got ${describeValue(value)}`);
  return record;
}

/** An ISO 8601 timestamp, or undefined when absent. */
export function optionalTimestamp(value: unknown, field: string): Date | undefined {
  const text = optionalText(value, field);
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new MalformedPayloadError(`${field} is not a timestamp: ${text}`);
  return date;
}

/** Seconds since the epoch as a number or numeric string (Key Vault's NBF/EXP), or an ISO timestamp. */
export function epochSecondsOrTimestamp(value: unknown): Date | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? new Date(value * 1000) : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  const date = /^\d+(\.\d+)?$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Re-throws a MalformedPayloadError with a prefix naming the payload family, leaving other errors alone. */
export function withContext<T>(context: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof MalformedPayloadError) throw new MalformedPayloadError(`${context}: ${error.message}`);
    throw error;
  }
}
