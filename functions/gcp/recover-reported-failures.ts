import type { Request, Response } from '@google-cloud/functions-framework';
import { fromFailureMessage, MalformedFailureMessageError } from '#app/failure-message';
import { summarizeRecovery } from '#app/recovery-summary';
import { runtime } from './runtime';
import { PermanentTaskError, runTaskTarget } from './task-target';

/**
 * The Cloud Tasks target of a reported failure → the shared recovery use case (confirms the state with the Connect
 * API, restart budget, maintenance windows, one operation per connector, never PAUSED). Retried by the queue;
 * dead-lettered with its cause on the last attempt, or at once for a malformed message.
 */
export async function recoverReportedFailures(req: Request, res: Response): Promise<void> {
  await runTaskTarget('recoverReportedFailures', req, res, async (payload) => {
    let failure: ReturnType<typeof fromFailureMessage>;
    try {
      failure = fromFailureMessage(payload);
    } catch (error) {
      if (error instanceof MalformedFailureMessageError) throw new PermanentTaskError(error.message);
      throw error;
    }
    const invocation = req.header('x-cloudtasks-taskname') ?? undefined;
    const recovered = summarizeRecovery(await runtime.reloader.recovery(invocation).onFailureReported([failure]));
    runtime.logger.info('reported failure handled', { ...recovered });
    return { recovered };
  });
}
