import type { HandledEvent, RotationDeferredError } from '#app/handle-trigger';
import { connectorKey } from '#core/connector-ref';
import type { SecretRotated } from '#core/events';
import { secretIdentityKey } from '#core/secret-ref';

/**
 * What the function returns per event, and what idempotency stores for a (secret, version): counts and ids only,
 * small and free of secret values, unlike the full report with its traces.
 */
export interface EventSummary {
  readonly kind: HandledEvent['kind'] | 'duplicate-in-progress' | 'pending' | 'deferred';
  readonly secret?: string;
  readonly version?: string | null;
  readonly reason?: string;
  readonly restarted?: number;
  readonly failed?: number;
  readonly skipped?: number;
  /** The invocation that did the work: differs from the current one when a duplicate got the stored result. */
  readonly handledBy?: string;
  /** `pending`: the connectors another operation holds; the rotation's next try and when it comes. */
  readonly pending?: readonly string[];
  readonly attempt?: number;
  readonly retryInSeconds?: number;
  /** `deferred`: when the first waiting connector's coalesced restart is due, and the connectors waiting for it. */
  readonly dueAt?: string;
  readonly waiting?: readonly string[];
  /** The coalesced restarts that applied this version (restart-coalescing.ts), the same ids every rotation names. */
  readonly coalescedRestarts?: readonly string[];
}

/** The idempotency key of a rotation: the secret and its version, whichever event family announced it. */
export interface RotationKey {
  readonly secret: string;
  readonly version: string | null;
  /** Only when the event names no version (RotationSucceeded): then each event stands alone. */
  readonly eventId?: string;
}

export function rotationKey(event: SecretRotated): RotationKey {
  return {
    secret: secretIdentityKey(event.secret),
    version: event.version,
    ...(event.version === null && event.eventId ? { eventId: event.eventId } : {}),
  };
}

export function summarize(handled: HandledEvent, invocationId: string): EventSummary {
  switch (handled.kind) {
    case 'reloaded': {
      const { report } = handled;
      const results = report.outcomes.map((outcome) => outcome.result);
      const coalescedRestarts = [
        ...new Set(
          report.outcomes.flatMap((outcome) => (outcome.coalescedRestart ? [outcome.coalescedRestart.id] : [])),
        ),
      ].sort();
      return {
        kind: 'reloaded',
        secret: report.secret,
        version: report.version,
        ...(report.eventSkip ? { reason: report.eventSkip.reason } : {}),
        restarted: results.filter((result) => result === 'restarted').length,
        failed: results.filter((result) => result !== 'restarted' && result !== 'skipped').length,
        skipped: results.filter((result) => result === 'skipped').length,
        ...(coalescedRestarts.length > 0 ? { coalescedRestarts } : {}),
        handledBy: invocationId,
      };
    }
    case 'warned':
      return { kind: 'warned', reason: handled.message };
    case 'ignored':
      return { kind: 'ignored', reason: handled.reason };
  }
}

/** A rotation queued again to wait for its coalesced restart: what waits, until when, and the delay. */
export function deferredSummary(
  key: RotationKey,
  deferred: RotationDeferredError,
  retryInSeconds: number,
): EventSummary {
  return {
    kind: 'deferred',
    ...key,
    dueAt: deferred.dueAt.toISOString(),
    waiting: deferred.waiting.map(connectorKey),
    retryInSeconds,
  };
}
