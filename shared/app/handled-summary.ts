import { connectorKey } from '../core/connector-ref';
import { canonicalSecretId } from '../core/secret-ref';
import type { HandledEvent } from './handle-trigger';

/**
 * What a rotation invocation reports per event (the Azure functions' result, the GCP functions' log line and task
 * answer): ids, versions, results and reasons, never a value.
 */
export interface HandledSummary {
  /**
   * `queued`: handed to the rotation queue (rotation-queue.ts), whose function reports the rest; `dead-lettered`: a
   * payload no retry can fix, put on the rotation poison queue with its cause (the reason).
   */
  readonly kind: HandledEvent['kind'] | 'queued' | 'dead-lettered';
  readonly secret?: string;
  readonly version?: string | null;
  readonly reason?: string;
  readonly outcomes?: readonly { readonly connector: string; readonly result: string; readonly reason?: string }[];
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
        })),
      };
    case 'warned':
      return { kind: 'warned', ...secret, reason: handled.message };
    case 'ignored':
      return { kind: 'ignored', ...secret, reason: handled.reason };
  }
}
