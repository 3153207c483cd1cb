import type { IncomingMessage } from 'node:http';
import { cloudTasksClient } from '#functions/gcp/task-hand-off';
import { type CloudTasksEmulator, MAX_SCHEDULE_AHEAD_MS, startCloudTasksEmulator } from '#local/cloud-tasks-emulator';
import { type LoopbackHttpServer, readBody, startLoopbackHttp } from '#local/loopback';

const QUEUE = 'projects/acme-prod/locations/us-central1/queues/connector-reloader';
const START = Date.parse('2026-12-01T12:00:00.000Z');

let clock = START;
let tasks: CloudTasksEmulator;
let client: ReturnType<typeof cloudTasksClient>;
let target: LoopbackHttpServer;
const received: { body: string; taskName: string }[] = [];

beforeAll(async () => {
  target = await startLoopbackHttp(0, async (req: IncomingMessage, res) => {
    received.push({ body: await readBody(req), taskName: String(req.headers['x-cloudtasks-taskname'] ?? '') });
    res.writeHead(200).end('{}');
  });
  tasks = await startCloudTasksEmulator({ queues: [QUEUE], now: () => clock });
  client = cloudTasksClient(tasks.url);
});

afterAll(async () => {
  await client.close();
  await tasks.close();
  await target.close();
});

beforeEach(() => {
  received.length = 0;
});

/** A task for the target through the real client's REST fallback, which sends scheduleTime as RFC 3339. */
async function create(body: string, scheduleAt?: number) {
  const [task] = await client.createTask({
    parent: QUEUE,
    task: {
      httpRequest: { url: target.url, httpMethod: 'POST', body: Buffer.from(body) },
      ...(scheduleAt === undefined
        ? {}
        : { scheduleTime: { seconds: Math.floor(scheduleAt / 1000), nanos: (scheduleAt % 1000) * 1e6 } }),
    },
  });
  return task;
}

/** Real time for the emulator's clock-watching timer to look at the (simulated) clock. */
const pause = (ms = 120) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition() && waited < 5_000; waited += 10) await pause(10);
}

/** createTask as raw v2 REST JSON, for what the client would never send. */
function post(task: Record<string, unknown>): Promise<Response> {
  return fetch(`${tasks.url}/v2/${QUEUE}/tasks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ task: { httpRequest: { url: target.url }, ...task } }),
  });
}

describe('the local Cloud Tasks: scheduleTime as Cloud Tasks has it', () => {
  it('holds a task until its scheduleTime on the clock it is given, then dispatches it', async () => {
    // Prepare
    clock = START;
    const due = START + 30_000;

    // Act
    const task = await create('held', due);
    await pause();
    const whileEarly = received.length;
    const listed = tasks.control.scheduled();
    clock = due - 1;
    await pause();
    const justBefore = received.length;
    clock = due;
    await until(() => received.length > 0);
    await tasks.control.settled();

    // Assess
    expect(task.scheduleTime).toEqual({ seconds: String(due / 1000), nanos: 0 });
    expect(whileEarly).toBe(0);
    expect(listed).toEqual([{ task: task.name, url: target.url, scheduleTime: '2026-12-01T12:00:30.000Z' }]);
    expect(justBefore).toBe(0);
    expect(received).toEqual([{ body: 'held', taskName: task.name?.split('/').at(-1) }]);
    expect(tasks.control.scheduled()).toEqual([]);
  });

  it('releases every held task a jump of the clock passes, and only those', async () => {
    // Prepare
    clock = START;
    await create('second', START + 20_000);
    await create('first', START + 10_000);
    await create('later', START + 60_000);

    // Act
    clock = START + 25_000;
    await until(() => received.length >= 2);
    await pause();
    await tasks.control.settled();
    const passed = received.map((request) => request.body).sort();
    const stillHeld = tasks.control.scheduled().map((held) => held.scheduleTime);
    clock = START + 60_000;
    await until(() => received.length >= 3);

    // Assess
    expect(passed).toEqual(['first', 'second']);
    expect(stillHeld).toEqual(['2026-12-01T12:01:00.000Z']);
    expect(received.at(-1)?.body).toBe('later');
  });

  it('dispatches a task scheduled in the past at once, answering its scheduleTime as the creation time', async () => {
    // Prepare
    clock = START + 3_600_000;

    // Act
    const task = await create('late', START);
    await until(() => received.length > 0);

    // Assess
    expect(task.scheduleTime).toEqual({ seconds: String((START + 3_600_000) / 1000), nanos: 0 });
    expect(received.map((request) => request.body)).toEqual(['late']);
    expect(tasks.control.scheduled()).toEqual([]);
  });

  it('refuses a scheduleTime more than 720 h ahead with INVALID_ARGUMENT, and takes one exactly 720 h ahead', async () => {
    // Prepare
    clock = START;

    // Act
    const tooFar = await create('too far', START + MAX_SCHEDULE_AHEAD_MS + 1_000).catch((error: unknown) => error);
    const furthest = await create('furthest', START + MAX_SCHEDULE_AHEAD_MS);

    // Assess
    expect(tooFar).toMatchObject({
      code: 3,
      message: expect.stringContaining('is too far in the future. Schedule time must be no more than 720h'),
    });
    expect(furthest.name).toBeDefined();
    expect(tasks.control.scheduled().map((held) => held.scheduleTime)).toEqual(['2026-12-31T12:00:00.000Z']);
  });

  it('refuses a scheduleTime that is not an RFC 3339 timestamp, as the REST JSON mapping does', async () => {
    // Act
    const asObject = await post({ scheduleTime: { seconds: START / 1000 + 60 } });
    const noZone = await post({ scheduleTime: '2026-12-01T12:01:00' });
    const withOffset = await post({ scheduleTime: '2026-12-01T13:00:00.5+01:00' });

    // Assess
    expect(asObject.status).toBe(400);
    expect(await asObject.json()).toMatchObject({ error: { code: 3, status: 'INVALID_ARGUMENT' } });
    expect(noZone.status).toBe(400);
    expect(withOffset.status).toBe(200);
    expect(((await withOffset.json()) as { scheduleTime: string }).scheduleTime).toBe('2026-12-01T12:00:00.500Z');
  });
});
