import { performance } from 'node:perf_hooks';
import type { Reloader } from '#app/build-reloader';
import { buildReloader } from '#app/build-reloader';
import { handleSecretEvents, RotationDeferredError, RotationPendingError } from '#app/handle-trigger';
import { loadSettings } from '#config/settings';
import { StaticCredentials } from '#confluent/static-credentials';
import { connectorKey } from '#core/connector-ref';
import type { SecretRotated } from '#core/events';
import { type Clock, type SecretSnapshot, type SecretSource, silentLogger } from '#core/ports';
import type { ReloadReport } from '#core/reload-plan';
import { parseSecretRef, type SecretRef } from '#core/secret-ref';
import {
  type ConfluentEmulator,
  INITIAL_SECRET_VERSION,
  startConfluentEmulator,
} from '#local/confluent-emulator/index';
import type { Estate } from '#local/estate';
import { MemoryStateStore } from '#state/memory-state-store';
import { benchEstate, secretArn } from './lib/bench-estate';
import { envInt, type Figure, figure, median } from './lib/figures';

/**
 * Coalescing (RESTART_COALESCE_SECONDS), on the product's composition root against the Confluent emulator, on one
 * virtual clock shared by both, so a 30 s window costs no 30 s of waiting. Each rotation goes through the shared
 * rotation path (handleSecretEvents) as every runtime runs it; what a runtime does with a rotation that is not done
 * (RotationDeferredError: an SQS delay, a queue visibility delay, a Cloud Tasks schedule; RotationPendingError: the
 * retry queue) is played by delivering it again after its retryAfterMs rounded up to the whole second, as SQS and
 * Storage Queue delays are. Two scenarios:
 * - one rotation alone: the latency coalescing adds at the suggested window (30 s), and what its re-delivery costs
 *   in Confluent calls and in the re-delivered invocation's own work;
 * - 50 connectors, each reading a user and a password secret, the two rotated 5 s apart: restarts with coalescing
 *   off and on, the restarts that started on half a credential (the new user with the old password, as the
 *   emulator's connector holds them), and the Confluent calls and deliveries of each.
 */
const SECTION = '§7 coalescing';
/** The window the docs suggest as a start (docs/how-targets-are-chosen.md#coalescing). */
const SUGGESTED_WINDOW_SECONDS = 30;
const GAP_MS = 5_000;
/** Real milliseconds between two looks for activity, and how many quiet looks in a row mean everything waits. */
const LOOK_MS = 2;
const QUIET_LOOKS = 3;

/**
 * Virtual time for the whole stack: it stands still while anything works and jumps to the next wake-up once
 * everything waits (a discrete-event clock), so 50 verifications polling side by side take the time they would,
 * not the sum of their sleeps. Work shows as calls to now() and sleep(): the reloader and the emulator, in process
 * on loopback, make some at every step, so a few real milliseconds without one mean every actor is asleep.
 */
class VirtualClock implements Clock {
  private current = Date.parse('2026-11-27T12:00:00Z');
  private activity = 0;
  private waiters: { readonly until: number; readonly wake: () => void }[] = [];

  get epochMs(): number {
    this.activity += 1;
    return this.current;
  }

  now(): Date {
    return new Date(this.epochMs);
  }

  sleep(ms: number): Promise<void> {
    return this.sleepUntil(this.current + ms);
  }

  sleepUntil(at: number): Promise<void> {
    this.activity += 1;
    if (at <= this.current) return new Promise((resolve) => setImmediate(resolve));
    return new Promise((wake) => this.waiters.push({ until: at, wake }));
  }

  /** Runs `work` to its end, moving time to the next wake-up whenever everything waits. */
  async run<T>(work: Promise<T>): Promise<T> {
    let done = false;
    const finished = work.finally(() => {
      done = true;
    });
    let seen = -1;
    let quiet = 0;
    while (!done) {
      await new Promise((resolve) => setTimeout(resolve, LOOK_MS));
      if (this.activity !== seen) {
        seen = this.activity;
        quiet = 0;
        continue;
      }
      quiet += 1;
      if (quiet < QUIET_LOOKS || this.waiters.length === 0) continue;
      this.current = Math.min(...this.waiters.map((waiter) => waiter.until));
      const due = this.waiters.filter((waiter) => waiter.until <= this.current);
      this.waiters = this.waiters.filter((waiter) => waiter.until > this.current);
      for (const waiter of due) waiter.wake();
      quiet = 0;
    }
    return finished;
  }
}

class RotatingSecrets implements SecretSource {
  readonly current = new Map<string, { version: string; since: Date }>();
  async describe(secret: SecretRef): Promise<SecretSnapshot> {
    const current = this.current.get(secret.name);
    return {
      secret,
      currentVersion: current?.version ?? null,
      ...(current ? { currentSince: current.since } : {}),
      pendingVersions: [],
      tags: {},
    };
  }
}

