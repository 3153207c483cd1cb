import { type ChildProcess, fork } from 'node:child_process';
import path from 'node:path';
import type { RecordedRequest } from '#local/confluent-emulator/index';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';
import { recordFigure } from './figures';
import { scaled } from './scale';
import { leaks } from './support/canaries';
import { acceptedRestarts, statusHistogram } from './support/confluent-log';
import { type ReliabilityStack, startReliabilityStack } from './support/reliability-stack';
import type { FromInstance, ToInstance } from './support/reloader-process';

/**
 * Scenario: 8 reloader instances in 8 separate Node processes (child_process.fork, each a cold start of the real
 * `onSecretRotated` Lambda handler) take rotations at once against one Confluent emulator whose organisation-wide
 * 429 threshold is twice the configured rate. They share nothing but what they reach over loopback: the emulator,
 * Secrets Manager and the state tables on dynalite, where the fleet-wide token bucket lives. The request rate the
 * emulator sees, summed over the 8, must stay within CONFLUENT_RATE_LIMIT_PER_SECOND after the bucket's size (and no
 * one second reach the emulator's threshold), with no 429 and no error surfaced. Per-process limits alone (the behaviour before,
 * CONFLUENT_SHARED_RATE_LIMIT=false) let 8 × the rate through.
 */
const SCENARIO = '8 reloader processes, one org-wide rate limit';
const PROCESSES = 8;
const ROTATIONS_PER_PROCESS = scaled(25, 6);
const RATE = 20;
const BURST = 10;
/** The emulator's threshold, per one-second window: above the fleet's worst second (BURST + RATE), below 8 × RATE. */
const THRESHOLD = 2 * RATE;
const INSTANCE = path.join(__dirname, 'support/reloader-process.ts');

let stack: ReliabilityStack;
let output: ReturnType<typeof captureProcessOutput>;
const instances: ChildProcess[] = [];
const instanceOutput: string[] = [];

beforeAll(async () => {
  output = captureProcessOutput();
  stack = await startReliabilityStack({ count: PROCESSES * ROTATIONS_PER_PROCESS });
}, 60_000);

afterAll(async () => {
  for (const instance of instances) if (instance.connected) instance.send({ stop: true } satisfies ToInstance);
  await Promise.all(instances.map((instance) => exited(instance)));
  output?.restore();
  await stack?.close();
}, 30_000);

function exited(instance: ChildProcess): Promise<void> {
  if (instance.exitCode !== null || instance.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => instance.kill(), 10_000);
    instance.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Starts one instance; resolves once its handler is loaded, with a function that invokes it. */
async function startInstance(env: Record<string, string>): Promise<(event: unknown) => Promise<unknown>> {
  const child = fork(INSTANCE, [], {
    execArgv: ['--import', 'tsx'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  instances.push(child);
  child.stdout?.on('data', (chunk: Buffer) => instanceOutput.push(chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => instanceOutput.push(chunk.toString('utf8')));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let sequence = 0;
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`instance exited (${code}): ${instanceOutput.join('')}`)));
    child.on('message', (message: FromInstance) => {
      if ('ready' in message) return resolve();
      const call = pending.get(message.id);
      pending.delete(message.id);
      if ('error' in message) call?.reject(new Error(message.error));
      else call?.resolve(message.result);
    });
  });
  return (event) =>
    new Promise((resolve, reject) => {
      sequence += 1;
      pending.set(sequence, { resolve, reject });
      child.send({ id: sequence, event } satisfies ToInstance);
    });
}

/** The most requests the emulator saw arrive within any one second. */
function busiestSecond(requests: readonly RecordedRequest[]): number {
  const times = requests.map((r) => r.at).sort((a, b) => a - b);
  let busiest = 0;
  let from = 0;
  for (let to = 0; to < times.length; to += 1) {
    while ((times[to] as number) - (times[from] as number) >= 1000) from += 1;
    busiest = Math.max(busiest, to - from + 1);
  }
  return busiest;
}

