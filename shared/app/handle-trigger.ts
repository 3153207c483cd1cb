import { type ConnectorRef, connectorKey } from '#core/connector-ref';
import type { TriggerEvent } from '#core/events';
import { reportOutcome } from '#core/outcome-report';
import type { Logger } from '#core/ports';
import { coalescingOutcomes, pendingOutcomes, type ReloadOutcome, type ReloadReport } from '#core/reload-plan';
import { deferredUntil } from '#core/restart-coalescing';
import { canonicalSecretId, type SecretRef } from '#core/secret-ref';
import { SecretAccessDeniedError } from '#providers/secret-provider-errors';
import type { Reloader } from './build-reloader';

/** What became of one domain event: every event ends in one of these, or in a thrown error that is retried. */
export type HandledEvent =
  | { readonly kind: 'reloaded'; readonly event: TriggerEvent; readonly report: ReloadReport }
  | { readonly kind: 'warned'; readonly event: TriggerEvent; readonly message: string }
  | {
      readonly kind: 'ignored';
      readonly event: TriggerEvent;
      readonly reason: string;
      /** `not-permitted`: the secret is one this identity may not read (another team's, a managed rotation). */
      readonly code?: 'not-permitted';
    };

/**
 * Some restart requests were refused or errored: the event must be delivered again (the idempotency records make
 * the redelivery restart only what is left) or end on the dead-letter queue with this message as its cause.
 */
export class ReloadIncompleteError extends Error {
  override readonly name: string = 'ReloadIncompleteError';
  constructor(
    readonly report: ReloadReport,
    message = `restart failed for ${report.outcomes.filter(needsRedelivery).length} connector(s) after rotation of ${report.secret}: ${describe(report.outcomes.filter(needsRedelivery))}`,
  ) {
    super(message);
  }
}

/**
 * The retry signal of a rotation that is not done: some connectors are locked by another operation (a recovery,
 * another secret's reload), so the event must be delivered again later, not completed. A ReloadIncompleteError, so
 * every runtime that retries an incomplete reload (a thrown error, a 500, a queue's visibility) retries this too;
 * `retryAfterMs` says when the longest of those locks expires, for a runtime that can choose its delay (AWS: the
 * rotation retry queue). The holders restart the connectors once more when they release them (pending-versions.ts).
 */
export class RotationPendingError extends ReloadIncompleteError {
  override readonly name = 'RotationPendingError';
  readonly pending: readonly ConnectorRef[];
  /** Milliseconds from the end of the reload until the last of the holding locks expires (0: already gone). */
  readonly retryAfterMs: number;

  constructor(report: ReloadReport) {
    const pending = pendingOutcomes(report);
    const failed = report.outcomes.filter(needsRedelivery);
    super(
      report,
      `rotation of ${report.secret}@${report.version ?? 'current'} is pending on ${pending.length} connector(s) locked by another operation, retried later: ${describe(pending)}` +
        (failed.length > 0 ? `; restart failed for ${failed.length}: ${describe(failed)}` : ''),
    );
    this.pending = pending.map((outcome) => outcome.connector);
    const expiries = pending.map((outcome) => outcome.pending?.lockExpiresAt ?? 0);
    // Connectors of the same rotation waiting in a coalescing window must not be held back past their due time.
    const due = deferredUntil(report)?.getTime() ?? Number.POSITIVE_INFINITY;
    this.retryAfterMs = Math.max(0, Math.min(Math.max(...expiries), due) - report.finishedAt.getTime());
  }
}

/**
 * A rotation waiting in its connectors' coalescing windows (restart-coalescing.ts): nothing failed, but it is not
 * done, so it must neither complete (AWS's idempotency record) nor sleep. Each runtime catches this and hands the
 * rotation to its own delayed delivery, due at `dueAt`: the rotation retry queue's DelaySeconds (AWS), a visibility
 * delay on the rotation queue (Azure), a scheduled Cloud Task (Google Cloud). A ReloadIncompleteError, so a runtime
 * that does not catch it retries the rotation rather than dropping it.
 */
export class RotationDeferredError extends ReloadIncompleteError {
  override readonly name = 'RotationDeferredError';
  readonly waiting: readonly ConnectorRef[];
  /** The first of the waiting connectors' due times. */
  readonly dueAt: Date;
  /** Milliseconds from the end of the reload until `dueAt` (0: due already). */
  readonly retryAfterMs: number;