interface Stack {
  readonly clock: VirtualClock;
  readonly emulator: ConfluentEmulator;
  readonly reloader: Reloader;
  readonly secrets: RotatingSecrets;
  close(): Promise<void>;
}

async function startStack(estate: Estate, windowSeconds: number): Promise<Stack> {
  const clock = new VirtualClock();
  const emulator = await startConfluentEmulator({ estate, provisioningMs: 2_000, now: () => clock.epochMs });
  const secrets = new RotatingSecrets();
  const reloader = buildReloader(
    loadSettings({
      CONFLUENT_API_URL: emulator.url,
      CONFLUENT_CLOUD_API_KEY: 'local-api-key',
      CONFLUENT_CLOUD_API_SECRET: 'local-api-secret',
      VERIFY_POLL_SECONDS: '1',
      VERIFY_SETTLE_SECONDS: '1',
      VERIFY_TIMEOUT_SECONDS: '120',
      CONFLUENT_RATE_LIMIT_PER_SECOND: '10000',
      CONFLUENT_RATE_BURST: '10000',
      RESTART_COALESCE_SECONDS: String(windowSeconds),
      RESTART_COALESCE_MAX_SECONDS: '300',
      LOG_LEVEL: 'error',
    }),
    {
      secrets,
      credentials: new StaticCredentials('local-api-key', 'local-api-secret'),
      state: new MemoryStateStore(),
      logger: silentLogger,
      clock,
    },
  );
  return { clock, emulator, reloader, secrets, close: () => emulator.close() };
}

/** Confluent calls by kind, from the emulator's request log: what a re-delivery or a saved restart costs. */
type CallKind = 'list' | 'restart' | 'status' | 'other';

function callKind(request: { readonly method: string; readonly path: string }): CallKind {
  const last = request.path.split('/').at(-1);
  if (request.method === 'POST' && last === 'restart') return 'restart';
  if (request.method === 'GET' && last === 'connectors') return 'list';
  if (request.method === 'GET' && last === 'status') return 'status';
  return 'other';
}

function callsByKind(
  requests: readonly { readonly method: string; readonly path: string }[],
): Record<CallKind, number> {
  const counts: Record<CallKind, number> = { list: 0, restart: 0, status: 0, other: 0 };
  for (const request of requests) counts[callKind(request)] += 1;
  return counts;
}

const describeCalls = (calls: Record<CallKind, number>) =>
  `${calls.list} lists, ${calls.restart} restarts, ${calls.status} status reads, ${calls.other} other`;

interface Run {
  readonly restarts: number;
  /** Restarts that started while the rotation of a pair was half done (a rotated secret beside one not yet). */
  readonly halfCredentialRestarts: number;
  readonly confluentCalls: number;
  readonly calls: Record<CallKind, number>;
  readonly deliveries: number;
  /** Deliveries that ended not done: waiting in a coalescing window, or on a lock another operation held. */
  readonly deferred: number;
  readonly pending: number;
  /** Per rotation: virtual ms from the rotation to the restart that covered it, per connector. */
  readonly latenciesMs: number[];
  /** Virtual ms between the rotations of a pair, as they happened. */
  readonly gapsMs: number[];
  /** Real ms spent in the deliveries that came back (re-deliveries), in total. */
  readonly redeliveryWorkMs: number;
}

/** The connector holds one of its secrets at a rotated version and another at the first one: half a credential. */
function halfCredential(stack: Stack, key: string): boolean {
  const held = Object.values(stack.emulator.control.connector(key).heldVersions);
  return held.includes(INITIAL_SECRET_VERSION) && held.some((version) => version !== INITIAL_SECRET_VERSION);
}

/** A rotation not done yet, as a runtime sees it: when to deliver it again, and the report so far. */
function notDone(error: unknown): { readonly retryAfterMs: number; readonly report: ReloadReport } | undefined {
  return error instanceof RotationDeferredError || error instanceof RotationPendingError ? error : undefined;
}

/**
 * Every rotation as its own actor on the virtual clock: at its time the secret gets a new version and the rotation
 * is delivered; while it is not done it comes back after its retry delay rounded up to the second. Restarts are
 * counted by the emulator, half credentials from what each restarted connector holds when its report comes back (what
 * its last start fetched).
 */
