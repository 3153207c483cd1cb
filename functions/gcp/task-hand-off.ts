import type { Bucket } from '@google-cloud/storage';
import type { CloudTasksClient as TasksClient } from '@google-cloud/tasks' with { 'resolution-mode': 'import' };
import { PassThroughClient } from 'google-auth-library';
import { redact } from '#observability/redaction';
import { TASK_DISPATCH_DEADLINE_SECONDS } from './gcp-settings';

// @google-cloud/tasks 7 is "type": "module" with a CommonJS build under its `require` export condition, whose .d.ts
// TypeScript then reads as ESM: the types come from the ESM side, the code from require().
const { CloudTasksClient }: { CloudTasksClient: typeof TasksClient } = require('@google-cloud/tasks');
type CloudTasksClient = TasksClient;

/** A task that could not be created: the caller answers 5xx so its own sender (Eventarc, Confluent) retries. */
export class TaskHandOffError extends Error {
  override readonly name = 'TaskHandOffError';
}

/**
 * Cloud Tasks refuses a scheduleTime more than 720 h (30 days) ahead; a minute is kept back for the clocks' skew.
 * Work due later is scheduled this far ahead, comes back early, and waits again.
 */
export const MAX_SCHEDULE_AHEAD_MS = 720 * 3_600_000 - 60_000;

/**
 * The hand-off of work that may outlast its caller's deadline, or that is due later: one Cloud Tasks HTTP task per
 * unit of work, POSTed to a task-target function (OIDC-signed when a service account is set) with Cloud Tasks'
 * longest dispatch deadline, retried by the queue until its max attempts. Cloud Tasks has no dead-letter queue, so
 * the target, on its last attempt, writes the work and its cause to the state bucket (`deadLetter`) instead of
 * failing again.
 */
export class TaskHandOff {
  constructor(
    private readonly client: Pick<CloudTasksClient, 'createTask'>,
    private readonly queue: string,
    private readonly serviceAccount?: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * `scheduleAt`: Cloud Tasks holds the task until then (a coalescing rotation's due time), at most
   * MAX_SCHEDULE_AHEAD_MS from now; a past time is dispatched at once. Absent: at once.
   */
  async enqueue(url: string, payload: unknown, scheduleAt?: Date): Promise<string> {
    const scheduleMs =
      scheduleAt === undefined ? undefined : Math.min(scheduleAt.getTime(), this.now() + MAX_SCHEDULE_AHEAD_MS);
    try {
      const [task] = await this.client.createTask({
        parent: this.queue,
        task: {
          httpRequest: {
            url,
            httpMethod: 'POST',
            headers: { 'content-type': 'application/json' },
            body: Buffer.from(JSON.stringify(payload)),
            ...(this.serviceAccount ? { oidcToken: { serviceAccountEmail: this.serviceAccount } } : {}),
          },
          dispatchDeadline: { seconds: TASK_DISPATCH_DEADLINE_SECONDS },
          ...(scheduleMs === undefined
            ? {}
            : { scheduleTime: { seconds: Math.floor(scheduleMs / 1000), nanos: (scheduleMs % 1000) * 1_000_000 } }),
        },
      });
      return task.name ?? '(unnamed task)';
    } catch (error) {
      throw new TaskHandOffError(
        `could not queue work on ${this.queue}: ${redact(error instanceof Error ? error.message : String(error))}`,
      );
    }
  }
}

/** Cloud Tasks' client on its REST fallback, pointed at a local endpoint (plain HTTP, no credentials) when given. */
export function cloudTasksClient(endpoint?: string): CloudTasksClient {
  if (!endpoint) return new CloudTasksClient({ fallback: true });
  const url = new URL(endpoint);
  return new CloudTasksClient({
    fallback: true,
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'http:' ? 80 : 443)),
    protocol: url.protocol.replace(':', ''),
    ...(url.protocol === 'http:' ? { authClient: new PassThroughClient() } : {}),
  } as ConstructorParameters<typeof CloudTasksClient>[0]);
}

/** What a task target is told by Cloud Tasks' headers: which attempt this is (0 first). */
export function taskAttempt(headers: Readonly<Record<string, string | string[] | undefined>>): number {
  const value = Number(headers['x-cloudtasks-taskretrycount'] ?? 0);
  return Number.isInteger(value) && value >= 0 ? value : 0;
}

export interface DeadLetter {
  readonly function: string;
  readonly task?: string;
  readonly payload: unknown;
  readonly cause: string;
  readonly attempts: number;
  readonly deadLetteredAt: string;
}

/** Writes a dead letter under `dead-letters/<function>/` in the state bucket; returns its object name. */
export async function deadLetter(bucket: Bucket, letter: DeadLetter): Promise<string> {
  const name = `dead-letters/${letter.function}/${letter.deadLetteredAt}-${(letter.task ?? 'task').split('/').at(-1)}.json`;
  await bucket.file(name).save(JSON.stringify(letter), {
    resumable: false,
    contentType: 'application/json',
    preconditionOpts: { ifGenerationMatch: 0 },
  });
  return name;
}
