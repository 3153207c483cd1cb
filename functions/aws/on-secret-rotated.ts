import type { Context } from 'aws-lambda';
import { handleSecretEvents } from '../../shared/app/handle-trigger';
import { loadSettings } from '../../shared/config/settings';
import type { SecretRotated } from '../../shared/core/events';
import { DEFAULT_PARSERS } from '../../shared/events/default-parsers';
import { parseTrigger } from '../../shared/events/parse-trigger';
import { RELOAD_METRICS } from '../../shared/observability/reload-metrics';
import { createAwsReloader, createDynamoClient } from './aws-reloader';
import { loadAwsSettings } from './aws-settings';
import { createLambdaRuntime } from './lambda-runtime';
import { type EventSummary, type RotationKey, rotationKey, summarize } from './rotation-summary';

/**
 * EventBridge → Lambda: a Secrets Manager event (native `Secret Label Updated`, or CloudTrail when enabled) →
 * parse → the shared rotation path → a summary per event. A throw (restart refused, store or API unreachable,
 * malformed payload) makes Lambda retry and finally sends the event to the on-failure destination; ignored events
 * return normally with the reason logged, a secret the function may not read (AccessDenied) among them, counted as
 * RotationNotPermitted: the rule narrows to the configured secrets, this covers what still gets through.
 */

// Built once per cold start and reused: settings are validated here, no network is touched until an event comes.
const settings = loadSettings(process.env);
const aws = loadAwsSettings(process.env);
const dynamo = createDynamoClient();
const runtime = createLambdaRuntime({ logLevel: settings.logLevel, idempotencyTable: aws.idempotencyTable, dynamo });
// Reload, recovery and expiry metrics are counted by the reloader's outcome channel (its metrics sink).
const reloader = createAwsReloader(settings, aws, dynamo, runtime);

const reloadOnce = runtime.once(
  'secret-version',
  async (_key: RotationKey, event: SecretRotated, invocationId: string): Promise<EventSummary> => {
    const [handled] = await handleSecretEvents([event], reloader, runtime.log, invocationId);
    if (handled?.kind === 'ignored' && handled.code === 'not-permitted')
      runtime.record([{ name: RELOAD_METRICS.notPermitted, unit: 'Count', value: 1 }]);
    return handled ? summarize(handled, invocationId) : { kind: 'ignored', reason: 'nothing to handle' };
  },
);

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
    const key = rotationKey(event);
    const once = await reloadOnce(context, key, event, context.awsRequestId);
    const duplicate = once.status === 'in-progress' || once.value.handledBy !== context.awsRequestId;
    if (duplicate) runtime.record([{ name: RELOAD_METRICS.duplicates, unit: 'Count', value: 1 }]);
    if (once.status === 'in-progress') {
      // The invocation holding it owns the outcome (and its retries): this copy has nothing left to do.
      runtime.log.info('duplicate delivery while another invocation handles this version', { ...key });
      results.push({ kind: 'duplicate-in-progress', secret: key.secret, version: key.version });
    } else {
      if (once.value.handledBy !== context.awsRequestId) {
        runtime.log.info('duplicate delivery: this version was already handled', { ...key, by: once.value.handledBy });
      }
      results.push(once.value);
    }
  }
  return { results };
});
