import type { ConnectorRef } from './connector-ref';
import type { CloudProvider, SecretRef } from './secret-ref';

/**
 * The domain events a trigger payload normalizes to. Parsers (shared/events) produce these; use cases consume them.
 * Every payload becomes exactly one of these per contained event, including `ignored` with a reason.
 */
export type TriggerEvent =
  | SecretRotated
  | SecretExpiring
  | SecretExpired
  | ConnectorFailed
  | SubscriptionValidation
  | IgnoredEvent;

export type TriggerKind = TriggerEvent['kind'];

interface EventBase {
  /** The id the source gave the event (EventBridge id, Event Grid id), used in logs and dead-letter records. */
  readonly eventId?: string;
  /** When the source says the change happened. */
  readonly occurredAt?: Date;
  /** Which family of payload this came from, e.g. `aws.secretsmanager/Secret Label Updated`. */
  readonly source: string;
}

export interface SecretRotated extends EventBase {
  readonly kind: 'secret-rotated';
  readonly secret: SecretRef;
  /** The version that became current, or null when the event does not say (then the current version is read). */
  readonly version: string | null;
}

export interface SecretExpiring extends EventBase {
  readonly kind: 'secret-expiring';
  readonly secret: SecretRef;
  readonly version: string | null;
  readonly expiresAt?: Date;
}

export interface SecretExpired extends EventBase {
  readonly kind: 'secret-expired';
  readonly secret: SecretRef;
  readonly version: string | null;
  readonly expiredAt?: Date;
}

/** A connector reported failed; the payload is never trusted, so every part may be missing and is confirmed later. */
export interface ConnectorFailed extends EventBase {
  readonly kind: 'connector-failed';
  readonly connector: Partial<ConnectorRef>;
  readonly connectorId?: string;
  readonly message?: string;
}

/** An Event Grid subscription-validation handshake, answered by the HTTP handler rather than acted on. */
export interface SubscriptionValidation extends EventBase {
  readonly kind: 'subscription-validation';
  readonly validationCode: string;
  readonly validationUrl?: string;
}

export interface IgnoredEvent extends EventBase {
  readonly kind: 'ignored';
  readonly reason: string;
}

export type SecretEvent = SecretRotated | SecretExpiring | SecretExpired;

export function isSecretEvent(event: TriggerEvent): event is SecretEvent {
  return event.kind === 'secret-rotated' || event.kind === 'secret-expiring' || event.kind === 'secret-expired';
}

export function providerOf(event: SecretEvent): CloudProvider {
  return event.secret.provider;
}
