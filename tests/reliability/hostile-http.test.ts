import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import fc from 'fast-check';
import type { AzureFunctions } from '#local/azure-functions-stack';
import { recordFigure } from './figures';
import { hostilePayload } from './hostile-payloads';
import { scaled } from './scale';
import { CANARY_WEBHOOK_TOKEN, leaks } from './support/canaries';
import { type ReliabilityStack, startReliabilityStack } from './support/reliability-stack';

jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
  virtual: true,
});

/**
 * Scenario 4, HTTP side: the generated hostile payloads (hostile-payloads.ts: huge, deeply nested, wrong-typed,
 * unicode, `__proto__`/`constructor` keys, mutated real samples) sent as real HttpRequests to every HTTP function of
 * the Function App. Each answers with a status and a clear message (4xx for what it refuses), never throws, leaves
 * no unhandled rejection and keeps memory bounded. (The parsers and the runtime-neutral webhook core are fuzzed in
 * hostile-input.test.ts.)
 */
const RUNS = scaled(10_000, 1_000);
const SCENARIO = 'hostile input';

let stack: ReliabilityStack;
let functions: AzureFunctions;
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  stack = await startReliabilityStack({ count: 1, env: { LOG_LEVEL: 'error' } });
  functions = stack.loadAzureFunctions();
}, 60_000);

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await stack?.close();
});

afterEach(() => {
  // Prototype pollution would show up on every object.
  expect(({} as Record<string, unknown>).connector).toBeUndefined();
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
});

const bodyText = fc.oneof(
  fc.string(),
  hostilePayload.map((payload) => JSON.stringify(payload) ?? 'null'),
);

function request(route: string, body: string, contentType: string): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: `https://reloader.azurewebsites.net/api/${route}`,
    body: { string: body },
    headers: { 'content-type': contentType },
  });
}

/** Heap growth across a whole fuzz run, after a collection if the runtime allows one. */
async function heapGrowthMb(run: () => Promise<void>): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  await run();
  gc?.();
  return (process.memoryUsage().heapUsed - before) / 1024 / 1024;
}

function histogram(statuses: Map<number, number>): string {
  return [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
}

describe(`${SCENARIO}: events the Key Vault webhook can never handle`, () => {
  it('refuses an AWS rotation event with 400 and a clear message instead of throwing (found by the fuzzer)', async () => {
    // Prepare
    const awsEvent = readFileSync(path.join(__dirname, '../../events/aws/secret-label-updated.json'), 'utf8');

    // Act
    const response = (await functions.secretEventsWebhook(
      request('secret-events', awsEvent, 'application/json'),
      stack.context('secretEventsWebhook'),
    )) as HttpResponseInit;

    // Assess
    expect(response).toMatchObject({
      status: 400,
      jsonBody: { error: 'the event names a aws secret; this endpoint handles Key Vault secrets only' },
    });
  });
});

describe(`${SCENARIO}: ${RUNS} generated requests per HTTP function (real HttpRequest, InvocationContext)`, () => {
  it('secretEventsWebhook answers every body with a status and a clear message, never a throw', async () => {
    // Prepare
    const statuses = new Map<number, number>();
    let queued = 0;

    // Act
    const growth = await heapGrowthMb(() =>
      fc.assert(
        fc.asyncProperty(
          bodyText,
          fc.constantFrom(
            'application/json',
            'application/cloudevents+json',
            'text/plain',
            'application/json; charset=utf-16',
          ),
          async (body, contentType) => {
            // Never a throw: a well-formed event is only queued (the queue function meets a missing secret later).
            const response = (await functions.secretEventsWebhook(
              request('secret-events', body, contentType),
              stack.context('secretEventsWebhook'),
            )) as HttpResponseInit;
            if (response.status === 200 && JSON.stringify(response.jsonBody).includes('"queued"')) queued += 1;
            // Assess: refusals are 4xx with a one-line message naming the problem.
            const status = response.status ?? 200;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            expect([200, 400]).toContain(status);
            if (status === 400) {
              const message = (response.jsonBody as { error: string }).error;
              expect(message.length).toBeGreaterThan(5);
              expect(message.length).toBeLessThanOrEqual(300);
              expect(message).not.toMatch(/[\n\r]/);
            }
          },
        ),
        { numRuns: RUNS },
      ),
    );

    // Assess
    expect(rejections).toEqual([]);
    expect(growth).toBeLessThan(256);
    recordFigure(SCENARIO, 'secretEventsWebhook requests', RUNS);
    recordFigure(SCENARIO, 'secretEventsWebhook statuses', histogram(statuses));
    recordFigure(SCENARIO, 'secretEventsWebhook: well-formed secret events queued (200)', queued);
    recordFigure(SCENARIO, 'secretEventsWebhook heap growth (MB)', growth.toFixed(1));
  }, 600_000);

  it('connectorFailureWebhook answers 202 or a 4xx with a clear message, token or not', async () => {
    // Prepare
    const statuses = new Map<number, number>();

    // Act
    const growth = await heapGrowthMb(() =>
      fc.assert(
        fc.asyncProperty(
          bodyText,
          fc.constantFrom(
            `connector-failures/${CANARY_WEBHOOK_TOKEN}`,
            `connector-failures?token=${CANARY_WEBHOOK_TOKEN}`,
            'connector-failures',
            'connector-failures/%E0%A4%A',
            `connector-failures/${'%2F'.repeat(50)}`,
          ),
          async (body, route) => {
            const response = (await functions.connectorFailureWebhook(
              request(route, body, 'application/json'),
              stack.context('connectorFailureWebhook'),
            )) as HttpResponseInit;
            // Assess
            const status = response.status ?? 200;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            expect([202, 400, 401, 413]).toContain(status);
            expect((response.jsonBody as { message: string }).message).toMatch(/^[a-z0-9 ]+$/i);
          },
        ),
        { numRuns: RUNS },
      ),
    );

    // Assess
    expect(rejections).toEqual([]);
    expect(growth).toBeLessThan(256);
    recordFigure(SCENARIO, 'connectorFailureWebhook requests', RUNS);
    recordFigure(SCENARIO, 'connectorFailureWebhook statuses', histogram(statuses));
  }, 600_000);

  it('logs no canary while refusing them', () => {
    // Assess
    expect(leaks({ 'InvocationContext logs': stack.invocationLogs.join('\n') })).toEqual({
      'InvocationContext logs': [],
    });
  });
});
