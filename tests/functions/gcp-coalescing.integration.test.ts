import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { LOCAL_GCP_PROJECT, withGcpEstate } from '#local/gcp-estate';
import {
  type GcpFunctionsStack,
  LOCAL_GCP_TOPIC,
  serveGcpFunctions,
  startGcpFunctionsStack,
} from '#local/gcp-functions-stack';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { seedEstate } from '#local/seed-estate';
import { secretManagerClient } from '#providers/gcp-secret-manager';
import { fakeDateOnly } from '#test-helpers/simulated-date';

/**
 * Coalescing on Google Cloud, end to end on a simulated clock (Date faked, timers real, so the functions, the local
 * Pub/Sub, Cloud Tasks' schedule and the Confluent emulator all read it): a user and a password secret of one
 * connector get new versions 5 s apart with a 30 s window → onSecretVersionEvent (inline) acknowledges each as
 * deferred with a Cloud Tasks task for reloadRotatedSecret scheduled at its due time → the local Cloud Tasks holds it
 * until then → one restart after the second rotation, which both rotations' summaries name.
 */
const USER = 'warehouse-db-user';
const PASSWORD = 'warehouse-db-password';
const id = (name: string) => `projects/${LOCAL_GCP_PROJECT.id}/secrets/${name}`;
/** How Secret Manager's notifications name the secrets (by project number), and so the summaries. */
const notified = (name: string) => `projects/${LOCAL_GCP_PROJECT.number}/secrets/${name}`;
const WAREHOUSE = 'env-prod01/lkc-gcinv1/inventory-warehouse-cdc';

let cloud: LocalCloud;
let gcp: GcpFunctionsStack;
let client: SecretManagerServiceClient;
let writeSpy: jest.SpyInstance;
const stdout: string[] = [];
let start = 0;

function estate() {
  const withGcp = withGcpEstate(seedEstate());
  const template = withGcp.connectors.find((c) => c.name === 'inventory-cdc');
  if (!template) throw new Error('no inventory-cdc in the GCP estate');
  const { 'database.password': _replaced, ...config } = template.config;
  const warehouse = {
    ...template,
    name: 'inventory-warehouse-cdc',
    id: 'lcc-gcinv09',
    config: {
      ...config,
      name: 'inventory-warehouse-cdc',
      'connection.user': id(USER),
      'connection.password': id(PASSWORD),
    },
    secretRefs: [id(USER), id(PASSWORD)],
  };
  return { ...withGcp, connectors: [...withGcp.connectors, warehouse] };
}

beforeAll(async () => {
  start = Date.parse('2026-12-01T12:00:00.000Z');
  fakeDateOnly(start);
  const confluentKey = { apiKey: 'local-api-key', apiSecret: 'local-api-secret' };
  cloud = await startLocalCloud({ provisioningMs: 200, confluentKey, estate: estate() });
  // Both are watched secrets: the module's `secrets`, so the functions are granted on them as a deploy would be.
  gcp = await startGcpFunctionsStack({ confluent: cloud.confluent, confluentKey, secrets: [USER, PASSWORD] });
  for (const name of [USER, PASSWORD]) {
    gcp.secretManager.control.seed(LOCAL_GCP_PROJECT.id, name, `${name}-v1`, { topics: [LOCAL_GCP_TOPIC] });
  }
  Object.assign(process.env, cloud.env, gcp.env, {
    RESTART_COALESCE_SECONDS: '30',
    RESTART_COALESCE_MAX_SECONDS: '300',
  });
  // Cloud Logging reads the functions' stdout: the summaries are read back from it.
  writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  serveGcpFunctions();
  client = secretManagerClient(gcp.secretManager.url);
}, 60_000);

afterAll(async () => {
  writeSpy.mockRestore();
  await client.close();
  await gcp.close();
  await cloud.close();
  jest.useRealTimers();
});

const at = (ms: number) => jest.setSystemTime(start + ms);
const warehouse = () => cloud.confluent.control.connector(WAREHOUSE);

async function addVersion(name: string, value: string): Promise<string> {
  const [version] = await client.addSecretVersion({
    parent: id(name),
    payload: { data: Buffer.from(value) },
  });
  await gcp.pubsub.settled();
  return version.name?.split('/').at(-1) ?? '';
}

