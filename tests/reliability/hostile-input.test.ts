import fc from 'fast-check';
import { FailureWebhook } from '#app/failure-webhook';
import { silentLogger } from '#core/ports';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTrigger, parseTriggerText } from '#events/parse-trigger';
import { MalformedPayloadError } from '#events/trigger-parser';
import { recordFigure } from './figures';
import { hostilePayload } from './hostile-payloads';
import { scaled } from './scale';

const RUNS = scaled(10_000, 1_000);
const KINDS = [
  'secret-rotated',
  'secret-expiring',
  'secret-expired',
  'connector-failed',
  'subscription-validation',
  'ignored',
];

/** Heap growth across a whole fuzz run, after a collection if the runtime allows one. */
async function heapGrowthMb(run: () => Promise<void> | void): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  await run();
  gc?.();
  return (process.memoryUsage().heapUsed - before) / 1024 / 1024;
}

describe(`hostile input (${RUNS} generated payloads per entry point)`, () => {
  afterEach(() => {
    // Prototype pollution would show up on every object.
    expect(({} as Record<string, unknown>).connector).toBeUndefined();
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('parseTrigger (EventBridge, Event Grid, CloudEvents, Confluent) either normalizes or says what is malformed', async () => {
    // Prepare
    let malformed = 0;

    // Act
    const growth = await heapGrowthMb(() =>
      fc.assert(
        fc.property(hostilePayload, (payload) => {
          try {
            const events = parseTrigger(payload, DEFAULT_PARSERS);
            // Assess: one domain event per element, each of a known kind.
            for (const event of events) expect(KINDS).toContain(event.kind);
          } catch (error) {
            if (!(error instanceof MalformedPayloadError)) throw error;
            expect(error.message.length).toBeLessThanOrEqual(300);
            expect(error.message).not.toMatch(/[\n\r]/);
            malformed++;
          }
        }),
        { numRuns: RUNS },
      ),
    );

    // Assess
    expect(growth).toBeLessThan(256);
    recordFigure('hostile input', 'parseTrigger payloads', RUNS);
    recordFigure('hostile input', 'parseTrigger malformed (clear error)', malformed);
  });

  it('parseTriggerText takes any text: JSON or not, huge or not', () => {
    // Act / Assess
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          hostilePayload.map((p) => JSON.stringify(p) ?? 'null'),
        ),
        (text) => {
          try {
            parseTriggerText(text, DEFAULT_PARSERS);
          } catch (error) {
            if (!(error instanceof MalformedPayloadError)) throw error;
          }
        },
      ),
      { numRuns: RUNS },
    );
    recordFigure('hostile input', 'parseTriggerText payloads', RUNS);
  });

  it('the failure webhook answers every body with a 4xx and a clear message, or 202', async () => {
    // Prepare
    const token = 'fuzz-token-0123456789abcdef';
    const webhook = new FailureWebhook(async () => token, silentLogger);
    const statuses = new Map<number, number>();

    // Act
    const growth = await heapGrowthMb(() =>
      fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.string(),
            hostilePayload.map((p) => JSON.stringify(p) ?? 'null'),
          ),
          fc.constantFrom(
            `/webhook/${token}`,
            `/webhook?token=${token}`,
            '/webhook',
            '/webhook/wrong',
            `/%E0%A4%A/${token}`,
          ),
          async (bodyText, path) => {
            const result = await webhook.handle({ url: `https://hooks.example${path}`, bodyText });
            // Assess
            expect([202, 400, 401, 413]).toContain(result.response.status);
            expect(result.response.body.message).toMatch(/^[a-z0-9 ]+$/i);
            statuses.set(result.response.status, (statuses.get(result.response.status) ?? 0) + 1);
          },
        ),
        { numRuns: RUNS },
      ),
    );

    // Assess
    expect(growth).toBeLessThan(256);
    recordFigure('hostile input', 'failure webhook bodies', RUNS);
    recordFigure('hostile input', 'failure webhook statuses', [...statuses].map(([s, n]) => `${s}×${n}`).join(' '));
  });
});
