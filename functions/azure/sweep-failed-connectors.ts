import { app, type InvocationContext, type Timer } from '@azure/functions';
import { type RecoverySummary, summarizeRecovery } from '#app/recovery-summary';
import { runDeadline } from '#app/run-deadline';
import { sweepSchedule } from './azure-settings';
import { withInvocation } from './invocation-logger';
import { runtime } from './runtime';

/**
 * The scheduled sweep (every 5 minutes unless SWEEP_SCHEDULE says otherwise): one list-with-status call per cluster
 * in scope, then every FAILED connector, or connector with a FAILED task, goes through the same recovery as a
 * webhook report. It is also the safety net for failures Confluent never notified and restarts that were refused.
 * Restarts that could not end within FUNCTION_TIMEOUT_SECONDS are left, still FAILED, to the next run (out-of-time).
 */
export async function sweepFailedConnectors(timer: Timer, context: InvocationContext): Promise<RecoverySummary> {
  return withInvocation(context, async () => {
    if (timer.isPastDue) runtime.logger.info('sweep is running late (missed schedule)');
    const deadline = runDeadline(Date.now(), runtime.azure.functionTimeoutMs);
    const recovery = runtime.reloader.recovery(context.invocationId);
    const summary = summarizeRecovery(await recovery.sweep(deadline === undefined ? {} : { deadline }));
    runtime.logger.info('sweep finished', { ...summary });
    return summary;
  });
}

app.timer('sweepFailedConnectors', { schedule: sweepSchedule(process.env), handler: sweepFailedConnectors });
