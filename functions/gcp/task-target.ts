import type { Request, Response } from '@google-cloud/functions-framework';
import { redact } from '#observability/redaction';
import { runtime } from './runtime';
import { deadLetter, taskAttempt } from './task-hand-off';

/** Work that no retry can fix (a malformed payload): dead-lettered at once. */
export class PermanentTaskError extends Error {
  override readonly name = 'PermanentTaskError';
}

/**
 * Runs a Cloud Tasks target's work: 200 with its result; on a failure 500, so the queue retries, except on the last
 * attempt (GCP_TASK_MAX_ATTEMPTS) or for a PermanentTaskError, where the payload and cause go to the state bucket's
 * dead letters and the answer is 200 (Cloud Tasks would otherwise drop the task with no record).
 */
export async function runTaskTarget(
  name: string,
  req: Request,
  res: Response,
  work: (payload: unknown) => Promise<unknown>,
): Promise<void> {
  const attempt = taskAttempt(req.headers);
  try {
    res.status(200).json(await work(req.body));
  } catch (error) {
    const cause = redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    const final = error instanceof PermanentTaskError || attempt + 1 >= runtime.gcp.taskMaxAttempts;
    if (!final) {
      runtime.logger.warn(`${name}: not done, the queue retries it`, { cause, attempt });
      res.status(500).json({ error: cause });
      return;
    }
    const task = req.header('x-cloudtasks-taskname');
    const object = await deadLetter(runtime.bucket, {
      function: name,
      ...(task ? { task } : {}),
      payload: req.body,
      cause,
      attempts: attempt + 1,
      deadLetteredAt: new Date().toISOString(),
    });
    runtime.logger.error(`${name}: dead-lettered`, { cause, attempts: attempt + 1, object });
    res.status(200).json({ deadLettered: cause, object });
  }
}
