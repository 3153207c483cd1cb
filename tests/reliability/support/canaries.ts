/**
 * Canary values standing in for secrets throughout the reliability suite: the rotated secrets' values and the
 * Confluent Cloud API secret. Any of them in a log line, CLI output, outcome event, alert or state record is a leak.
 */
export const CANARY_ROTATED_PREFIX = 'CANARY-rotated-value-7c1e';
export const CANARY_CONFLUENT_SECRET = 'CANARY-confluent-api-secret-4b2d9f';
export const CANARY_CONFLUENT_KEY = 'RELIABILITYKEY01';
/** The failure webhook's URL token: a credential too, so it must not be logged either. */
export const CANARY_WEBHOOK_TOKEN = 'CANARY-webhook-token-0e5a77d3b1';

/** A distinct canary per rotated secret and version, all sharing the prefix the assertions look for. */
export function rotatedCanary(index: number, version = 1): string {
  return `${CANARY_ROTATED_PREFIX}-${index}-v${version}`;
}

/** Every canary the sinks are searched for (the prefix covers every rotated value). */
export const CANARIES = [CANARY_ROTATED_PREFIX, CANARY_CONFLUENT_SECRET, CANARY_WEBHOOK_TOKEN] as const;

/** Per sink: whether it holds a canary, so a failure names the sink that leaked. */
export function leaks(sinks: Readonly<Record<string, string>>): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(sinks).map(([sink, text]) => [sink, CANARIES.filter((canary) => text.includes(canary))]),
  );
}