  constructor(report: ReloadReport, dueAt: Date) {
    const waiting = coalescingOutcomes(report);
    super(
      report,
      `rotation of ${report.secret}@${report.version ?? 'current'} waits for the coalesced restart of ${waiting.length} connector(s), the first due at ${dueAt.toISOString()}: delivered again then`,
    );
    this.waiting = waiting.map((outcome) => outcome.connector);
    this.dueAt = dueAt;
    this.retryAfterMs = Math.max(0, dueAt.getTime() - report.finishedAt.getTime());
  }
}

function describe(outcomes: readonly ReloadOutcome[]): string {
  return outcomes.map((o) => `${connectorKey(o.connector)}: ${o.detail}`).join('; ');
}

function needsRedelivery(outcome: ReloadReport['outcomes'][number]): boolean {
  return outcome.result === 'restart-error' && outcome.retryable !== false;
}

/**
 * Access denied on the rotated secret itself: the identity was recognised and may not read it. Not the reloader's
 * own credentials failing (an expired or unrecognised token), which would make every rotation look foreign: that is
 * thrown, retried and dead-lettered with its cause.
 */
function isDeniedOn(error: unknown, secret: SecretRef): error is SecretAccessDeniedError {
  return (
    error instanceof SecretAccessDeniedError &&
    error.denial === 'not-permitted' &&
    error.secretId === canonicalSecretId(secret)
  );
}

/**
 * The rotation path shared by every runtime: a parsed trigger → the reload use case → a result per event.
 * Handlers (Lambda, Functions, CLI, demo) call this and only map its result.
 */
export async function handleSecretEvents(
  events: readonly TriggerEvent[],
  reloader: Reloader,
  logger: Logger,
  invocationId?: string,
): Promise<HandledEvent[]> {
  const handled: HandledEvent[] = [];
  for (const event of events) {
    switch (event.kind) {
      case 'secret-rotated': {
        let report: ReloadReport;
        try {
          report = await reloader.forInvocation(invocationId).execute(event);
        } catch (error) {
          // A rotation of a secret outside the reloader's grants is not ours: no retry could succeed, nothing to alert.
          if (!isDeniedOn(error, event.secret)) throw error;
          const reason = `not permitted to read ${canonicalSecretId(event.secret)}, so not one of the configured secrets (${error.code})`;
          logger.info('rotation ignored: secret not permitted', {
            secret: canonicalSecretId(event.secret),
            code: error.code,
          });
          handled.push({ kind: 'ignored', event, reason, code: 'not-permitted' });
          break;
        }
        // Done only when every connector is settled: one another operation holds is retried, never skipped.
        if (pendingOutcomes(report).length > 0) throw new RotationPendingError(report);
        // A refusal a retry cannot change (a missing permission) is reported and alerted, not redelivered.
        if (report.outcomes.some(needsRedelivery)) throw new ReloadIncompleteError(report);
        // Waiting in a coalescing window: delivered again when the first connector's restart is due.
        const dueAt = deferredUntil(report);
        if (dueAt) throw new RotationDeferredError(report, dueAt);
        handled.push({ kind: 'reloaded', event, report });
        break;
      }
      case 'secret-expiring':
      case 'secret-expired': {
        const message = `${canonicalSecretId(event.secret)} ${event.kind === 'secret-expiring' ? 'is about to expire' : 'has expired'}: rotate it, then its connectors are reloaded`;
        logger.warn(message, { kind: event.kind, secret: canonicalSecretId(event.secret), version: event.version });
        const at = event.kind === 'secret-expiring' ? event.expiresAt : event.expiredAt;
        // Expiry always alerts (and reaches the cloud's outcome sinks); delivery problems are logged, not thrown.
        const warning = {
          secret: canonicalSecretId(event.secret),
          version: event.version,
          expired: event.kind === 'secret-expired',
          ...(at ? { expiresAt: at } : {}),
          message,
        };
        await reportOutcome(reloader.outcomes, { kind: 'secret-expiry', warning }, logger);
        handled.push({ kind: 'warned', event, message });
        break;
      }
      case 'ignored':
        logger.info('event ignored', { reason: event.reason, source: event.source, eventId: event.eventId });
        handled.push({ kind: 'ignored', event, reason: event.reason });
        break;
      default:
        handled.push({ kind: 'ignored', event, reason: `${event.kind} events are not handled on the rotation path` });
    }
  }
  return handled;
}
