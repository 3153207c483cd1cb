import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import type { Reloader } from '#app/build-reloader';
import { handleSecretEvents, RotationDeferredError, RotationPendingError } from '#app/handle-trigger';
import { loadSettings } from '#config/settings';
import { connectorKey } from '#core/connector-ref';
import type { SecretRotated } from '#core/events';
import { RELOAD_METRICS } from '#observability/reload-metrics';
import { createAwsReloader, createDynamoClient } from './aws-reloader';
import { type AwsSettings, loadAwsSettings, requireAwsSetting } from './aws-settings';
import { createLambdaRuntime, type LambdaRuntime } from './lambda-runtime';
import { checkRetryBudget, MAX_PENDING_ATTEMPTS, nextPendingAttempt, RotationRetryQueue } from './rotation-retry-queue';
import { deferredSummary, type EventSummary, type RotationKey, rotationKey, summarize } from './rotation-summary';

/**
 * What the rotation functions (onSecretRotated from EventBridge, retryPendingRotations from the retry queue) share:
 * one reload per (secret, version) under Powertools idempotency, and the hand-off of a pending rotation to the retry
 * queue. A pending rotation throws inside the idempotent unit, so its record is deleted, never completed: the next
 * try runs the reload again. So does a rotation waiting in its connectors' coalescing windows (RotationDeferredError):
 * it goes to the same queue, delayed until its coalesced restart is due, as the same try.
 */
export interface AwsRotationRuntime {
  readonly aws: AwsSettings;
  readonly runtime: LambdaRuntime;
  readonly reloader: Reloader;
  readonly sqs: SQSClient;
  /**
   * Reloads `event` once (a duplicate gets the stored result), as try `attempt`. Pending: queued for the next try and
   * answered `pending`; on the last try the RotationPendingError is thrown for the caller to dead-letter. Waiting for
   * a coalesced restart: queued until it is due, still try `attempt`, and answered `deferred`. Throws when SQS refuses.
   */
  deliver(context: Context, event: SecretRotated, attempt: number): Promise<EventSummary>;
}

export function createAwsRotationRuntime(env: NodeJS.ProcessEnv = process.env): AwsRotationRuntime {
  const settings = loadSettings(env);
  const aws = loadAwsSettings(env);
  checkRetryBudget(settings.lockTtlMs);
  const dynamo = createDynamoClient();
  const runtime = createLambdaRuntime({ logLevel: settings.logLevel, idempotencyTable: aws.idempotencyTable, dynamo });
  // Reload, recovery and expiry metrics are counted by the reloader's outcome channel (its metrics sink).
  const reloader = createAwsReloader(settings, aws, dynamo, runtime);
  const sqs = new SQSClient({});
  const retries = new RotationRetryQueue(
    sqs,
    requireAwsSetting(aws, 'rotationRetryQueueUrl', 'ROTATION_RETRY_QUEUE_URL'),
  );
  const reloadOnce = runtime.once(
    'secret-version',
    async (_key: RotationKey, event: SecretRotated, invocationId: string): Promise<EventSummary> => {
      const [handled] = await handleSecretEvents([event], reloader, runtime.log, invocationId);
      if (handled?.kind === 'ignored' && handled.code === 'not-permitted')
        runtime.record([{ name: RELOAD_METRICS.notPermitted, unit: 'Count', value: 1 }]);
      return handled ? summarize(handled, invocationId) : { kind: 'ignored', reason: 'nothing to handle' };
    },
  );

  async function deliver(context: Context, event: SecretRotated, attempt: number): Promise<EventSummary> {
    const key = rotationKey(event);
    let once: Awaited<ReturnType<typeof reloadOnce>>;
    try {
      once = await reloadOnce(context, key, event, context.awsRequestId);
    } catch (error) {
      if (error instanceof RotationDeferredError) return defer(event, key, error, attempt);
      if (!(error instanceof RotationPendingError)) throw error;
      const nextAttempt = nextPendingAttempt(error, attempt);
      if (nextAttempt > MAX_PENDING_ATTEMPTS) throw error;
      const next = await retries.schedule(event, error, nextAttempt);
      const pending = error.pending.map(connectorKey);
      runtime.log.warn('rotation pending on locked connectors: queued for another try', {
        ...key,
        pending,
        attempt: next.attempt,
        retryInSeconds: next.delaySeconds,
      });
      return { kind: 'pending', ...key, pending, attempt: next.attempt, retryInSeconds: next.delaySeconds };
    }
    const duplicate = once.status === 'in-progress' || once.value.handledBy !== context.awsRequestId;
    if (duplicate) runtime.record([{ name: RELOAD_METRICS.duplicates, unit: 'Count', value: 1 }]);
    if (once.status === 'in-progress') {
      // The invocation holding it owns the outcome (and its retries): this copy has nothing left to do.
      runtime.log.info('duplicate delivery while another invocation handles this version', { ...key });
      return { kind: 'duplicate-in-progress', secret: key.secret, version: key.version };
    }
    if (once.value.handledBy !== context.awsRequestId) {
      runtime.log.info('duplicate delivery: this version was already handled', { ...key, by: once.value.handledBy });
    }
    return once.value;
  }

  async function defer(
    event: SecretRotated,
    key: RotationKey,
    deferred: RotationDeferredError,
    attempt: number,
  ): Promise<EventSummary> {
    const next = await retries.defer(event, deferred, attempt);
    const summary = deferredSummary(key, deferred, next.delaySeconds);
    runtime.log.info('rotation waits for its coalesced restart: queued until it is due', { ...summary, attempt });
    return summary;
  }

  return { aws, runtime, reloader, sqs, deliver };
}
