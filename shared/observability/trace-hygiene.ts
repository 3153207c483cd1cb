import { redact } from './redaction';

/**
 * The one place a Confluent trace (connector trace, task messages, anything quoting them) is made fit to leave the
 * process: registered secret values redacted, whatever looks like a credential scrubbed (credential-patterns.ts:
 * `password=…`, `sasl.jaas.config`, `user:pass@` in URLs, long base64 runs), then cut to a bounded length. Used where
 * traces leave: the Confluent client as statuses are read, outcome events, alert messages, and (through `redact`)
 * every log line and the CLI's output.
 */
export { SCRUBBED, scrubCredentials } from './credential-patterns';

/** Longest trace kept (characters); the rest is cut with a marker. */
export const MAX_TRACE_LENGTH = 2_000;

/** Cuts a text to `max` characters, saying how much was left out. */
export function boundLength(text: string, max = MAX_TRACE_LENGTH): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters cut]`;
}

/** A trace fit to leave the process: redacted and scrubbed first (so a cut never exposes a part), then bounded. */
export function cleanTrace(text: string, max = MAX_TRACE_LENGTH): string {
  return boundLength(redact(text), max);
}
