/**
 * A process-wide list of values that must never be written anywhere: the Confluent API secret and any credential a
 * provider reads. Loggers, CLI output and error mappers pass text through `redact` as a last line of defence; the
 * first line is that no code path puts a secret value into a message at all.
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
  return result;
}

/** Redacts every string inside a JSON-able value (for structured log fields). */
export function redactDeep<T>(value: T): T {
  if (sensitiveValues.size === 0) return value;
  return JSON.parse(redact(JSON.stringify(value) ?? 'null')) as T;
}
