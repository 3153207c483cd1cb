import type { Request, Response } from '@google-cloud/functions-framework';
import { summarizeRecovery } from '#app/recovery-summary';
import { runtime } from './runtime';

/**
 * The scheduled sweep (Cloud Scheduler, every 5 minutes unless the Terraform `sweep_schedule` says otherwise, an
 * OIDC-signed POST): one list-with-status call per cluster in scope, then every FAILED connector goes through the
 * same recovery as a webhook report. A throw answers 500; Scheduler's next run is the retry.
 */
export async function sweepFailedConnectors(req: Request, res: Response): Promise<void> {
  const summary = summarizeRecovery(
    await runtime.reloader.recovery(req.header('x-cloudscheduler-jobname') ?? undefined).sweep(),
  );
  runtime.logger.info('sweep finished', { ...summary });
  res.status(200).json(summary);
}
