import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { MAX_DELAY_SECONDS, type SqsEmulator, startSqsEmulator } from '#local/sqs-emulator';

const QUEUE = 'rotation-retries';

let sqs: SqsEmulator;
let client: SQSClient;

beforeAll(async () => {
  sqs = await startSqsEmulator({ queues: [{ name: QUEUE }] });
  client = new SQSClient({
    region: 'us-east-1',
    endpoint: sqs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client.destroy();
  await sqs.close();
});

beforeEach(() => sqs.control.reset());

describe('the local SQS: DelaySeconds as SQS has it', () => {
  it('keeps a delayed message invisible until its delay is over, then hands it out', async () => {
    // Prepare
    await client.send(
      new SendMessageCommand({ QueueUrl: sqs.queueUrl(QUEUE), MessageBody: 'late', DelaySeconds: 600 }),
    );
    await client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl(QUEUE), MessageBody: 'now' }));

    // Act
    const first = sqs.control.receiveEvent(QUEUE).Records.map((record) => record.body);
    const ended = sqs.control.endDelays(QUEUE);
    const second = sqs.control.receiveEvent(QUEUE).Records.map((record) => record.body);

    // Assess
    expect(first).toEqual(['now']);
    expect(ended).toBe(1);
    expect(second).toEqual(['late']);
    expect(sqs.control.messages(QUEUE).map((message) => message.delaySeconds)).toEqual([600, 0]);
  });

  it('refuses a delay past 15 minutes, or below 0, as SQS does', async () => {
    // Prepare
    const send = (DelaySeconds: number) =>
      client.send(new SendMessageCommand({ QueueUrl: sqs.queueUrl(QUEUE), MessageBody: 'x', DelaySeconds }));

    // Act
    const tooLong = await send(MAX_DELAY_SECONDS + 1).catch((error: unknown) => error);
    const negative = await send(-1).catch((error: unknown) => error);
    const longest = await send(MAX_DELAY_SECONDS);

    // Assess
    expect(tooLong).toMatchObject({ name: 'InvalidParameterValue' });
    expect(negative).toMatchObject({ name: 'InvalidParameterValue' });
    expect(longest.MessageId).toBeDefined();
    expect(sqs.control.messages(QUEUE)).toHaveLength(1);
  });

  it('refuses a batch entry with a bad delay on its own, sending the others', async () => {
    // Act
    const response = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: sqs.queueUrl(QUEUE),
        Entries: [
          { Id: 'ok', MessageBody: 'a', DelaySeconds: 30 },
          { Id: 'bad', MessageBody: 'b', DelaySeconds: 901 },
        ],
      }),
    );

    // Assess
    expect(response.Successful?.map((entry) => entry.Id)).toEqual(['ok']);
    expect(response.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'InvalidParameterValue', SenderFault: true }),
    ]);
  });
});

describe('the local SQS: on the clock it is given', () => {
  it('hands a delayed message out at its DelaySeconds on that clock, not before, and then hides it while in flight', async () => {
    // Prepare
    let now = Date.parse('2026-11-27T12:00:00Z');
    const clocked = await startSqsEmulator({ queues: [{ name: QUEUE, visibilityTimeoutSeconds: 60 }], now: () => now });
    const sender = new SQSClient({
      region: 'us-east-1',
      endpoint: clocked.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const sentAt = now;
    await sender.send(
      new SendMessageCommand({ QueueUrl: clocked.queueUrl(QUEUE), MessageBody: 'due', DelaySeconds: 30 }),
    );

    // Act
    const bodies = (at: number) => {
      now = sentAt + at;
      return clocked.control.receiveEvent(QUEUE).Records.map((record) => record.body);
    };
    const justBefore = bodies(29_999);
    const atDelay = bodies(30_000);
    const inFlight = bodies(89_999);
    const visibleAgain = bodies(90_000);
    sender.destroy();
    await clocked.close();

    // Assess
    expect(justBefore).toEqual([]);
    expect(atDelay).toEqual(['due']);
    expect(inFlight).toEqual([]);
    expect(visibleAgain).toEqual(['due']);
  });

  it('reads Date.now at each call by default, so a test that fakes Date moves its delays too', async () => {
    // Prepare
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'clearTimeout'], advanceTimers: true });
    const start = Date.now();
    try {
      await client.send(
        new SendMessageCommand({ QueueUrl: sqs.queueUrl(QUEUE), MessageBody: 'later', DelaySeconds: 900 }),
      );

      // Act
      const before = sqs.control.receiveEvent(QUEUE).Records.length;
      jest.setSystemTime(start + 900_000);
      const after = sqs.control.receiveEvent(QUEUE).Records.map((record) => record.body);

      // Assess
      expect(before).toBe(0);
      expect(after).toEqual(['later']);
    } finally {
      jest.useRealTimers();
    }
  });
});
