import type { InvocationContext, StorageQueueOutput } from '@azure/functions';
import type { Logger } from '#core/ports';
import { redact } from '#observability/redaction';
import { hostLimits } from './host-limits';

/** What lands on a poison queue: the message as received, why it was given up on, and after how many tries. */
export interface DeadLetter {
  readonly message: unknown;
  readonly cause: string;
  readonly dequeueCount: number;
  readonly deadLetteredAt: string;
}

export interface DeadLettered {
  readonly deadLettered: string;
}

export interface PoisonPolicy {
  /** The `<queue>-poison` output binding of the function (it must be among the function's extraOutputs). */
  readonly poison: StorageQueueOutput;
  /** Errors no retry can fix (a malformed message): dead-lettered on the first try. */
  readonly permanent: (error: unknown) => boolean;
  readonly logger: Logger;
  /** Names the work in the log lines, e.g. `reported failure`. */
  readonly subject: string;
}

/** The cause as it is logged and dead-lettered: the error's name and message, redacted. */
export function causeOf(error: unknown): string {
  return redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/**
 * How every queue-triggered function ends a message: `work`'s result; or a throw, so the host retries the message
 * after the queue's retry delay; or, on the last try the host allows (maxDequeueCount) or at once for a permanent
 * error, the message on the poison queue with its cause, so nothing is dropped without a recorded reason. The
 * host's own poison move (a crash or a timeout on the last try) carries no cause; this one does.
 */
export async function deadLetterOnLastTry<R>(
  entry: unknown,
  context: InvocationContext,
  policy: PoisonPolicy,
  work: () => Promise<R>,
): Promise<R | DeadLettered> {
  const dequeueCount = Number(context.triggerMetadata?.dequeueCount ?? 1);
  try {
    return await work();
  } catch (error) {
    const cause = causeOf(error);
    const final = policy.permanent(error) || dequeueCount >= hostLimits().maxDequeueCount;
    if (!final) {
      policy.logger.warn(`${policy.subject} not handled, the queue retries it`, { cause, dequeueCount });
      throw error;
    }
    const deadLetter: DeadLetter = { message: entry, cause, dequeueCount, deadLetteredAt: new Date().toISOString() };
    context.extraOutputs.set(policy.poison, deadLetter);
    policy.logger.error(`${policy.subject} dead-lettered`, { cause, dequeueCount, queue: policy.poison.queueName });
    return { deadLettered: cause };
  }
}
