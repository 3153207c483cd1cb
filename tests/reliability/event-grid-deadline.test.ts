import type { HandledSummary } from '#app/handled-summary';
import { deliverToEventGridTrigger, rotationQueueTrigger } from '#local/azure-functions-stack';
import type { EventGridDelivery, SecretNewVersionCreatedEvent } from '#local/key-vault-emulator/index';
import type { LocalQueueTrigger } from '#local/storage-queue-host';
import { recordFigure } from './figures';
import { scaled } from './scale';
import { acceptedRestarts } from './support/confluent-log';
import { type ReliabilityStack, startReliabilityStack } from './support/reliability-stack';

jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
  virtual: true,
});

/**
 * Scenario: Event Grid's delivery deadline. The local Event Grid waits 30 s for an answer and delivers again on its
 * retry schedule, on a clock scaled 1/30 (the deadline is 1 s of real time, the first retry 333 ms), while every
 * restart takes 1.5 s to come back RUNNING. Each rotation must be answered in under a second, delivered once, and
 * reloaded exactly once, through the queue. The same deliveries handled inside the answer, as before the hand-off,
 * miss the deadline and are delivered again: the contrast shows the emulator enforces what the scenario relies on.
 */
const EVENTS = scaled(10, 2);
const TIME_SCALE = 1 / 30;
const PROVISIONING_MS = 1_500;
const SCENARIO = 'Event Grid deadline';

type Subscriber = (delivery: EventGridDelivery) => Promise<unknown>;
let stack: ReliabilityStack;
let subscriber: Subscriber | undefined;
let queue: LocalQueueTrigger | undefined;

beforeAll(async () => {
  stack = await startReliabilityStack({
    count: EVENTS + 1,
    provisioningMs: PROVISIONING_MS,
    // Five attempts rather than 30, so a regression fails in seconds instead of waiting out the schedule.
    eventGrid: {
      delivery: { timeScale: TIME_SCALE, maxDeliveryAttempts: 5 },
      subscriber: (delivery) => subscriber?.(delivery),
    },
  });
}, 60_000);

afterAll(async () => {
  queue?.close();
  await stack?.close();
});

const attemptsOf = (event: SecretNewVersionCreatedEvent) =>
  stack.keyVault.control.deliveryAttempts().filter((attempt) => attempt.eventId === event.id);

describe(`${SCENARIO}: ${EVENTS} rotations, restarts that take ${PROVISIONING_MS} ms, Event Grid's 30 s scaled to 1 s`, () => {
  it('answers every delivery in < 1 s, is delivered once, and reloads each rotation exactly once', async () => {
    // Prepare: Event Grid → onSecretEvent → the rotation queue → reloadRotatedSecret, as the host runs them.
    const functions = stack.loadAzureFunctions();
    const reloads: HandledSummary[] = [];
    queue = rotationQueueTrigger(functions, {
      retryDelayMs: 100,
      onRun: ({ result }) => {
        const handled = (result as { handled?: HandledSummary } | undefined)?.handled;
        if (handled) reloads.push(handled);
      },
    });
    const trigger = queue;
    subscriber = async (delivery) => {
      for (const event of delivery)
        await deliverToEventGridTrigger(functions, event, trigger, stack.context('onSecretEvent'));
    };
    stack.confluent.control.resetRequests();

    // Act
    const events: SecretNewVersionCreatedEvent[] = [];
    for (let i = 0; i < EVENTS; i++) events.push(await stack.rotateAzure(i));
    await stack.keyVault.control.settled();
    await queue.settled();

    // Assess: one attempt per event, answered fast; one reload per event; one restart per connector.
    const attempts = events.flatMap(attemptsOf);
    expect(attempts.map((attempt) => attempt.outcome)).toEqual(events.map(() => 'delivered'));
    const slowest = Math.max(...attempts.map((attempt) => attempt.answeredInMs ?? Number.POSITIVE_INFINITY));
    expect(slowest).toBeLessThan(1_000);
    expect(stack.keyVault.control.deadLettered()).toEqual([]);
    // The queue runs messages side by side, so reloads finish in any order.
    expect(reloads.map((reload) => `${reload.version} ${reload.kind}`).sort()).toEqual(
      events.map((event) => `${event.data.Version} reloaded`).sort(),
    );
    expect(queue.poisoned()).toEqual([]);
    const restarts = acceptedRestarts(stack.confluent.control.requests());
    const affected = stack.generated.azure.slice(0, EVENTS).flatMap((secret) => secret.connectors);
    expect(affected.filter((key) => restarts.get(key) !== 1)).toEqual([]);
    expect(
      stack.generated.azure
        .slice(0, EVENTS)
        .filter((secret, i) =>
          secret.connectors.some(
            (key) => stack.confluent.control.connector(key).heldVersions[secret.id] !== events[i]?.data.Version,
          ),
        ),
    ).toEqual([]);
    recordFigure(
      SCENARIO,
      'rotations / Event Grid deliveries / reloads',
      `${EVENTS} / ${attempts.length} / ${reloads.length}`,
    );
    recordFigure(SCENARIO, 'slowest answer (ms, deadline 1000 scaled from 30 s)', slowest.toFixed(1));
    recordFigure(
      SCENARIO,
      'restarts / affected connectors',
      `${[...restarts.values()].reduce((a, b) => a + b, 0)} / ${affected.length}`,
    );
  }, 120_000);

  it('contrast: the reload inside the answer misses the deadline, so Event Grid delivers the event again', async () => {
    // Prepare: the shape before the hand-off: the queue function runs inside the delivery.
    const functions = stack.loadAzureFunctions();
    subscriber = async (delivery) => {
      for (const event of delivery) {
        const context = stack.context('onSecretEvent');
        await functions.onSecretEvent(event, context);
        const { rotationQueueOutput } =
          require('#functions/azure/rotation-queue') as typeof import('#functions/azure/rotation-queue');
        for (const message of (context.extraOutputs.get(rotationQueueOutput) as unknown[]) ?? [])
          await functions.reloadRotatedSecret(message, stack.context('reloadRotatedSecret', { dequeueCount: 1 }));
      }
    };

    // Act
    const event = await stack.rotateAzure(EVENTS);
    await stack.keyVault.control.settled();

    // Assess
    const attempts = attemptsOf(event);
    expect(attempts[0]).toMatchObject({ attempt: 1, outcome: 'timed-out' });
    expect(attempts.length).toBeGreaterThan(1);
    recordFigure(SCENARIO, 'contrast, reload inside the answer: deliveries of one event', attempts.length);
  }, 120_000);
});
