import { fromSecretEventMessage, toSecretEventMessage } from '#app/secret-event-message';
import type { SecretRotated } from '#core/events';
import {
  deferralSeconds,
  encodeQueueMessage,
  hostMessageEncoding,
  MAX_DEFERRAL_SECONDS,
  ROTATION_QUEUE,
  RotationDeferrals,
  type RotationQueueSender,
} from '#functions/azure/rotation-queue';
import type { AzureRuntime } from '#functions/azure/runtime';

/** @azure/storage-queue, replaced: this records when it is first loaded and what its clients are asked to do. */
const mockQueueSdk = { loads: 0, clients: [] as { how: string; queue: string }[], sent: [] as unknown[][] };
jest.mock('@azure/storage-queue', () => {
  mockQueueSdk.loads += 1;
  const queueClient = (how: string) => ({
    getQueueClient: (queue: string) => {
      mockQueueSdk.clients.push({ how, queue });
      return { sendMessage: async (...args: unknown[]) => mockQueueSdk.sent.push(args) };
    },
  });
  return {
    QueueServiceClient: Object.assign(
      jest.fn((url: string) => queueClient(`endpoint ${url}`)),
      { fromConnectionString: () => queueClient('connection string') },
    ),
  };
});

const ROTATION: SecretRotated = {
  kind: 'secret-rotated',
  source: 'azure.keyvault',
  eventId: 'evt-1',
  occurredAt: new Date('2026-03-01T10:00:00Z'),
  secret: { provider: 'azure', vaultHost: 'contoso.vault.azure.net', name: 'db-password' },
  version: '0123456789abcdef0123456789abcdef',
};
const NOW = new Date('2026-03-01T10:00:01.500Z');

/** A queue client that records what is sent, or fails like an unreachable queue. */
function recordingSender(fail = false) {
  const sent: { text: string; visibilityTimeout?: number }[] = [];
  const sender: RotationQueueSender = {
    sendMessage: async (text, options) => {
      if (fail) throw new Error('connect ECONNREFUSED 127.0.0.1:10001');
      sent.push({ text, ...(options?.visibilityTimeout === undefined ? {} : options) });
      return {} as Awaited<ReturnType<RotationQueueSender['sendMessage']>>;
    },
  };
  return { sender, sent };
}

describe('the visibility delay of a deferred rotation', () => {
  it('rounds up to the second, never below 0, and stops at a day', () => {
    // Act
    const delays = [30_000, 30_001, 0, -5_000, 3 * 86_400_000].map((ms) =>
      deferralSeconds(new Date(NOW.getTime() + ms), NOW),
    );

    // Assess
    expect(delays).toEqual([30, 31, 0, 0, MAX_DEFERRAL_SECONDS]);
    expect(MAX_DEFERRAL_SECONDS).toBe(86_400);
  });
});

describe('the message body, as the host reads it', () => {
  it("is base64 by host.json's default, plain JSON only when messageEncoding is none", () => {
    // Act
    const byDefault = hostMessageEncoding({});
    const none = hostMessageEncoding({ AzureFunctionsJobHost__extensions__queues__messageEncoding: 'None' });
    const body = encodeQueueMessage({ a: 'é' }, 'base64');

    // Assess
    expect(byDefault).toBe('base64');
    expect(none).toBe('none');
    expect(Buffer.from(body, 'base64').toString('utf8')).toBe('{"a":"é"}');
    expect(encodeQueueMessage({ a: 1 }, 'none')).toBe('{"a":1}');
  });
});

describe('RotationDeferrals', () => {
  it('sends the rotation in the Event Grid hand-off shape, base64, invisible until it is due', async () => {
    // Prepare
    const { sender, sent } = recordingSender();
    const connect = jest.fn(() => sender);
    const deferrals = new RotationDeferrals(connect, 'base64', () => NOW);

    // Act
    const waited = await deferrals.defer(ROTATION, new Date('2026-03-01T10:00:31.200Z'));
    await deferrals.defer(ROTATION, new Date('2026-03-01T10:00:40Z'));

    // Assess
    expect(waited).toBe(30);
    expect(sent.map((m) => m.visibilityTimeout)).toEqual([30, 39]);
    const body = JSON.parse(Buffer.from(sent[0]?.text ?? '', 'base64').toString('utf8'));
    expect(body).toEqual(toSecretEventMessage(ROTATION, NOW));
    expect(fromSecretEventMessage(body)).toEqual(ROTATION);
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('connects only at the first deferral, and throws when the send fails so the host retries', async () => {
    // Prepare
    const { sender } = recordingSender(true);
    const connect = jest.fn(() => sender);
    const deferrals = new RotationDeferrals(connect, 'base64', () => NOW);
    const connectedBefore = connect.mock.calls.length;

    // Act
    const act = deferrals.defer(ROTATION, new Date('2026-03-01T10:00:31Z'));

    // Assess
    expect(connectedBefore).toBe(0);
    await expect(act).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('the Function App runtime and @azure/storage-queue', () => {
  const BASE_ENV = {
    CONFLUENT_CREDENTIALS_SECRET: 'https://contoso-reloader.vault.azure.net/secrets/confluent-cloud-api-key',
    AZURE_STATE_TABLE_ENDPOINT: 'https://st.table.core.windows.net',
  };
  let createAzureRuntime: (env: NodeJS.ProcessEnv) => AzureRuntime;

  beforeAll(() => {
    // runtime.ts builds the instance's runtime when loaded, from process.env, as at a cold start.
    const saved = { ...process.env };
    Object.assign(process.env, BASE_ENV);
    try {
      ({ createAzureRuntime } = require('#functions/azure/runtime') as typeof import('#functions/azure/runtime'));
    } finally {
      process.env = saved;
    }
  });

  it('is never loaded by an app without coalescing, and has no deferrals to send', () => {
    // Act
    const runtime = createAzureRuntime({ ...BASE_ENV });

    // Assess
    expect(runtime.deferrals).toBeUndefined();
    expect(mockQueueSdk.loads).toBe(0);
  });

  it('is loaded at the first deferral with coalescing on, not at start-up, and sends to secret-rotations', async () => {
    // Prepare
    const withEndpoint = createAzureRuntime({
      ...BASE_ENV,
      RESTART_COALESCE_SECONDS: '30',
      AZURE_QUEUE_ENDPOINT: 'https://st.queue.core.windows.net/',
    });
    const withConnectionString = createAzureRuntime({
      ...BASE_ENV,
      RESTART_COALESCE_SECONDS: '30',
      AZURE_QUEUE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
    });
    const loadsAtStartUp = mockQueueSdk.loads;

    // Act
    await withEndpoint.deferrals?.defer(ROTATION, new Date(Date.now() + 30_000));
    await withConnectionString.deferrals?.defer(ROTATION, new Date(Date.now() + 30_000));

    // Assess
    expect(loadsAtStartUp).toBe(0);
    expect(mockQueueSdk.loads).toBe(1);
    expect(mockQueueSdk.clients).toEqual([
      { how: 'endpoint https://st.queue.core.windows.net/', queue: ROTATION_QUEUE },
      { how: 'connection string', queue: ROTATION_QUEUE },
    ]);
    expect(mockQueueSdk.sent).toHaveLength(2);
  });
});
