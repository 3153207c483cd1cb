import { randomUUID } from 'node:crypto';
import { InvocationContext, type StorageQueueOutput } from '@azure/functions';
import type { QueueClient } from '@azure/storage-queue';
import { hostLimits } from '#functions/azure/host-limits';
import { encodeQueueMessage, hostMessageEncoding, type QueueMessageEncoding } from '#functions/azure/rotation-queue';
import host from '../host.json';
import type { PoisonedMessage, QueueHandler, QueueRun } from './storage-queue-host';

/** How long the host hides a message it is running (it renews this while the function runs). */
const HOST_LEASE_SECONDS = 600;
/** Receives per pass at most: a message sent back visible at once (no delay) must not hold a pass forever. */
const MAX_BATCHES_PER_POLL = 25;

export interface StorageQueuePollerOptions {
  /** The queue the function is triggered by, on a real Storage Queue service (Azurite). */
  readonly queue: QueueClient;
  /** `<queue>-poison`: the host's moves after the last try and the function's own dead letters. */
  readonly poisonQueue: QueueClient;
  readonly handler: QueueHandler;
  readonly functionName: string;
  /** The function's own poison output binding: what it writes there is sent to `poisonQueue`. */
  readonly poisonOutput?: StorageQueueOutput;
  /** Default host.json's messageEncoding (base64 unless `none`). */
  readonly encoding?: QueueMessageEncoding;
  readonly logHandler?: (level: string, ...args: unknown[]) => void;
  /** Called after every invocation (npm start prints them). */
  readonly onRun?: (run: QueueRun) => void;
}

/**
 * Writes what a function's queue output binding holds (one value or an array) as the host does: each value as JSON,
 * encoded as host.json's messageEncoding, one message each.
 */
export async function writeQueueOutput(
  queue: QueueClient,
  value: unknown,
  encoding: QueueMessageEncoding = hostMessageEncoding(),
): Promise<void> {
  if (value === undefined) return;
  for (const message of Array.isArray(value) ? value : [value]) {
    await queue.sendMessage(encodeQueueMessage(message, encoding));
  }
}

/**
 * What the Functions host's queue trigger does, on a real queue with visibility (Azurite's), one pass per `poll()`:
 * receive the visible messages (host.json batchSize at a time), decode them (messageEncoding) and hand each to the
 * function parsed from JSON with its `dequeueCount`; delete it once handled; on a throw, hide it for host.json's
 * visibilityTimeout (the retry delay), or after maxDequeueCount tries move it to `<queue>-poison`. Unlike
 * LocalQueueTrigger (storage-queue-host.ts), a message the function sends back with a visibility delay (a coalescing
 * rotation) waits for real: the test moves the clock (Date) and polls, or `start()` polls every second.
 */
export class StorageQueuePoller {
  private readonly poison: PoisonedMessage[] = [];
  private readonly log: QueueRun[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly options: StorageQueuePollerOptions) {}

  /** Runs every message visible now (and any that become visible meanwhile); the runs of this pass. */
  async poll(): Promise<QueueRun[]> {
    const runs: QueueRun[] = [];
    const batchSize = host.extensions.queues.batchSize;
    for (let batch = 0; batch < MAX_BATCHES_PER_POLL; batch++) {
      const { receivedMessageItems } = await this.options.queue.receiveMessages({
        numberOfMessages: batchSize,
        visibilityTimeout: HOST_LEASE_SECONDS,
      });
      if (receivedMessageItems.length === 0) break;
      runs.push(...(await Promise.all(receivedMessageItems.map((message) => this.run(message)))));
    }
    return runs;
  }

  /** Polls every `intervalMs` until `stop()`, one pass at a time (npm start). */
  start(intervalMs = 1_000): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.poll()
        .catch((error: unknown) => this.options.logHandler?.('error', `${this.options.functionName} poll: ${error}`))
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  poisoned(): PoisonedMessage[] {
    return this.poison.map((entry) => structuredClone(entry));
  }

  runs(): QueueRun[] {
    return this.log.map((run) => structuredClone(run));
  }

  private async run(item: {
    messageId: string;
    popReceipt: string;
    messageText: string;
    dequeueCount: number;
  }): Promise<QueueRun> {
    const { queue, poisonQueue, poisonOutput } = this.options;
    const encoding = this.options.encoding ?? hostMessageEncoding();
    const text = encoding === 'none' ? item.messageText : Buffer.from(item.messageText, 'base64').toString('utf8');
    const message = parsed(text);
    const { dequeueCount } = item;
    const context = new InvocationContext({
      invocationId: randomUUID(),
      functionName: this.options.functionName,
      triggerMetadata: { dequeueCount, id: item.messageId },
      logHandler: this.options.logHandler ?? (() => {}),
    });
    let run: QueueRun;
    try {
      const result = await this.options.handler(parsed(text), context);
      run = { message, dequeueCount, result };
      const deadLetter = poisonOutput ? context.extraOutputs.get(poisonOutput) : undefined;
      if (deadLetter !== undefined) {
        await writeQueueOutput(poisonQueue, deadLetter, encoding);
        this.poison.push({ by: 'function', message, dequeueCount, record: deadLetter });
      }
      await queue.deleteMessage(item.messageId, item.popReceipt);
    } catch (error) {
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      run = { message, dequeueCount, error: reason };
      const limits = hostLimits({});
      if (dequeueCount >= limits.maxDequeueCount) {
        // The host copies the message as it is to the poison queue.
        await poisonQueue.sendMessage(item.messageText);
        await queue.deleteMessage(item.messageId, item.popReceipt);
        this.poison.push({ by: 'host', message, dequeueCount, record: reason });
      } else {
        await queue.updateMessage(item.messageId, item.popReceipt, undefined, limits.queueRetryDelaySeconds);
      }
    }
    this.log.push(run);
    this.options.onRun?.(run);
    return structuredClone(run);
  }
}

/** The host hands a JSON message to a Node function parsed, anything else as its text. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