async function play(stack: Stack, rotations: readonly { arn: string; at: number }[], watch: string[]): Promise<Run> {
  const start = stack.clock.epochMs;
  const latencies: number[] = [];
  const rotatedAt = new Map<string, number>();
  let halfCredentialRestarts = 0;
  let deliveries = 0;
  let deferred = 0;
  let pending = 0;
  let redeliveryWorkMs = 0;
  stack.emulator.control.resetRequests();
  const restartsBefore = watch.map((key) => stack.emulator.control.connector(key).restarts);

  async function rotation(arn: string, at: number): Promise<void> {
    await stack.clock.sleepUntil(start + at);
    const secret = parseSecretRef(arn);
    const version = `v-${at}`;
    const rotated = stack.clock.epochMs;
    rotatedAt.set(arn, rotated);
    stack.secrets.current.set(secret.name, { version, since: stack.clock.now() });
    stack.emulator.control.rotateSecret(arn, version);
    const event: SecretRotated = { kind: 'secret-rotated', secret, version, source: 'bench' };
    for (let delivery = 1; ; delivery += 1) {
      const started = performance.now();
      let report: ReloadReport;
      try {
        const [handled] = await handleSecretEvents([event], stack.reloader, silentLogger);
        if (handled?.kind !== 'reloaded') throw new Error(`rotation of ${arn} not reloaded: ${handled?.kind}`);
        report = handled.report;
      } catch (error) {
        const again = notDone(error);
        if (!again) throw error;
        deliveries += 1;
        if (error instanceof RotationDeferredError) deferred += 1;
        else pending += 1;
        if (delivery > 1) redeliveryWorkMs += performance.now() - started;
        // SQS DelaySeconds and a Storage Queue visibility timeout are whole seconds, rounded up.
        const delay = Math.ceil(again.retryAfterMs / 1000) * 1000;
        await stack.clock.sleepUntil(again.report.finishedAt.getTime() + delay);
        continue;
      }
      deliveries += 1;
      if (delivery > 1) redeliveryWorkMs += performance.now() - started;
      for (const outcome of report.outcomes) {
        const restartedAt =
          outcome.coalescedRestart?.at.getTime() ??
          (outcome.restartLatencyMs === undefined ? undefined : report.startedAt.getTime() + outcome.restartLatencyMs);
        if (restartedAt !== undefined) latencies.push(restartedAt - rotated);
        // What this restart fetched, as the emulator's connector holds it until its next start.
        if (outcome.result === 'restarted' && halfCredential(stack, connectorKey(outcome.connector))) {
          halfCredentialRestarts += 1;
        }
      }
      return;
    }
  }

  await stack.clock.run(Promise.all(rotations.map(({ arn, at }) => rotation(arn, at))));
  const gaps: number[] = [];
  for (let i = 0; i + 1 < rotations.length; i += 2) {
    const first = rotatedAt.get(rotations[i]?.arn ?? '');
    const second = rotatedAt.get(rotations[i + 1]?.arn ?? '');
    if (first !== undefined && second !== undefined) gaps.push(second - first);
  }
  return {
    restarts: watch.reduce(
      (sum, key, i) => sum + stack.emulator.control.connector(key).restarts - (restartsBefore[i] ?? 0),
      0,
    ),
    halfCredentialRestarts,
    confluentCalls: stack.emulator.control.requestCount(),
    calls: callsByKind(stack.emulator.control.requests()),
    deliveries,
    deferred,
    pending,
    latenciesMs: latencies,
    gapsMs: gaps,
    redeliveryWorkMs,
  };
}

/** `connectors` connectors over `clusters` clusters, each reading its own user and password secret. */
function pairedEstate(
  connectors: number,
  clusters: number,
): { estate: Estate; pairs: [string, string][]; keys: string[] } {
  const base = benchEstate({ clusters, connectorsPerCluster: Math.ceil(connectors / clusters), references: new Map() });
  const pairs: [string, string][] = [];
  const chosen = base.connectors.slice(0, connectors).map((connector, i) => {
    const user = secretArn(`bench/db-${i}-user`);
    const password = secretArn(`bench/db-${i}-password`);
    pairs.push([user, password]);
    return {
      ...connector,
      config: { ...connector.config, 'database.user': user, 'database.password': password },
      secretRefs: [user, password],
    };
  });
  return {
    estate: { ...base, connectors: [...chosen, ...base.connectors.slice(connectors)] },
    pairs,
    keys: chosen.map((c) => `${c.environmentId}/${c.clusterId}/${c.name}`),
  };
}

async function runBoth(
  estate: Estate,
  rotations: readonly { arn: string; at: number }[],
  keys: string[],
): Promise<Record<'off' | 'on', Run>> {
  const runs: Partial<Record<'off' | 'on', Run>> = {};
  for (const mode of ['off', 'on'] as const) {
    const stack = await startStack(estate, mode === 'on' ? SUGGESTED_WINDOW_SECONDS : 0);
    try {
      runs[mode] = await play(stack, rotations, keys);
    } finally {
      await stack.close();
    }
  }
  return runs as Record<'off' | 'on', Run>;
}

