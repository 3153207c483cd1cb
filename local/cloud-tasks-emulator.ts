import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, startLoopbackHttp } from './loopback';

export interface CloudTasksEmulatorOptions {
  readonly port?: number;
  /** Queues that exist (`projects/<p>/locations/<l>/queues/<q>`), with their retry config's max attempts. */
  readonly queues: readonly string[];
  readonly maxAttempts?: number;
  /** Wait between attempts; Cloud Tasks backs off from 0.1 s to an hour, kept short here. */
  readonly retryDelayMs?: number;
  /** Epoch ms now, the clock a task's scheduleTime is kept to (a test's simulated one); `Date.now` by default. */
  readonly now?: () => number;
}

export interface DispatchedAttempt {
  readonly task: string;
  readonly url: string;
  readonly retryCount: number;
  readonly status: number | 'unreachable';
  /** The start of the target's answer when it was not 2xx. */
  readonly answer?: string;
}

/** A task held until its scheduleTime. */
export interface ScheduledTask {
  readonly task: string;
  readonly url: string;
  /** RFC 3339, as the API answers it. */
  readonly scheduleTime: string;
}

export interface CloudTasksEmulator {
  readonly url: string;
  readonly control: {
    attempts(): DispatchedAttempt[];
    /** Tasks that used up their attempts without a 2xx. */
    exhausted(): string[];
    /** Tasks held until their scheduleTime, earliest first. */
    scheduled(): ScheduledTask[];
    /** Resolves once every task being dispatched has ended (tasks still held until their scheduleTime wait on). */
    settled(): Promise<void>;
  };
  close(): Promise<void>;
}

const CREATE_TASK = /^\/v2\/(projects\/[^/]+\/locations\/[^/]+\/queues\/[^/]+)\/tasks$/;

/** Cloud Tasks refuses a scheduleTime further ahead than this ("no more than 720h in the future"). */
export const MAX_SCHEDULE_AHEAD_MS = 720 * 3_600_000;
/** How often held tasks look at the clock: a simulated clock's jump is seen within this. */
const SCHEDULE_POLL_MS = 20;

/**
 * Cloud Tasks' REST API (v2 createTask, the call @google-cloud/tasks' REST fallback makes) and its dispatcher on
 * 127.0.0.1: an HTTP task is POSTed to its URL with the headers Cloud Tasks sets (X-CloudTasks-QueueName,
 * -TaskName, -TaskRetryCount, -TaskExecutionCount); any answer but 2xx is retried until the queue's max attempts,
 * then the task is dropped (Cloud Tasks has no dead-letter queue: the target records its own on the last attempt).
 * A task with a `scheduleTime` (google.protobuf.Timestamp, an RFC 3339 string in the REST JSON) is held until the
 * emulator's clock reaches it; a past one is due now, and one more than 720 h (30 days) ahead is refused, as Cloud
 * Tasks refuses it. Errors are google.rpc.Status JSON (NOT_FOUND for an unknown queue, INVALID_ARGUMENT for a task
 * without a URL or a scheduleTime that is not a timestamp or too far ahead).
 */
