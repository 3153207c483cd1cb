import type { TriggerEvent } from '../core/events';

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

export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
}
