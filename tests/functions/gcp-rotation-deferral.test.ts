import type { Reloader } from '#app/build-reloader';
import { ReloadIncompleteError } from '#app/handle-trigger';
import type { SecretRotated, TriggerEvent } from '#core/events';
import { silentLogger } from '#core/ports';
import type { ReloadOutcome, ReloadReport } from '#core/reload-plan';
import { canonicalSecretId, parseSecretRef } from '#core/secret-ref';
import { handleRotations, type RotationPath } from '#functions/gcp/rotation-deferral';
import { MAX_SCHEDULE_AHEAD_MS, TaskHandOff, TaskHandOffError } from '#functions/gcp/task-hand-off';

const RELOAD_URL = 'https://us-central1-acme-prod.cloudfunctions.net/connector-reloader-reload';
const QUEUE = 'projects/acme-prod/locations/us-central1/queues/connector-reloader';
const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const CONNECTOR = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'warehouse-cdc' };
const PAYLOAD = { message: { messageId: '42' }, subscription: 'projects/acme-prod/subscriptions/s' };

const rotation = (name: string): SecretRotated => ({
  kind: 'secret-rotated',
  secret: parseSecretRef(`projects/314159265358/secrets/${name}`, { provider: 'gcp' }),
  version: '2',
  source: 'test',
});
const USER = rotation('warehouse-db-user');
const PASSWORD = rotation('warehouse-db-password');

const waiting = (dueInMs: number): ReloadOutcome => ({
  connector: CONNECTOR,
  sources: [],
  result: 'skipped',
  reason: 'coalescing',
  coalescing: { dueAt: new Date(NOW + dueInMs), pending: [] },
});
const restarted: ReloadOutcome = { connector: CONNECTOR, sources: [], result: 'restarted' };

/** Only the rotation use case is reached on this path: each secret's report as given. */
function reloaderReporting(outcomes: Readonly<Record<string, ReloadOutcome>>): Reloader {
  const execute = async (event: SecretRotated): Promise<ReloadReport> => {
    const secret = canonicalSecretId(event.secret);
    const outcome = outcomes[secret];
    if (!outcome) throw new Error(`no report for ${secret}`);
    return {
      trigger: 'test',
      secret,
      version: event.version,
      dryRun: false,
      notes: [],
      outcomes: [outcome],
      startedAt: new Date(NOW),
      finishedAt: new Date(NOW),
    };
  };
  return { forInvocation: () => ({ execute }) } as unknown as Reloader;
}

function pathWith(outcomes: Readonly<Record<string, ReloadOutcome>>, enqueue: RotationPath['handOff']['enqueue']) {
  return { reloader: reloaderReporting(outcomes), logger: silentLogger, handOff: { enqueue }, reloadUrl: RELOAD_URL };
}

const id = (event: SecretRotated) => canonicalSecretId(event.secret);

