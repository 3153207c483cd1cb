import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildReloader, type Reloader } from '#app/build-reloader';
import { main } from '#cli/main';
import { loadSettings } from '#config/settings';
import { StaticCredentials } from '#confluent/index';
import { type Clock, silentLogger } from '#core/ports';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import { startDynalite } from '#local/dynalite-server';
import type { Estate } from '#local/estate';
import { createStateTable, DynamoDbStateStore } from '#state/dynamodb-state-store';
import { type AlertReceiver, startAlertReceiver } from '#test-helpers/alert-receiver';
import { capturedOutput } from '#test-helpers/captured-output';

/**
 * Alert digests and acknowledgements on the real pieces: the sweep of the recovery use case against the Confluent
 * emulator (200 connectors that fail again after every restart), the state on DynamoDB (dynalite), the alert
 * webhook over HTTP to a loopback receiver, and the CLI's `ack` on the same table. Time moves by jumping a clock
 * the emulator and the reloader share, past the restart backoff, the budget's re-arm and the repeat window.
 */
const ENV = 'env-dig01';
const CLUSTER = 'lkc-dig01';
const COUNT = 200;
const key = (i: number) => `${ENV}/${CLUSTER}/pg-sink-${i}`;
const TABLE = 'digest-state';

const estate: Estate = {
  environments: [{ id: ENV, displayName: 'digest' }],
  clusters: [
    { id: CLUSTER, environmentId: ENV, displayName: 'digest', cloud: 'AWS', region: 'us-east-1', kind: 'Dedicated' },
  ],
  connectors: Array.from({ length: COUNT }, (_, i) => ({
    environmentId: ENV,
    clusterId: CLUSTER,
    name: `pg-sink-${i}`,
    id: `lcc-dig${i}`,
    type: 'sink' as const,
    config: { 'connector.class': 'PostgresSink', 'connection.host': 'db.internal' },
    state: 'FAILED' as const,
    taskCount: 1,
    secretRefs: [],
  })),
};

