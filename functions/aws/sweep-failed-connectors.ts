import type { Context, ScheduledEvent } from 'aws-lambda';
import { type RecoverySummary, summarizeRecovery } from '#app/recovery-summary';
import { runDeadline } from '#app/run-deadline';
import { createAwsRecoveryRuntime } from './recovery-runtime';

/**
 * The scheduled sweep (an EventBridge schedule, `rate(5 minutes)` unless the `sweepSchedule` parameter says
 * otherwise): one list-with-status call per cluster in scope, then every FAILED connector, or connector with a
 * FAILED task, goes through the same recovery as a webhook report. It is also the safety net for failures
 * Confluent never notified and restarts that were refused. A throw is not retried (the next run is the retry).
 * Restarts that could not end before the function's timeout are left, still FAILED, to the next run (out-of-time).
 */
const { runtime, reloader } = createAwsRecoveryRuntime();

export const handler = runtime.handler(async (event: ScheduledEvent, context: Context): Promise<RecoverySummary> => {
  const deadline = runDeadline(Date.now(), context.getRemainingTimeInMillis?.());
  const report = await reloader.recovery(context.awsRequestId).sweep(deadline === undefined ? {} : { deadline });
  const summary = summarizeRecovery(report);
  runtime.log.info('sweep finished', { scheduledAt: event?.time, ...summary });
  return summary;
});
