import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { MAX_DELAY_SECONDS, type SqsEmulator, startSqsEmulator } from '../../local/sqs-emulator';

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
