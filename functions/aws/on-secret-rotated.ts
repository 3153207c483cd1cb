import type { Context } from 'aws-lambda';
import { handleSecretEvents } from '#app/handle-trigger';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTrigger } from '#events/parse-trigger';
import { RELOAD_METRICS } from '#observability/reload-metrics';
import { createAwsRotationRuntime } from './rotation-delivery';
import { type EventSummary, summarize } from './rotation-summary';

/**
 * EventBridge → Lambda: a Secrets Manager event (native `Secret Label Updated`, or CloudTrail when enabled) →
 * parse → the shared rotation path → a summary per event. A rotation pending on a connector another operation holds
 * goes to the rotation retry queue (retry-pending-rotations.ts) and answers `pending`. A throw (restart refused,
 * store or API unreachable, malformed payload) makes Lambda retry and finally sends the event to the on-failure
 * destination; ignored events return normally with the reason logged, a secret the function may not read
 * (AccessDenied) among them, counted as RotationNotPermitted: the rule narrows to the configured secrets, this
 * covers what still gets through.
 */

// Built once per cold start and reused: settings are validated here, no network is touched until an event comes.
const { runtime, reloader, deliver } = createAwsRotationRuntime();

export const handler = runtime.handler(async (payload: unknown, context: Context) => {
  const results: EventSummary[] = [];
  for (const event of parseTrigger(payload, DEFAULT_PARSERS)) {
    if (event.kind !== 'secret-rotated') {
      for (const handled of await handleSecretEvents([event], reloader, runtime.log, context.awsRequestId)) {
        results.push(summarize(handled, context.awsRequestId));
        if (handled.kind === 'ignored') runtime.record([{ name: RELOAD_METRICS.ignored, unit: 'Count', value: 1 }]);
      }
      continue;
    }
    results.push(await deliver(context, event, 1));
  }
  return { results };
});
