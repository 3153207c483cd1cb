import { connectorKey } from '#core/connector-ref';
import type { SecretRotated } from '#core/events';
import { canonicalSecretId } from '#core/secret-ref';
import type { HandledEvent, RotationDeferredError } from './handle-trigger';

/**
 * What a rotation invocation reports per event (the Azure functions' result, the GCP functions' log line and task
 * answer): ids, versions, results and reasons, never a value.
 */
export interface HandledSummary {
  /**
   * `queued`: handed to the rotation queue (rotation-queue.ts), whose function reports the rest; `dead-lettered`: a
   * payload no retry can fix, put on the rotation poison queue with its cause (the reason); `deferred`: waiting in
   * its connectors' coalescing windows, handed to the runtime's delayed delivery to come back at `dueAt`.
   */
  readonly kind: HandledEvent['kind'] | 'queued' | 'dead-lettered' | 'deferred';
  readonly secret?: string;
  readonly version?: string | null;
  readonly reason?: string;
  readonly outcomes?: readonly {
    readonly connector: string;
    readonly result: string;
    readonly reason?: string;
    /** The coalesced restart that applied the version (restart-coalescing.ts): the same id in every report. */
    readonly coalescedRestart?: string;
  }[];
  /** `deferred`: when the rotation comes back. */
  readonly dueAt?: string;
  /** `deferred`: the connectors waiting in their windows. */
  readonly waiting?: readonly string[];
}

/** One handled event as its summary: connectors as `env/lkc/name`, the secret in its canonical form. */
export function summarize(handled: HandledEvent): HandledSummary {
  const event = handled.event;
  const secret = 'secret' in event ? { secret: canonicalSecretId(event.secret), version: event.version } : {};
  switch (handled.kind) {
    case 'reloaded':
      return {
        kind: 'reloaded',
        ...secret,
        version: handled.report.version,
        ...(handled.report.eventSkip ? { reason: handled.report.eventSkip.detail } : {}),
        outcomes: handled.report.outcomes.map((outcome) => ({
          connector: connectorKey(outcome.connector),
          result: outcome.result,
          ...(outcome.reason ? { reason: outcome.reason } : {}),
          ...(outcome.coalescedRestart ? { coalescedRestart: outcome.coalescedRestart.id } : {}),
        })),
      };
    case 'warned':
      return { kind: 'warned', ...secret, reason: handled.message };
    case 'ignored':
      return { kind: 'ignored', ...secret, reason: handled.reason };
  }
}

/** A rotation handed to the runtime's delayed delivery (RotationDeferredError): what waits, and until when. */
export function deferredSummary(event: SecretRotated, deferred: RotationDeferredError): HandledSummary {
  return {
    kind: 'deferred',
    secret: canonicalSecretId(event.secret),
    version: deferred.report.version,
    reason: deferred.message,
    dueAt: deferred.dueAt.toISOString(),
    waiting: deferred.waiting.map(connectorKey),
  };
}
