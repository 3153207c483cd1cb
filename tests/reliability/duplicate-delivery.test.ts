import type { SecretNewVersionCreatedEvent } from '#local/key-vault-emulator/index';
import { lambdaContext } from '#local/lambda-invoker';
import type { SecretLabelUpdatedEvent } from '#local/secrets-manager-emulator/index';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';
import { recordFigure } from './figures';
import { scaled } from './scale';
import { leaks } from './support/canaries';
import { acceptedRestarts } from './support/confluent-log';
import { inPool, seededRandom, shuffle } from './support/delivery';
import type { GeneratedSecret } from './support/generated-estate';
import { type ReliabilityStack, startReliabilityStack } from './support/reliability-stack';

// The Functions host's worker API, which @azure/functions registers with; the library itself is the real one.
jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
  virtual: true,
});

/**
 * Scenario 1: every rotation event delivered three times, concurrently and out of order, to several separately
 * started handler instances that share only the real state store (dynalite for Lambda, Azurite for Functions).
 * Each (connector, version) must be restarted exactly once, as counted in the Confluent emulator's request log.
 */
const EVENTS = scaled(200, 20);
const COPIES = 3;
const INSTANCES = 4;
const CONCURRENCY = scaled(24, 12);
const SCENARIO = 'duplicate delivery';

let stack: ReliabilityStack;
let output: ReturnType<typeof captureProcessOutput>;
const results: unknown[] = [];

beforeAll(async () => {
  output = captureProcessOutput();
  stack = await startReliabilityStack({ count: EVENTS });
}, 60_000);

afterAll(async () => {
  output?.restore();
  await stack?.close();
});

interface Delivery<E> {
  readonly event: E;
  readonly eventIndex: number;
  readonly copy: number;
}

/** Every event COPIES times, shuffled; copy k of event i goes to instance (i + k) mod INSTANCES. */
function deliveries<E>(events: readonly E[], seed: number): Delivery<E>[] {
  const all = events.flatMap((event, eventIndex) =>
    Array.from({ length: COPIES }, (_, copy) => ({ event, eventIndex, copy })),
  );
  return shuffle(all, seededRandom(seed));
}

/** Asserts one accepted restart per affected connector, and that each now holds the rotated version. */
function expectOneRestartPerConnectorVersion(secrets: readonly GeneratedSecret[], versions: readonly string[]) {
  const restarts = acceptedRestarts(stack.confluent.control.requests());
  const affected = secrets.flatMap((secret) => secret.connectors);
  const wrong = affected.filter((key) => restarts.get(key) !== 1).map((key) => `${key}: ${restarts.get(key) ?? 0}`);
  expect(wrong).toEqual([]);
  expect([...restarts.keys()].filter((key) => !affected.includes(key))).toEqual([]);
  const stale = secrets.filter((secret, i) =>
    secret.connectors.some((key) => stack.confluent.control.connector(key).heldVersions[secret.id] !== versions[i]),
  );
  expect(stale.map((secret) => secret.id)).toEqual([]);
  return affected.length;
}

/** Every copy of every event, out of order, each to the instance its (event, copy) picks. */
function deliverAll<E>(events: readonly E[], seed: number, deliver: (event: E, instance: number) => Promise<void>) {
  return inPool(deliveries(events, seed), CONCURRENCY, async ({ event, eventIndex, copy }) => {
    try {
      await deliver(event, (eventIndex + copy) % INSTANCES);
      return 'ok';
    } catch (error) {
      return `failed: ${(error as Error).message}`;
    }
  });
}

/** Every delivery succeeded first, then exactly one restart per (connector, version) (`restartsChecked`). */
function expectDelivered(runtime: string, outcomes: readonly string[], restartsChecked: () => number, started: number) {
  expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual([]);
  const connectors = restartsChecked();
  const seconds = (Date.now() - started) / 1000;
  recordFigure(
    SCENARIO,
    `${runtime}: deliveries (events × copies, instances)`,
    `${EVENTS * COPIES} (${EVENTS} × ${COPIES}, ${INSTANCES})`,
  );
  recordFigure(SCENARIO, `${runtime}: restarts / (connector, version) pairs`, `${connectors} / ${connectors}`);
  recordFigure(SCENARIO, `${runtime}: Confluent API calls`, stack.confluent.control.requestCount());
  recordFigure(SCENARIO, `${runtime}: wall time (s)`, seconds.toFixed(1));
}

describe(`${SCENARIO}: ${EVENTS} rotations × ${COPIES} copies across ${INSTANCES} handler instances`, () => {
  it('Lambda on dynalite: exactly one restart per (connector, version)', async () => {
    // Prepare
    const handlers = Array.from({ length: INSTANCES }, () => stack.loadAwsHandler());
    const events: SecretLabelUpdatedEvent[] = [];
    for (let i = 0; i < EVENTS; i++) events.push(await stack.rotateAws(i));
    stack.confluent.control.resetRequests();
    const started = Date.now();

    // Act
    const outcomes = await deliverAll(events, 1, async (event, instance) => {
      results.push(await handlers[instance]?.(structuredClone(event), lambdaContext()));
    });

    // Assess
    expectDelivered(
      'Lambda',
      outcomes,
      () =>
        expectOneRestartPerConnectorVersion(
          stack.generated.aws,
          events.map((event) => event.detail.versionId),
        ),
      started,
    );
  }, 300_000);

  it('Functions on Azurite: exactly one restart per (connector, version)', async () => {
    // Prepare
    const functions = Array.from({ length: INSTANCES }, () => stack.loadAzureFunctions());
    const events: SecretNewVersionCreatedEvent[] = [];
    for (let i = 0; i < EVENTS; i++) events.push(await stack.rotateAzure(i));
    stack.confluent.control.resetRequests();
    const started = Date.now();

    // Act
    // Each copy: Event Grid → onSecretEvent → the rotation queue → reloadRotatedSecret, on the same instance.
    const outcomes = await deliverAll(events, 2, async (event, instance) => {
      const fn = functions[instance];
      if (!fn) throw new Error(`no instance ${instance}`);
      for (const message of await stack.queueEvent(fn, event)) {
        const result = await fn.reloadRotatedSecret(message, stack.context('reloadRotatedSecret', { dequeueCount: 1 }));
        if (typeof result === 'object' && result !== null && 'deadLettered' in result)
          throw new Error(String(result.deadLettered));
        results.push(result);
      }
    });

    // Assess
    expectDelivered(
      'Functions',
      outcomes,
      () =>
        expectOneRestartPerConnectorVersion(
          stack.generated.azure,
          events.map((event) => event.data.Version),
        ),
      started,
    );
  }, 300_000);

  it('leaks no canary into logs, outcome events, handler results or state records', async () => {
    // Prepare
    const sinks = {
      'Powertools logs and EMF (stdout/stderr)': output.text(),
      'InvocationContext logs': stack.invocationLogs.join('\n'),
      'outcome events (EventBridge)': stack.aws.eventBridge.control.rawRequests().join('\n'),
      'handler results': JSON.stringify(results),
      'state records (dynalite, Azurite)': await stack.stateRecords(),
    };

    // Assess: every sink was written to, and none holds a canary.
    for (const text of Object.values(sinks)) expect(text.length).toBeGreaterThan(100);
    expect(leaks(sinks)).toEqual(Object.fromEntries(Object.keys(sinks).map((sink) => [sink, []])));
    recordFigure(SCENARIO, 'canary leaks (5 sinks)', 0);
  });
});