describe('handleRotations: the Google Cloud rotation path with coalescing', () => {
  it('schedules one task at the earliest due time for the waiting rotations, carrying the payload as it came', async () => {
    // Prepare
    const enqueue = jest.fn(async () => `${QUEUE}/tasks/7`);
    const path = pathWith({ [id(USER)]: waiting(35_000), [id(PASSWORD)]: waiting(30_000) }, enqueue);

    // Act
    const result = await handleRotations(path, PAYLOAD, [USER, PASSWORD], 'event-42');

    // Assess
    expect(enqueue.mock.calls).toEqual([[RELOAD_URL, PAYLOAD, new Date(NOW + 30_000)]]);
    expect(result.deferredTo).toBe(`${QUEUE}/tasks/7`);
    expect(result.handled).toEqual([
      expect.objectContaining({ kind: 'deferred', secret: id(USER), dueAt: '2026-12-01T12:00:35.000Z' }),
      expect.objectContaining({ kind: 'deferred', secret: id(PASSWORD), dueAt: '2026-12-01T12:00:30.000Z' }),
    ]);
  });

  it('goes on with the other events of the payload, and schedules nothing when none waits', async () => {
    // Prepare
    const enqueue = jest.fn(async () => `${QUEUE}/tasks/8`);
    const ignored: TriggerEvent = { kind: 'ignored', reason: 'not a version event', source: 'test' };
    const mixed = pathWith({ [id(USER)]: waiting(30_000), [id(PASSWORD)]: restarted }, enqueue);
    const none = pathWith({ [id(PASSWORD)]: restarted }, enqueue);

    // Act
    const both = await handleRotations(mixed, PAYLOAD, [USER, ignored, PASSWORD]);
    const enqueuedForBoth = enqueue.mock.calls.length;
    const done = await handleRotations(none, PAYLOAD, [PASSWORD, ignored]);

    // Assess
    expect(both.handled.map((summary) => summary.kind)).toEqual(['deferred', 'ignored', 'reloaded']);
    expect(enqueuedForBoth).toBe(1);
    expect(done).toEqual({ handled: [expect.objectContaining({ kind: 'reloaded' }), expect.anything()] });
    expect(enqueue).toHaveBeenCalledTimes(1);
  });

  it('fails the delivery when the task cannot be created, so Pub/Sub or Cloud Tasks retries it', async () => {
    // Prepare
    const path = pathWith({ [id(USER)]: waiting(30_000) }, async () => {
      throw new TaskHandOffError(`could not queue work on ${QUEUE}: 503`);
    });

    // Act
    const handled = handleRotations(path, PAYLOAD, [USER]);

    // Assess
    await expect(handled).rejects.toThrow(TaskHandOffError);
  });

  it('throws a refused restart for the sender to retry, once the waiting rotation is scheduled to come back', async () => {
    // Prepare
    const enqueue = jest.fn(async () => `${QUEUE}/tasks/9`);
    const refused: ReloadOutcome = { connector: CONNECTOR, sources: [], result: 'restart-error', detail: '500' };
    const path = pathWith({ [id(USER)]: waiting(30_000), [id(PASSWORD)]: refused }, enqueue);

    // Act
    const handled = handleRotations(path, PAYLOAD, [USER, PASSWORD]);

    // Assess
    await expect(handled).rejects.toThrow(ReloadIncompleteError);
    expect(enqueue.mock.calls).toEqual([[RELOAD_URL, PAYLOAD, new Date(NOW + 30_000)]]);
  });
});

describe('TaskHandOff.enqueue with a schedule time', () => {
  const created = () => {
    const createTask = jest.fn(async (_request: unknown) => [{ name: `${QUEUE}/tasks/1` }]);
    const handOff = new TaskHandOff({ createTask } as never, QUEUE, undefined, () => NOW);
    const scheduleTimeOf = () =>
      (createTask.mock.calls[0]?.[0] as { task: { scheduleTime?: unknown } } | undefined)?.task.scheduleTime;
    return { handOff, scheduleTimeOf };
  };

  it('asks Cloud Tasks to hold the task until then, to the millisecond', async () => {
    // Prepare
    const { handOff, scheduleTimeOf } = created();

    // Act
    await handOff.enqueue(RELOAD_URL, PAYLOAD, new Date(NOW + 30_250));

    // Assess
    expect(scheduleTimeOf()).toEqual({ seconds: (NOW + 30_000) / 1000, nanos: 250_000_000 });
  });

  it('holds a task no more than 720 h ahead, less a minute: later work comes back early and waits again', async () => {
    // Prepare
    const { handOff, scheduleTimeOf } = created();

    // Act
    await handOff.enqueue(RELOAD_URL, PAYLOAD, new Date(NOW + 40 * 86_400_000));

    // Assess
    expect(MAX_SCHEDULE_AHEAD_MS).toBe(720 * 3_600_000 - 60_000);
    expect(scheduleTimeOf()).toEqual({ seconds: (NOW + MAX_SCHEDULE_AHEAD_MS) / 1000, nanos: 0 });
  });

  it('dispatches at once without one, as before', async () => {
    // Prepare
    const { handOff, scheduleTimeOf } = created();

    // Act
    await handOff.enqueue(RELOAD_URL, PAYLOAD);

    // Assess
    expect(scheduleTimeOf()).toBeUndefined();
  });
});
