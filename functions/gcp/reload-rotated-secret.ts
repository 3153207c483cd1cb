import type { Request, Response } from '@google-cloud/functions-framework';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTrigger } from '#events/parse-trigger';
import { MalformedPayloadError } from '#events/trigger-parser';
import { handleRotations } from './rotation-deferral';
import { runtime } from './runtime';
import { PermanentTaskError, runTaskTarget } from './task-target';

/**
 * The Cloud Tasks target of a handed-off rotation, or of one come back from its coalescing window: the CloudEvent as
 * Eventarc delivered it → the shared rotation path, within Cloud Tasks' 30-minute dispatch deadline (the function's
 * timeout is the same). A rotation still waiting becomes another task scheduled at its due time, and this one answers
 * 200 (rotation-deferral.ts). A restart refused or a backend unreachable answers 500 and the queue retries; the last
 * attempt dead-letters with its cause.
 */
export async function reloadRotatedSecret(req: Request, res: Response): Promise<void> {
  await runTaskTarget('reloadRotatedSecret', req, res, async (payload) => {
    let events: ReturnType<typeof parseTrigger>;
    try {
      events = parseTrigger(payload, DEFAULT_PARSERS);
    } catch (error) {
      if (error instanceof MalformedPayloadError) throw new PermanentTaskError(error.message);
      throw error;
    }
    const invocation = req.header('x-cloudtasks-taskname') ?? undefined;
    const { handled, deferredTo } = await handleRotations(runtime.rotationPath, payload, events, invocation);
    for (const summary of handled) {
      runtime.logger.info('secret event handled', {
        task: invocation,
        ...summary,
        ...(summary.kind === 'deferred' ? { deferredTo } : {}),
      });
    }
    return { results: handled, ...(deferredTo ? { deferredTo } : {}) };
  });
}
