import type { CloudEvent } from '@google-cloud/functions-framework';
import type { HandledSummary } from '#app/handled-summary';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTrigger } from '#events/parse-trigger';
import { MalformedPayloadError } from '#events/trigger-parser';
import { handleRotations } from './rotation-deferral';
import { runtime } from './runtime';
import { deadLetter } from './task-hand-off';

export type SecretVersionEventResult =
  | { readonly handled: HandledSummary[]; readonly deferredTo?: string }
  | { readonly handedOff: string[] }
  | { readonly deadLettered: string };

/**
 * Eventarc (the Secret Manager topic's messagePublished) → a Cloud Run function: parse → the shared rotation path.
 * Its deadline is the function's timeout, at most 540 s for an event-driven function (GCP_EVENT_FUNCTION_TIMEOUT_
 * SECONDS); Pub/Sub redelivers what is not acknowledged by then. When a reload can outlast it (verification,
 * pause wait and restart retries: 780 s with the defaults), each rotation is handed to the Cloud Tasks queue and
 * reloadRotatedSecret does it within Cloud Tasks' 30-minute dispatch deadline; otherwise it runs here. A rotation
 * waiting in a coalescing window becomes a task for reloadRotatedSecret scheduled at its due time, and the message is
 * acknowledged (rotation-deferral.ts). A throw (a restart refused, Secret Manager, the bucket, Confluent or Cloud
 * Tasks unreachable) nacks the message, so Pub/Sub retries and finally dead-letters it; the applied versions in the
 * state bucket make a retry restart only what is left.
 */
export async function onSecretVersionEvent(event: CloudEvent<unknown>): Promise<SecretVersionEventResult> {
  let events: ReturnType<typeof parseTrigger>;
  try {
    events = parseTrigger(event, DEFAULT_PARSERS);
  } catch (error) {
    if (!(error instanceof MalformedPayloadError)) throw error;
    // No retry can mend it: recorded once, acknowledged.
    await deadLetter(runtime.bucket, {
      function: 'onSecretVersionEvent',
      task: event.id,
      payload: event,
      cause: error.message,
      attempts: 1,
      deadLetteredAt: new Date().toISOString(),
    });
    runtime.logger.error('secret event dead-lettered', { eventId: event.id, cause: error.message });
    return { deadLettered: error.message };
  }
  const rotations = events.filter((parsed) => parsed.kind === 'secret-rotated');
  if (runtime.handsOffRotations && rotations.length > 0) {
    const task = await runtime.handOff.enqueue(runtime.gcp.reloadUrl, event);
    runtime.logger.info('rotation handed off', { eventId: event.id, task });
    return { handedOff: [task] };
  }
  const result = await handleRotations(runtime.rotationPath, event, events, event.id);
  for (const summary of result.handled) {
    runtime.logger.info('secret event handled', {
      eventId: event.id,
      ...summary,
      ...(summary.kind === 'deferred' ? { deferredTo: result.deferredTo } : {}),
    });
  }
  return result;
}
