import type { TriggerEvent } from '#core/events';

/**
 * One family of trigger payloads (EventBridge, Event Grid, CloudEvents, Confluent webhook bodies). A parser claims
 * a payload by its envelope and turns it into domain events; anything it claims but cannot use becomes `ignored`
 * with a reason, never an exception. Only a payload that is not what its envelope says is malformed.
 */
export interface TriggerParser {
  readonly name: string;
  /** Whether this payload's envelope belongs to this parser's family. Must not throw. */
  claims(payload: Readonly<Record<string, unknown>>): boolean;
  /** Normalizes one claimed payload. Throws MalformedPayloadError when required envelope fields are wrong. */
  parse(payload: Readonly<Record<string, unknown>>): TriggerEvent;
}

/** Long enough to name the field and show the start of a bad value; payload text beyond it is noise (or hostile). */
const MAX_MESSAGE_LENGTH = 300;

/** A payload that is not what its envelope says. Its message is one short line, whatever the payload held. */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';

  constructor(message: string) {
    // Control characters and newlines from the payload would break one-line logs and CLI errors.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point here.
    const line = message.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
    super(line.length > MAX_MESSAGE_LENGTH ? `${line.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : line);
  }
}