let offsetMs = 0;
const clock: Clock = {
  now: () => new Date(Date.now() + offsetMs),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
const later = (ms: number) => {
  offsetMs += ms;
};

let emulator: ConfluentEmulator;
let receiver: AlertReceiver;
let reloader: Reloader;
let store: DynamoDbStateStore;
let close = async () => {};
const savedEnv = { ...process.env };

beforeAll(async () => {
  emulator = await startConfluentEmulator({
    estate,
    apiKey: 'digest-key',
    apiSecret: 'digest-api-secret',
    now: () => clock.now().getTime(),
    provisioningMs: 50,
    statusLagMs: 20,
  });
  for (let i = 0; i < COUNT; i++) emulator.control.setAlwaysFails(key(i), true);
  receiver = await startAlertReceiver();
  const dynamo = await startDynalite();
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const client = new DynamoDBClient({ ...local, endpoint: dynamo.endpoint });
  await createStateTable(client, TABLE);
  store = new DynamoDbStateStore({ client, tableName: TABLE });
  // What the functions and the CLI both read: the CLI's `ack` writes where the sweep screens its alerts.
  const env = {
    CONFLUENT_API_URL: emulator.url,
    CONFLUENT_CLOUD_API_KEY: 'digest-key',
    CONFLUENT_CLOUD_API_SECRET: 'digest-api-secret',
    CONFLUENT_SCOPES: `${ENV}/${CLUSTER}`,
    CONFLUENT_MAX_CONCURRENCY: '50',
    CONFLUENT_RATE_LIMIT_PER_SECOND: '2000',
    CONFLUENT_RATE_BURST: '2000',
    CONFLUENT_MAX_RETRIES: '1',
    RESTART_CONCURRENCY: '50',
    VERIFY_TIMEOUT_SECONDS: '60',
    VERIFY_POLL_SECONDS: '0.05',
    VERIFY_SETTLE_SECONDS: '0.1',
    PAUSE_TIMEOUT_SECONDS: '2',
    MAX_AUTO_RESTARTS: '3',
    RESTART_BUDGET_REARM_HOURS: '1',
    ALERT_WEBHOOK_SECRET: 'alerts/digest-hook',
    STATE_TABLE: TABLE,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
  Object.assign(process.env, env);
  const alertUrl = receiver.url('/hooks/digest');
  reloader = buildReloader(loadSettings(env), {
    secrets: {
      describe: async () => {
        throw new Error('no rotation in this test');
      },
    },
    secretValues: { readSecretValue: async () => alertUrl },
    credentials: new StaticCredentials('digest-key', 'digest-api-secret'),
    state: store,
    logger: silentLogger,
    clock,
  });
  close = async () => {
    client.destroy();
    await Promise.all([dynamo.close(), emulator.close(), receiver.close()]);
  };
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await close();
});

beforeEach(() => {
  receiver.alerts.length = 0;
});

async function sweep() {
  return reloader.recovery().sweep();
}

describe('alert digests', () => {
  it('sends one message for 200 failures in one sweep, listing 20 connectors and counting the rest', async () => {
    // Act
    const report = await sweep();

    // Assess
    expect(report.outcomes.filter((o) => o.result === 'failed')).toHaveLength(COUNT);
    expect(receiver.alerts).toHaveLength(1);
    const body = receiver.alerts[0]?.body;
    expect(body?.title).toBe('Failed connectors (sweep): 0 recovered, 200 still failing, 0 out of restart budget');
    expect(body?.lines).toHaveLength(21);
    expect(body?.lines[0]).toMatch(/^env-dig01\/lkc-dig01\/pg-sink-\d+: failed \(automatic restart 1\)/);
    expect(body?.lines.at(-1)).toBe('… and 180 more');
  }, 120_000);

  it('leaves out the next sweep’s identical failures and counts them on each record, sending nothing', async () => {
    // Prepare: past the first backoff (2 minutes), inside the repeat window (6 hours).
    later(3 * 60_000);

    // Act
    const report = await sweep();

    // Assess
    expect(report.outcomes.filter((o) => o.result === 'failed' && o.attempt === 2)).toHaveLength(COUNT);
    expect(receiver.alerts).toHaveLength(0);
    const record = (await store.read(key(7)))?.record;
    expect(record?.lastAlert).toMatchObject({ suppressed: 1 });
  }, 120_000);

  it('silences the re-armed alerts of a connector acknowledged with `ack`, and only those', async () => {
    // Prepare: the third restart (left out as a repeat), then the budget runs out (a new alert: 200 exhausted).
    later(7 * 60_000);
    await sweep();
    later(13 * 60_000);
    await sweep();
    const exhausted = receiver.alerts.map((alert) => alert.body.title);
    const acked = await cli(['ack', key(0), '--yes']);
    const until = await cli(['ack', key(1), '--until', '1d', '--yes', '--json']);
    const refused = await cli(['ack', key(2)]);
    receiver.alerts.length = 0;
    // Past the re-arm (1 hour): every budget starts over, restarts fail again and alert again.
    later(2 * 3_600_000);

    // Act
    const rearmed = await sweep();

    // Assess
    expect(exhausted).toEqual(['Failed connectors (sweep): 0 recovered, 0 still failing, 200 out of restart budget']);
    expect(acked.code).toBe(0);
    expect(acked.out).toContain(`acknowledged: alerts about ${key(0)} are silenced until recovery sees it healthy`);
    expect(until.json().acknowledgement.until).toBeGreaterThan(Date.now());
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('pass --yes');
    expect(rearmed.outcomes.filter((o) => o.result === 'failed')).toHaveLength(COUNT);
    expect(receiver.alerts).toHaveLength(1);
    const body = receiver.alerts[0]?.body;
    expect(body?.title).toBe(
      'Failed connectors (sweep): 0 recovered, 198 still failing, 0 out of restart budget; 2 acknowledged',
    );
    const listed = receiver.alerts[0]?.text ?? '';
    expect(listed).not.toContain(`${key(0)}:`);
    expect(listed).not.toContain(`${key(1)}:`);
    expect(listed).toContain(`${key(2)}:`);
    // Events and metrics still see them: the report keeps every connector.
    expect(rearmed.outcomes.map((o) => o.connector.name)).toContain('pg-sink-0');
  }, 240_000);
});

async function cli(args: string[]) {
  const { output, chunks } = capturedOutput();
  const code = await main(args, output);
  return { code, out: chunks.out, err: chunks.err, json: () => JSON.parse(chunks.out) };
}
