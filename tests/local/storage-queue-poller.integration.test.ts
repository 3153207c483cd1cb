import { output } from '@azure/functions';
import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';
import { hostLimits } from '#functions/azure/host-limits';
import { type AzuriteQueue, startAzuriteQueue } from '#local/azurite-queue';
import type { QueueHandler } from '#local/storage-queue-host';
import { StorageQueuePoller, writeQueueOutput } from '#local/storage-queue-poller';

/**
 * The poller that plays the Functions host's queue trigger on Azurite's Queue service, held to what the host does:
 * base64 bodies handed over parsed, the dequeue count, a failed message hidden for host.json's visibilityTimeout and
 * poisoned after maxDequeueCount, the function's own dead letter written to the poison queue, a delayed message
 * left alone until it is visible. Date is faked (timers real), so Azurite's visibility runs on the test's clock.
 */
let azurite: AzuriteQueue;
let queue: QueueClient;
let poisonQueue: QueueClient;
let start = 0;
const poisonOutput = output.storageQueue({ queueName: 'work-poison', connection: 'AzureWebJobsStorage' });

beforeAll(async () => {
  start = Date.now();
  jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask'] });
  jest.setSystemTime(start);
  azurite = await startAzuriteQueue();
  const service = QueueServiceClient.fromConnectionString(azurite.connectionString);
  queue = service.getQueueClient('work');
  poisonQueue = service.getQueueClient('work-poison');
  await Promise.all([queue.create(), poisonQueue.create()]);
});

afterAll(async () => {
  await azurite?.close();
  jest.useRealTimers();
});

beforeEach(async () => {
  await Promise.all([queue.clearMessages(), poisonQueue.clearMessages()]);
});

const at = (ms: number) => jest.setSystemTime(start + ms);
const poller = (handler: QueueHandler) =>
  new StorageQueuePoller({ queue, poisonQueue, handler, functionName: 'work', poisonOutput });
const poisonBodies = async () =>
  (await poisonQueue.peekMessages({ numberOfMessages: 32 })).peekedMessageItems.map((m) =>
    JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')),
  );

describe('StorageQueuePoller on Azurite', () => {
  it('hands a base64 JSON message over parsed, with its dequeue count, and deletes it once handled', async () => {
    // Prepare
    at(0);
    const seen: unknown[] = [];
    const host = poller(async (entry, context) => {
      seen.push([entry, context.triggerMetadata?.dequeueCount]);
      return 'done';
    });
    await writeQueueOutput(queue, [{ n: 1 }, { n: 2 }]);

    // Act
    const runs = await host.poll();

    // Assess
    expect(seen).toEqual(
      expect.arrayContaining([
        [{ n: 1 }, 1],
        [{ n: 2 }, 1],
      ]),
    );
    expect(runs.map((r) => r.result)).toEqual(['done', 'done']);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('leaves a message sent with a visibility delay alone until it is visible', async () => {
    // Prepare
    at(1_000_000);
    const host = poller(async (entry) => entry);
    await queue.sendMessage(Buffer.from('{"late":true}').toString('base64'), { visibilityTimeout: 30 });

    // Act
    const early = await host.poll();
    at(1_000_000 + 30_000);
    const due = await host.poll();

    // Assess
    expect(early).toEqual([]);
    expect(due.map((r) => r.result)).toEqual([{ late: true }]);
  });

  it("retries a failing message after host.json's retry delay, then poisons it after maxDequeueCount tries", async () => {
    // Prepare
    const t0 = 2_000_000;
    at(t0);
    const { maxDequeueCount, queueRetryDelaySeconds } = hostLimits({});
    const host = poller(async () => {
      throw new Error('Confluent unreachable');
    });
    await writeQueueOutput(queue, { n: 3 });

    // Act
    const counts: number[] = [];
    let runsInsideTheDelay = 0;
    for (let attempt = 0; attempt < maxDequeueCount; attempt++) {
      at(t0 + attempt * queueRetryDelaySeconds * 1000);
      counts.push(...(await host.poll()).map((r) => r.dequeueCount));
      at(t0 + (attempt + 1) * queueRetryDelaySeconds * 1000 - 1_000);
      runsInsideTheDelay += (await host.poll()).length;
    }

    // Assess
    expect(counts).toEqual(Array.from({ length: maxDequeueCount }, (_, i) => i + 1));
    expect(runsInsideTheDelay).toBe(0);
    expect(host.poisoned()).toEqual([
      { by: 'host', message: { n: 3 }, dequeueCount: maxDequeueCount, record: 'Error: Confluent unreachable' },
    ]);
    expect(await poisonBodies()).toEqual([{ n: 3 }]);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it("writes the function's own dead letter to the poison queue and completes the message", async () => {
    // Prepare
    at(3_000_000);
    const host = poller(async (entry, context) => {
      context.extraOutputs.set(poisonOutput, { message: entry, cause: 'malformed' });
      return { deadLettered: 'malformed' };
    });
    await writeQueueOutput(queue, { n: 4 });

    // Act
    await host.poll();

    // Assess
    expect(await poisonBodies()).toEqual([{ message: { n: 4 }, cause: 'malformed' }]);
    expect(host.poisoned().map((p) => p.by)).toEqual(['function']);
    expect((await queue.getProperties()).approximateMessagesCount).toBe(0);
  });

  it('polls on its own once started, until stopped', async () => {
    // Prepare
    at(4_000_000);
    const handled: unknown[] = [];
    const host = poller(async (entry) => handled.push(entry));
    await writeQueueOutput(queue, { n: 5 });

    // Act
    host.start(50);
    for (let i = 0; i < 100 && handled.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    await host.stop();

    // Assess
    expect(handled).toEqual([{ n: 5 }]);
  });
});