const describeDeliveries = (run: Run) =>
  `${run.deliveries} deliveries (${run.deferred} deferred to a due time, ${run.pending} retried on a lock)`;

const seconds = (ms: number) => Number((ms / 1000).toFixed(1));

export async function coalescing(): Promise<Figure[]> {
  const connectors = envInt('BENCH_COALESCE_CONNECTORS', 50);

  // One rotation alone: what coalescing costs it.
  const single = pairedEstate(1, 1);
  const [user] = single.pairs[0] as [string, string];
  const alone = await runBoth(single.estate, [{ arn: user, at: 0 }], single.keys);
  const latency = (run: Run) => seconds(run.latenciesMs[0] ?? Number.NaN);
  const figures: Figure[] = [
    figure(
      SECTION,
      'one rotation: rotation to restart, coalescing off',
      latency(alone.off),
      's',
      undefined,
      'virtual clock',
    ),
    figure(
      SECTION,
      `one rotation: rotation to restart, ${SUGGESTED_WINDOW_SECONDS} s window`,
      latency(alone.on),
      's',
      { goal: `≤ ${SUGGESTED_WINDOW_SECONDS + 2} s`, pass: latency(alone.on) <= SUGGESTED_WINDOW_SECONDS + 2 },
      `${alone.on.deliveries} deliveries (${alone.off.deliveries} off); each delay rounded up to the second`,
    ),
    figure(
      SECTION,
      'one rotation: Confluent calls coalescing adds',
      alone.on.confluentCalls - alone.off.confluentCalls,
      'calls',
      undefined,
      `${alone.off.confluentCalls} off (${describeCalls(alone.off.calls)}) → ${alone.on.confluentCalls} on (${describeCalls(alone.on.calls)})`,
    ),
    figure(
      SECTION,
      'one rotation: the re-delivered invocation’s own work',
      Number(alone.on.redeliveryWorkMs.toFixed(0)),
      'ms',
      undefined,
      'real time, restart and verification included',
    ),
  ];

  // 50 connectors × (user, password) rotated 5 s apart.
  const { estate, pairs, keys } = pairedEstate(connectors, 5);
  const rotations = pairs.flatMap(([userArn, password]) => [
    { arn: userArn, at: 0 },
    { arn: password, at: GAP_MS },
  ]);
  const runs = await runBoth(estate, rotations, keys);
  const scenario = `${connectors} connectors × 2 secrets 5 s apart`;
  const gaps = (run: Run) =>
    `pairs rotated ${seconds(Math.min(...run.gapsMs))}–${seconds(Math.max(...run.gapsMs))} s apart`;
  figures.push(
    figure(SECTION, `${scenario}: restarts, off`, runs.off.restarts, 'restarts', undefined, gaps(runs.off)),
    figure(
      SECTION,
      `${scenario}: restarts, ${SUGGESTED_WINDOW_SECONDS} s window`,
      runs.on.restarts,
      'restarts',
      { goal: `= ${connectors}`, pass: runs.on.restarts === connectors },
      `${runs.off.restarts - runs.on.restarts} saved; ${gaps(runs.on)}`,
    ),
    figure(SECTION, `${scenario}: restarts on half a credential, off`, runs.off.halfCredentialRestarts, 'restarts'),
    figure(
      SECTION,
      `${scenario}: restarts on half a credential, ${SUGGESTED_WINDOW_SECONDS} s window`,
      runs.on.halfCredentialRestarts,
      'restarts',
      { goal: '0', pass: runs.on.halfCredentialRestarts === 0 },
      'started holding a rotated secret beside one not yet rotated',
    ),
    figure(
      SECTION,
      `${scenario}: Confluent calls, off`,
      runs.off.confluentCalls,
      'calls',
      undefined,
      `${describeCalls(runs.off.calls)}; ${describeDeliveries(runs.off)}`,
    ),
    figure(
      SECTION,
      `${scenario}: Confluent calls, ${SUGGESTED_WINDOW_SECONDS} s window`,
      runs.on.confluentCalls,
      'calls',
      undefined,
      `${describeCalls(runs.on.calls)}; ${describeDeliveries(runs.on)}`,
    ),
    figure(
      SECTION,
      `${scenario}: rotation to restart, ${SUGGESTED_WINDOW_SECONDS} s window, max`,
      seconds(Math.max(...runs.on.latenciesMs)),
      's',
      undefined,
      `median ${seconds(median(runs.on.latenciesMs))} s; off: median ${seconds(median(runs.off.latenciesMs))} s, max ${seconds(Math.max(...runs.off.latenciesMs))} s`,
    ),
  );
  return figures;
}