export async function startCloudTasksEmulator(options: CloudTasksEmulatorOptions): Promise<CloudTasksEmulator> {
  const queues = new Set(options.queues);
  const attempts: DispatchedAttempt[] = [];
  const exhausted: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const held = new Map<string, { readonly scheduleAt: number; readonly release: () => void; readonly url: string }>();
  const now = options.now ?? Date.now;
  let poll: NodeJS.Timeout | undefined;
  let counter = 0;

  // One timer looks at the clock while tasks are held, so a simulated clock's jump releases them at once.
  const releaseDue = () => {
    for (const [name, task] of held) {
      if (task.scheduleAt > now()) continue;
      held.delete(name);
      task.release();
    }
    if (held.size === 0 && poll) {
      clearInterval(poll);
      poll = undefined;
    }
  };
  const hold = (name: string, url: string, scheduleAt: number, release: () => void) => {
    held.set(name, { scheduleAt, release, url });
    poll ??= setInterval(releaseDue, SCHEDULE_POLL_MS);
  };

  const dispatch = (queue: string, name: string, request: HttpTask) => {
    const maxAttempts = options.maxAttempts ?? 5;
    const run = (async () => {
      for (let retryCount = 0; retryCount < maxAttempts; retryCount++) {
        let status: number | 'unreachable';
        let answer: string | undefined;
        try {
          const response = await fetch(request.url, {
            method: methodOf(request.httpMethod),
            headers: {
              ...request.headers,
              'X-CloudTasks-QueueName': queue.split('/').at(-1) ?? '',
              'X-CloudTasks-TaskName': name.split('/').at(-1) ?? '',
              'X-CloudTasks-TaskRetryCount': String(retryCount),
              'X-CloudTasks-TaskExecutionCount': String(retryCount),
            },
            ...(request.body ? { body: Buffer.from(request.body, 'base64') } : {}),
          });
          const text = await response.text();
          status = response.status;
          if (!response.ok) answer = text.slice(0, 300);
        } catch {
          status = 'unreachable';
        }
        attempts.push({ task: name, url: request.url, retryCount, status, ...(answer ? { answer } : {}) });
        if (typeof status === 'number' && status >= 200 && status < 300) return;
        await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 50));
      }
      exhausted.push(name);
    })();
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const match = CREATE_TASK.exec(path);
    if (!match || req.method !== 'POST')
      return fail(res, 404, 'NOT_FOUND', `${req.method} ${path} is not a method here.`);
    const queue = match[1] ?? '';
    if (!queues.has(queue)) return fail(res, 404, 'NOT_FOUND', `Queue does not exist. ${queue}`);
    let body: { task?: { httpRequest?: HttpTask; name?: string; scheduleTime?: unknown } };
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return fail(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
    }
    const request = body.task?.httpRequest;
    if (!request?.url) return fail(res, 400, 'INVALID_ARGUMENT', 'Task.http_request.url is required.');
    const createdAt = now();
    const scheduleTime = body.task?.scheduleTime;
    const scheduleAt = scheduleTime === undefined ? createdAt : timestampOf(scheduleTime);
    if (scheduleAt === undefined) {
      return fail(
        res,
        400,
        'INVALID_ARGUMENT',
        `Invalid value at 'task.schedule_time' (type.googleapis.com/google.protobuf.Timestamp), ${JSON.stringify(scheduleTime)}`,
      );
    }
    if (scheduleAt > createdAt + MAX_SCHEDULE_AHEAD_MS) {
      return fail(
        res,
        400,
        'INVALID_ARGUMENT',
        `The Task.scheduleTime, ${String(scheduleTime)}, is too far in the future. Schedule time must be no more than 720h in the future.`,
      );
    }
    counter += 1;
    const name = body.task?.name ?? `${queue}/tasks/${createdAt}${counter}`;
    if (scheduleAt > createdAt) hold(name, request.url, scheduleAt, () => dispatch(queue, name, request));
    else dispatch(queue, name, request);
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(
      JSON.stringify({
        name,
        httpRequest: { url: request.url, httpMethod: request.httpMethod ?? 1 },
        // A past or absent scheduleTime is answered as the creation time, as Cloud Tasks does.
        scheduleTime: new Date(Math.max(scheduleAt, createdAt)).toISOString(),
        createTime: new Date(createdAt).toISOString(),
      }),
    );
  };

  const server = await startLoopbackHttp(options.port ?? 0, (req, res) => handle(req, res));
  return {
    url: server.url,
    control: {
      attempts: () => [...attempts],
      exhausted: () => [...exhausted],
      scheduled: () =>
        [...held.entries()]
          .sort(([, a], [, b]) => a.scheduleAt - b.scheduleAt)
          .map(([task, { url, scheduleAt }]) => ({ task, url, scheduleTime: new Date(scheduleAt).toISOString() })),
      async settled() {
        while (inFlight.size > 0) await Promise.all(inFlight);
      },
    },
    async close() {
      // Held tasks are dropped with the emulator, as a deleted queue's are.
      if (poll) clearInterval(poll);
      held.clear();
      await server.close();
    },
  };
}

/** google.cloud.tasks.v2.HttpMethod: the client sends numbers (`enum-encoding=int`), JSON may carry names. */
const HTTP_METHODS = ['HTTP_METHOD_UNSPECIFIED', 'POST', 'GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

function methodOf(value: string | number | undefined): string {
  const name = typeof value === 'number' ? HTTP_METHODS[value] : value;
  // Cloud Tasks dispatches an unspecified method as POST.
  return !name || name === 'HTTP_METHOD_UNSPECIFIED' ? 'POST' : name;
}

/** RFC 3339 as the JSON mapping of google.protobuf.Timestamp has it: `Z` or an offset, up to 9 fractional digits. */
const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Epoch ms of a Timestamp's JSON, or undefined for anything else (seconds/nanos objects included: not JSON). */
function timestampOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || !RFC_3339.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

interface HttpTask {
  readonly url: string;
  readonly httpMethod?: string | number;
  readonly headers?: Record<string, string>;
  /** Base64, as the JSON mapping of `bytes` has it. */
  readonly body?: string;
}

const CODES = { NOT_FOUND: 5, INVALID_ARGUMENT: 3 } as const;

function fail(res: ServerResponse, http: number, status: keyof typeof CODES, message: string): void {
  res.writeHead(http, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code: CODES[status], message, status } }));
}
