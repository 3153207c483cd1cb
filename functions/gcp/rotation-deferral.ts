import type { Reloader } from '#app/build-reloader';
import { handleSecretEvents, RotationDeferredError } from '#app/handle-trigger';
import { deferredSummary, type HandledSummary, summarize } from '#app/handled-summary';
import type { TriggerEvent } from '#core/events';
import type { Logger } from '#core/ports';
import type { TaskHandOff } from './task-hand-off';

export interface RotationPath {
  readonly reloader: Reloader;
  readonly logger: Logger;
  readonly handOff: Pick<TaskHandOff, 'enqueue'>;
  /** reloadRotatedSecret's URL: where a deferred rotation comes back. */
  readonly reloadUrl: string;
}

export interface RotationsHandled {
  readonly handled: HandledSummary[];
  /** The task a rotation waiting in a coalescing window comes back as, when one does. */
  readonly deferredTo?: string;
}

/**
 * The rotation path of both Google Cloud rotation functions (onSecretVersionEvent inline, reloadRotatedSecret): each
 * event through the shared path, then, when some wait in their connectors' coalescing windows (RotationDeferredError),
 * one Cloud Tasks task for reloadRotatedSecret scheduled at the first due time, carrying `payload` as it came (the
 * CloudEvent), so nothing sleeps through the window. Those events are reported `deferred`; the other events of the
 * payload go on, and the task brings them back too, where their records make them restart nothing twice. An event
 * that fails is thrown, as before, once the task is scheduled. A task that cannot be created throws
 * TaskHandOffError, so the delivery fails and its sender (Pub/Sub, Cloud Tasks) retries: nothing is lost.
 */
export async function handleRotations(
  path: RotationPath,
  payload: unknown,
  events: readonly TriggerEvent[],
  invocationId?: string,
): Promise<RotationsHandled> {
  const handled: HandledSummary[] = [];
  let dueAt: Date | undefined;
  let failure: { readonly error: unknown } | undefined;
  for (const event of events) {
    try {
      handled.push(...(await handleSecretEvents([event], path.reloader, path.logger, invocationId)).map(summarize));
    } catch (error) {
      if (!(error instanceof RotationDeferredError) || event.kind !== 'secret-rotated') {
        failure = { error };
        break;
      }
      handled.push(deferredSummary(event, error));
      if (!dueAt || error.dueAt < dueAt) dueAt = error.dueAt;
    }
  }
  // Scheduled even when another event failed: a waiting rotation comes back though that retry may end dead-lettered.
  const deferredTo = dueAt ? await path.handOff.enqueue(path.reloadUrl, payload, dueAt) : undefined;
  if (failure) throw failure.error;
  return { handled, ...(deferredTo ? { deferredTo } : {}) };
}
