import type { Request, Response } from '@google-cloud/functions-framework';
import { toFailureMessage } from '#app/failure-message';
import { runtime } from './runtime';
import { TaskHandOffError } from './task-hand-off';

/**
 * Confluent Cloud notification webhook → one Cloud Tasks task per accepted failure, to recoverReportedFailures.
 * Thin: the shared FailureWebhook checks the URL token (Secret Manager, WEBHOOK_TOKEN_SECRET, cached), the size
 * and the JSON. Public on purpose (allUsers may invoke it): Confluent's webhook target is only a URL, so the token
 * in it is the credential. A queue that refuses answers 503, so Confluent's retry is not lost.
 */
export async function connectorFailureWebhook(req: Request, res: Response): Promise<void> {
  const bodyText =
    req.rawBody?.toString('utf8') ?? (typeof req.body === 'string' ? req.body : JSON.stringify(req.body ?? ''));
  const { response, failures } = await runtime.reloader.failureWebhook.handle({ url: req.originalUrl, bodyText });
  try {
    const now = new Date();
    for (const failure of failures)
      await runtime.handOff.enqueue(runtime.gcp.recoverUrl, toFailureMessage(failure, now));
  } catch (error) {
    if (!(error instanceof TaskHandOffError)) throw error;
    runtime.logger.error('failure webhook: hand-off refused', { error: error.message });
    res.status(503).json({ message: 'could not queue the failure; retry later' });
    return;
  }
  res.status(response.status).json(response.body);
}
