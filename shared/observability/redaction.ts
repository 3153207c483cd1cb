import { scrubCredentials } from './credential-patterns';

/**
 * A process-wide list of values that must never be written anywhere: the Confluent API secret and any credential a
 * provider reads. Loggers, CLI output and error mappers pass text through `redact` as a last line of defence; the
 * first line is that no code path puts a secret value into a message at all. `redact` also scrubs what merely looks
 * like a credential (credential-patterns.ts): Confluent's traces can quote connection strings the reloader never saw.
 */
const sensitiveValues = new Set<string>();

/** Shorter values are not registered: they would blank out ordinary words and prove nothing. */
const MIN_LENGTH = 6;

export const REDACTED = '[REDACTED]';

export function registerSensitiveValue(value: string | undefined): void {
  if (value && value.length >= MIN_LENGTH) sensitiveValues.add(value);
}

export function redact(text: string): string {
  let result = text;
  for (const value of sensitiveValues) {
    if (result.includes(value)) result = result.split(value).join(REDACTED);
  }
  return scrubCredentials(result);
}

/**
 * Redacts every string inside a JSON-able value (for structured log fields). Each string is redacted on its own,
 * never the serialised JSON: a pattern must not cut through an escaped quote.
 */
export function redactDeep<T>(value: T): T {
  return redactValue(value, new WeakSet()) as T;
}

function redactValue(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) return redact(`${value.name}: ${value.message}`);
  const serialisable = value as { toJSON?: () => unknown };
  if (typeof serialisable.toJSON === 'function') return redactValue(serialisable.toJSON(), seen);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, seen));
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) result[key] = redactValue(item, seen);
  return result;
}