/** Moves the clock to each second in turn and lets every task due by then run to its end. */
async function runClockThrough(seconds: readonly number[]): Promise<void> {
  for (const second of seconds) {
    at(second * 1000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await gcp.tasks.control.settled();
  }
}

interface LoggedSummary {
  readonly eventId?: string;
  readonly task?: string;
  readonly kind: string;
  readonly secret?: string;
  readonly version?: string;
  readonly dueAt?: string;
  readonly deferredTo?: string;
  readonly waiting?: string[];
  readonly outcomes?: { connector: string; result: string; reason?: string; coalescedRestart?: string }[];
}

/** The functions' 'secret event handled' lines since `from`, for one secret version. */
function summaries(from: number, secret: string, version: string): LoggedSummary[] {
  return stdout
    .slice(from)
    .flatMap((line) => line.split('\n'))
    .filter((line) => line.includes('"secret event handled"'))
    .map((line) => JSON.parse(line) as LoggedSummary)
    .filter((summary) => summary.secret === notified(secret) && summary.version === version);
}

/** Whole seconds from the test's start to a due time (the simulated clock also runs on with real time). */
const secondsAfterStart = (iso: string | undefined) => Math.floor((Date.parse(iso ?? '') - start) / 1000);

const restartOf = (summary: LoggedSummary | undefined) =>
  summary?.outcomes?.find((outcome) => outcome.connector === WAREHOUSE);
const ending = (outcome: { result: string; reason?: string } | undefined) =>
  outcome?.reason ? `${outcome.result}: ${outcome.reason}` : outcome?.result;

describe('coalescing on Google Cloud: rotations come back as tasks scheduled at their due time', () => {
  it('two secrets with new versions 5 s apart, window 30 s: one restart after the second, named by both', async () => {
    // Prepare
    const before = warehouse().restarts;
    const from = stdout.length;

    // Act
    at(0);
    const user = await addVersion(USER, 'warehouse-user-v2');
    const scheduledAfterFirst = gcp.tasks.control.scheduled();
    at(5_000);
    const password = await addVersion(PASSWORD, 'warehouse-password-v2');
    const restartsWhileWaiting = warehouse().restarts;
    await runClockThrough([31, 37, 52, 67, 82]);

    // Assess: both deliveries acknowledged as deferred, the first due 30 s after it, the second 30 s after itself.
    expect(gcp.deliveries().map((delivery) => delivery.status)).toEqual([200, 200]);
    const [userDeferred] = summaries(from, USER, user);
    const [passwordDeferred] = summaries(from, PASSWORD, password);
    expect(userDeferred).toMatchObject({ kind: 'deferred', waiting: [WAREHOUSE] });
    expect(secondsAfterStart(userDeferred?.dueAt)).toBe(30);
    expect(scheduledAfterFirst).toEqual([
      { task: userDeferred?.deferredTo, url: gcp.urls.reloadRotatedSecret, scheduleTime: userDeferred?.dueAt },
    ]);
    expect(passwordDeferred).toMatchObject({ kind: 'deferred', waiting: [WAREHOUSE] });
    expect(secondsAfterStart(passwordDeferred?.dueAt)).toBe(35);
    // The user's task, back at 30 s, finds the window moved by the password: reloadRotatedSecret schedules it again.
    const [userBack] = summaries(from, USER, user).filter((summary) => summary.task !== undefined);
    expect(userBack).toMatchObject({ kind: 'deferred', dueAt: passwordDeferred?.dueAt });
    // One restart, after the second rotation, holding both new versions.
    expect(restartsWhileWaiting).toBe(before);
    expect(warehouse().restarts).toBe(before + 1);
    expect(warehouse().state).toBe('RUNNING');
    expect(warehouse().heldVersions).toEqual({ [id(USER)]: user, [id(PASSWORD)]: password });
    // Each rotation's last summary names that one restart.
    const userRestart = restartOf(summaries(from, USER, user).at(-1));
    const passwordRestart = restartOf(summaries(from, PASSWORD, password).at(-1));
    expect(userRestart?.coalescedRestart).toEqual(expect.any(String));
    expect(passwordRestart?.coalescedRestart).toBe(userRestart?.coalescedRestart);
    expect([userRestart, passwordRestart].map(ending).sort()).toEqual(['restarted', 'skipped: already-covered']);
    // Nothing left waiting, nothing retried.
    expect(gcp.tasks.control.scheduled()).toEqual([]);
    expect(gcp.tasks.control.exhausted()).toEqual([]);
    expect(gcp.tasks.control.attempts().every((attempt) => attempt.status === 200)).toBe(true);
  }, 60_000);

  it('a duplicate Pub/Sub delivery inside the window: still one restart, and both copies name it', async () => {
    // Prepare
    const before = warehouse().restarts;
    const from = stdout.length;
    const deliveredBefore = gcp.deliveries().length;

    // Act
    at(100_000);
    const user = await addVersion(USER, 'warehouse-user-v3');
    const [message] = gcp.pubsub.messages().slice(-1);
    at(110_000);
    gcp.pubsub.redeliver(message?.messageId ?? '');
    await gcp.pubsub.settled();
    const scheduled = gcp.tasks.control.scheduled();
    const restartsWhileWaiting = warehouse().restarts;
    await runClockThrough([131, 146, 161, 176]);

    // Assess: the copy does not move the window (a version already waiting is no new arrival).
    expect(
      gcp
        .deliveries()
        .slice(deliveredBefore)
        .map((delivery) => delivery.status),
    ).toEqual([200, 200]);
    // Both Pub/Sub copies (onSecretVersionEvent's summaries carry the eventId), not the later re-checks.
    const deferred = summaries(from, USER, user).filter((summary) => summary.eventId !== undefined);
    expect(deferred.map((summary) => summary.kind)).toEqual(['deferred', 'deferred']);
    expect(deferred.map((summary) => secondsAfterStart(summary.dueAt))).toEqual([130, 130]);
    expect(scheduled.map((task) => task.scheduleTime)).toEqual(deferred.map((summary) => summary.dueAt));
    expect(restartsWhileWaiting).toBe(before);
    expect(warehouse().restarts).toBe(before + 1);
    expect(warehouse().heldVersions[id(USER)]).toBe(user);
    const ended = summaries(from, USER, user).filter((summary) => summary.kind === 'reloaded');
    expect(ended).toHaveLength(2);
    const restarts = ended.map((summary) => restartOf(summary));
    expect(restarts.map(ending).sort()).toEqual(['restarted', 'skipped: already-covered']);
    expect(restarts[1]?.coalescedRestart).toBe(restarts[0]?.coalescedRestart);
    expect(gcp.tasks.control.scheduled()).toEqual([]);
    expect(gcp.tasks.control.exhausted()).toEqual([]);
  }, 60_000);
});
