import type { Context, ScheduledEvent } from 'aws-lambda';
import { type RecoverySummary, summarizeRecovery } from '../../shared/app/recovery-summary';
import { createAwsRecoveryRuntime } from './recovery-runtime';

/**
 * The scheduled sweep (an EventBridge schedule, `rate(5 minutes)` unless the `sweepSchedule` parameter says
 * otherwise): one list-with-status call per cluster in scope, then every FAILED connector, or connector with a
 * FAILED task, goes through the same recovery as a webhook report. It is also the safety net for failures
 * Confluent never notified and restarts that were refused. A throw is not retried (the next run is the retry).
 */
const { runtime, reloader } = createAwsRecoveryRuntime();

export const handler = runtime.handler(async (event: ScheduledEvent, context: Context): Promise<RecoverySummary> => {
  const report = await reloader.recovery(context.awsRequestId).sweep();
  const summary = summarizeRecovery(report);
  runtime.log.info('sweep finished', { scheduledAt: event?.time, ...summary });
  return summary;
});