describe(`${SCENARIO}: ${PROCESSES} processes × ${ROTATIONS_PER_PROCESS} rotations, ${RATE}/s configured, 429 above ${THRESHOLD}/s`, () => {
  it('keeps the aggregate rate within the configured limit and surfaces no error', async () => {
    // Prepare
    const env = {
      ...stack.env,
      CONFLUENT_RATE_LIMIT_PER_SECOND: String(RATE),
      CONFLUENT_RATE_BURST: String(BURST),
      CONFLUENT_SHARED_RATE_LIMIT: 'true',
      LOG_LEVEL: 'warn',
    };
    const invokers = await Promise.all(Array.from({ length: PROCESSES }, () => startInstance(env)));
    const events = [];
    for (let i = 0; i < PROCESSES * ROTATIONS_PER_PROCESS; i += 1) events.push(await stack.rotateAws(i));
    stack.confluent.control.setFaults({ rateLimitPerSecond: THRESHOLD });
    stack.confluent.control.resetRequests();

    // Act: every instance takes its share of the rotations at once.
    const started = Date.now();
    const results = await Promise.allSettled(
      events.map((event, i) => (invokers[i % PROCESSES] as (event: unknown) => Promise<unknown>)(event)),
    );
    const wallMs = Date.now() - started;

    // Assess
    const requests = stack.confluent.control.requests();
    const errors = results.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
    const summaries = results.flatMap((r) =>
      r.status === 'fulfilled' ? (r.value as { results: { restarted?: number; failed?: number }[] }).results : [],
    );
    const affected = stack.generated.aws.slice(0, events.length).flatMap((secret) => secret.connectors);
    expect(errors).toEqual([]);
    expect(summaries.reduce((sum, s) => sum + (s.restarted ?? 0), 0)).toBe(affected.length);
    expect(summaries.filter((s) => (s.failed ?? 0) > 0)).toEqual([]);
    expect([...acceptedRestarts(requests).keys()].sort()).toEqual([...affected].sort());
    expect(requests.filter((r) => r.status === 429)).toHaveLength(0);
    const spanS = (Math.max(...requests.map((r) => r.at)) - Math.min(...requests.map((r) => r.at))) / 1000;
    const averageRate = requests.length / spanS;
    // The bucket starts full: BURST at once, then RATE a second. The span is measured on arrivals, which trail their
    // grants by a moment (a process's request in flight): allow a second of that, far below a per-process limit's
    // excess (8 processes at 20/s each).
    expect(requests.length).toBeLessThanOrEqual(BURST + Math.ceil(RATE * (spanS + 1)));
    // Granted, no second holds more than BURST + RATE; arrivals jitter by the moment between a token's grant and its
    // request reaching the emulator, so the check is the emulator's own threshold: no second needed a 429.
    expect(busiestSecond(requests)).toBeLessThan(THRESHOLD);
    expect(leaks({ output: instanceOutput.join(''), parent: output.text() })).toEqual({ output: [], parent: [] });
    recordFigure(SCENARIO, 'rotations / connectors restarted', `${events.length} / ${affected.length}`);
    recordFigure(SCENARIO, 'Confluent calls (statuses)', `${requests.length} (${statusHistogram(requests)})`);
    recordFigure(
      SCENARIO,
      'aggregate rate (configured)',
      `${averageRate.toFixed(1)}/s over ${spanS.toFixed(1)} s (${RATE}/s)`,
    );
    recordFigure(SCENARIO, 'busiest second (bucket + rate)', `${busiestSecond(requests)} (${BURST + RATE})`);
    recordFigure(SCENARIO, 'errors surfaced / 429s', `${errors.length} / 0`);
    recordFigure(SCENARIO, 'wall time', `${(wallMs / 1000).toFixed(1)} s`);
  }, 300_000);
});
