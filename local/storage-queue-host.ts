import { randomUUID } from 'node:crypto';
import { InvocationContext, type StorageQueueOutput } from '@azure/functions';
import { hostLimits } from '#functions/azure/host-limits';

export type QueueHandler = (entry: unknown, context: InvocationContext) => Promise<unknown>;

/** A message the queue gave up on: moved by the host after its last try, or written by the function with a cause. */
export interface PoisonedMessage {
  readonly by: 'host' | 'function';
  readonly message: unknown;
  readonly dequeueCount: number;
  /** The function's dead letter (with `cause`), or the host's last error. */
  readonly record: unknown;
}

export interface QueueRun {
  readonly message: unknown;
  readonly dequeueCount: number;
  readonly result?: unknown;
  readonly error?: string;
}

export interface LocalQueueTriggerOptions {
  readonly handler: QueueHandler;
  readonly functionName: string;
  /** The function's own poison output binding: what it writes there is collected as a dead letter. */
  readonly poisonOutput?: StorageQueueOutput;
  /** Delay before a failed message is tried again; default host.json's visibilityTimeout (tests pass less). */
  readonly retryDelayMs?: number;
  /** Default host.json's maxDequeueCount. */
  readonly maxDequeueCount?: number;
  readonly logHandler?: (level: string, ...args: unknown[]) => void;
  /** Called after every invocation (npm start prints them). */
  readonly onRun?: (run: QueueRun) => void;
}

/**
 * What the Functions host does for a queue trigger, in this process: each message is handed to the function parsed
 * from JSON (as the host hands JSON messages to Node), with its `dequeueCount`; a throw leaves it on the queue for the
 * retry delay, and after maxDequeueCount tries the host moves it to `<queue>-poison` itself. What the function writes
 * to its poison output (a dead letter with its cause) is collected too.
 */
export class LocalQueueTrigger {
  private readonly inFlight = new Set<Promise<void>>();
  /** Retries waiting out their delay: cleared and released on close. */
  private readonly waiting = new Map<NodeJS.Timeout, () => void>();
  private readonly poison: PoisonedMessage[] = [];
  private readonly log: QueueRun[] = [];
  private closed = false;

  constructor(private readonly options: LocalQueueTriggerOptions) {}

  /** Adds messages as an output binding would (one value or an array of them) and starts handing them over. */
  enqueue(value: unknown): void {
    if (value === undefined) return;
    // A queue holds text: the binding's value serialized, as the host does.
    for (const message of Array.isArray(value) ? value : [value]) this.track(this.attempt(JSON.stringify(message), 1));
  }

  /** Resolves once every message is handled or poisoned, retries included. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  poisoned(): PoisonedMessage[] {
    return this.poison.map((entry) => structuredClone(entry));
  }

  runs(): QueueRun[] {
    return this.log.map((run) => structuredClone(run));
  }

  close(): void {
    this.closed = true;
    for (const [timer, release] of this.waiting) {
      clearTimeout(timer);
      release();
    }
    this.waiting.clear();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async attempt(wire: string, dequeueCount: number): Promise<void> {
    if (this.closed) return;
    const limits = hostLimits({});
    const maxDequeueCount = this.options.maxDequeueCount ?? limits.maxDequeueCount;
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: this.options.functionName,
      triggerMetadata: { dequeueCount, id: randomUUID() },
      logHandler: this.options.logHandler ?? (() => {}),
    });
    const message: unknown = JSON.parse(wire);
    try {
      const result = await this.options.handler(JSON.parse(wire), context);
      this.record({ message, dequeueCount, result });
      const deadLetter = this.options.poisonOutput ? context.extraOutputs.get(this.options.poisonOutput) : undefined;
      if (deadLetter !== undefined) this.poison.push({ by: 'function', message, dequeueCount, record: deadLetter });
    } catch (error) {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.record({ message, dequeueCount, error: text });
      if (dequeueCount >= maxDequeueCount) {
        this.poison.push({ by: 'host', message, dequeueCount, record: text });
        return;
      }
      const delay = this.options.retryDelayMs ?? limits.queueRetryDelaySeconds * 1000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiting.delete(timer);
          resolve();
        }, delay);
        this.waiting.set(timer, resolve);
      });
      await this.attempt(wire, dequeueCount + 1);
    }
  }

  private record(run: QueueRun): void {
    this.log.push(run);
    this.options.onRun?.(run);
  }
}
