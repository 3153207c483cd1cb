import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EXIT, main } from '#cli/main';
import type { ConnectorRecord } from '#core/ports';
import { LOCAL_TABLES } from '#local/aws-lambda-stack';
import { SEED_SECRETS } from '#local/seed-estate';
import { DynamoDbStateStore } from '#state/dynamodb-state-store';
import { type AwsLambdaHarness, captureProcessOutput, startAwsLambdaHarness } from '#test-helpers/aws-lambda-harness';
import { capturedOutput } from '#test-helpers/captured-output';

/**
 * The CLI on the AWS functions' state (DynamoDB on dynalite) while a rotation waits in its coalescing window: the
 * real onSecretRotated records the rotation in each connector's group and restarts nothing; `plan` shows the
 * pending versions and when the restart is due, `status --secret` shows the connectors as pending (not covered),
 * and `reload` restarts now, applying every version waiting there, so the rotation's own re-delivery finds them
 * covered by that restart. How the function hands the rotation to its delayed delivery is the AWS path's to test.
 */
const WINDOW_SECONDS = 120;
const DEPENDENTS = [
  'env-prod01/lkc-orders1/orders-cdc',
  'env-prod01/lkc-orders1/orders-outbox',
  'env-prod01/lkc-pay01/payments-ledger-cdc',
];
const SECRET_KEY = 'aws:us-east-1:123456789012:prod/orders-db';
const DB_PASSWORD_CANARY = 'CANARY-coalescing-db-password-5e1a9c';

let harness: AwsLambdaHarness;
let secrets: SecretsManagerClient;
let dynamo: DynamoDBClient;
let store: DynamoDbStateStore;
let output: ReturnType<typeof captureProcessOutput>;
const printed: string[] = [];

beforeAll(async () => {
  output = captureProcessOutput();
  // The rotation function gets each label event only when the test delivers it.
  harness = await startAwsLambdaHarness({
    copies: 0,
    provisioningMs: 200,
    env: { RESTART_COALESCE_SECONDS: String(WINDOW_SECONDS), RESTART_COALESCE_MAX_SECONDS: '600' },
  });
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  secrets = new SecretsManagerClient({ ...local, endpoint: harness.cloud.secretsManager.url });
  dynamo = new DynamoDBClient({ ...local, endpoint: harness.stack.dynamo.endpoint });
  store = new DynamoDbStateStore({ client: dynamo, tableName: LOCAL_TABLES.state });
});

afterAll(async () => {
  output.restore();
  const everything = printed.join('\n') + output.text();
  expect(everything).not.toContain(DB_PASSWORD_CANARY);
  secrets.destroy();
  dynamo.destroy();
  await harness.close();
});

async function cli(args: string[]) {
  const { output: out, chunks } = capturedOutput();
  const code = await main(args, out);
  printed.push(chunks.out, chunks.err);
  return { code, out: chunks.out, err: chunks.err, json: () => JSON.parse(chunks.out) };
}

type Keyed = { connector: Record<string, string> };
const keyOf = (row: Keyed) => `${row.connector.environmentId}/${row.connector.clusterId}/${row.connector.name}`;
const byConnector = <T extends Keyed>(rows: T[]): Record<string, T> =>
  Object.fromEntries(rows.filter((row) => DEPENDENTS.includes(keyOf(row))).map((row) => [keyOf(row), row]));
const restarts = () => DEPENDENTS.map((key) => harness.cloud.confluent.control.connector(key).restarts);
const record = async (key: string): Promise<ConnectorRecord | undefined> => (await store.read(key))?.record;

/** A new version of prod/orders-db, given to the rotation function as EventBridge would; what it published. */
async function rotateAndDeliver(password: string) {
  const put = await secrets.send(new PutSecretValueCommand({ SecretId: 'prod/orders-db', SecretString: password }));
  await harness.cloud.secretsManager.control.settled();
  const event = harness.cloud.secretsManager.control
    .events()
    .filter((e) => e.detail.labelUpdated === 'AWSCURRENT')
    .at(-1);
  return { version: put.VersionId ?? '', event, published: await deliver(event) };
}

/**
 * The rotation function on `event`. A rotation that waits is not done, so the function either throws it back for a
 * retry (RotationDeferredError, a ReloadIncompleteError) or hands it to its delayed delivery: either way it is not
 * this test's subject, which is the state it leaves. Returns the outcome events it published.
 */
async function deliver(event: unknown) {
  const published = harness.stack.eventBridge.control.events().length;
  await harness.deliver(event).catch((error: unknown) => {
    if (!(error instanceof Error && error.name === 'RotationDeferredError')) throw error;
  });
  return harness.stack.eventBridge.control
    .events()
    .slice(published)
    .map((e) => e.detail as { connector: string; result: string; reason?: string; coalescedRestart?: { id: string } });
}

describe('the CLI while a rotation is coalescing', () => {
  it('plan shows the pending version and the due time, status --secret says pending, reload restarts now', async () => {
    // Prepare: the function records the rotation in each dependent's group (120 s window) and restarts nothing.
    const before = restarts();
    const rotatedAt = Date.now();
    const rotation = await rotateAndDeliver(`{"password":"${DB_PASSWORD_CANARY}"}`);
    const waiting = await Promise.all(DEPENDENTS.map(record));

    // Act
    const planJson = await cli(['plan', '--secret', 'prod/orders-db', '--json']);
    const planTable = await cli(['plan', '--secret', 'prod/orders-db']);
    const planWide = await cli(['plan', '--secret', 'prod/orders-db', '--wide']);
    const status = await cli(['status', '--secret', 'prod/orders-db', '--json']);
    const statusTable = await cli(['status', '--secret', 'prod/orders-db']);
    const restartsWhileWaiting = restarts();
    const reload = await cli(['reload', '--secret', 'prod/orders-db', '--yes', '--json']);
    const afterTable = await cli(['status', '--secret', 'prod/orders-db']);
    const after = await cli(['status', '--secret', 'prod/orders-db', '--json']);
    const redelivered = await deliver(rotation.event);

    // Assess: waiting, in the functions' state.
    for (const stored of waiting) {
      expect(stored?.coalescing?.[SECRET_KEY]).toMatchObject({
        secret: SEED_SECRETS.ordersDb,
        version: rotation.version,
      });
    }
    expect(restartsWhileWaiting).toEqual(before);
    // plan: skip as coalescing, the pending version and the due time a window after the rotation.
    const planned = byConnector(planJson.json().targets as (Keyed & { decision: Record<string, unknown> })[]);
    expect(Object.keys(planned)).toHaveLength(DEPENDENTS.length);
    for (const target of Object.values(planned)) {
      expect(target.decision).toMatchObject({
        action: 'skip',
        reason: 'coalescing',
        coalescing: { pending: [{ secret: SEED_SECRETS.ordersDb, version: rotation.version }] },
      });
      const due = Date.parse((target.decision.coalescing as { dueAt: string }).dueAt);
      expect(due - rotatedAt).toBeGreaterThanOrEqual(WINDOW_SECONDS * 1000);
      expect(due - rotatedAt).toBeLessThanOrEqual((WINDOW_SECONDS + 10) * 1000);
    }
    expect(planTable.out).toContain('skip: coalescing');
    expect(planWide.out).toMatch(
      /coalescing: one restart due at \d{4}-\d\d-\d\dT[\d:]+Z, applying arn:aws:secretsmanager:.*:prod\/orders-db-Ab12Cd@[\w-]{36} /,
    );
    // status --secret: pending, not covered, so not everyone is on the version (exit 1).
    expect(status.code).toBe(EXIT.failed);
    const coverage = byConnector(status.json().connectors as (Keyed & { coverage: string; coalescing?: unknown })[]);
    for (const key of DEPENDENTS) expect(coverage[key]).toMatchObject({ coverage: 'pending', coalescing: {} });
    expect(statusTable.code).toBe(EXIT.failed);
    expect(statusTable.out).toMatch(/; 3 pending, 1 paused \(coalescing: the first restart is due at\s+\d{4}-/);
    // reload: restarts now, once each, applying the version waiting there; its report names that restart.
    expect(reload.code).toBe(EXIT.ok);
    expect(restarts()).toEqual(before.map((n) => n + 1));
    const reloaded = byConnector(
      reload.json().outcomes as (Keyed & { result: string; coalescedRestart?: { id: string; covers: unknown[] } })[],
    );
    for (const key of DEPENDENTS) {
      expect(reloaded[key]).toMatchObject({
        result: 'restarted',
        coalescedRestart: { id: (await record(key))?.coalescedRestart?.id },
      });
      expect(reloaded[key]?.coalescedRestart?.covers).toEqual([
        { secret: SEED_SECRETS.ordersDb, version: rotation.version },
      ]);
    }
    const covered = byConnector(
      after.json().connectors as (Keyed & { coverage: string; detail: string; coalescedRestart?: string })[],
    );
    for (const key of DEPENDENTS) {
      const id = reloaded[key]?.coalescedRestart?.id;
      expect(covered[key]).toMatchObject({ coverage: 'covered', coalescedRestart: id });
      expect(covered[key]?.detail).toContain(`by the coalesced restart ${id}`);
    }
    expect(afterTable.out).toContain('by the coalesced restart');
    // The rotation's own re-delivery: covered by the operator's restart, named, and nothing restarted again.
    expect(restarts()).toEqual(before.map((n) => n + 1));
    const again = Object.fromEntries(redelivered.map((o) => [o.connector, o]));
    for (const key of DEPENDENTS) {
      expect(again[key]).toMatchObject({
        result: 'skipped',
        reason: 'already-covered',
        coalescedRestart: { id: reloaded[key]?.coalescedRestart?.id },
      });
    }
    for (const text of [planTable.out, statusTable.out, afterTable.out]) {
      expect(Math.max(...text.split('\n').map((line) => [...line].length))).toBeLessThanOrEqual(120);
    }
  });

  it('plan shows a group whose window has passed as due now, with the versions its one restart applies', async () => {
    // Prepare: a new version waits; then its window passes (its arrival moved back past it in the functions' state,
    // as if the rotation's delayed delivery were on its way now).
    const before = restarts();
    const rotation = await rotateAndDeliver('{"password":"v3"}');
    for (const key of DEPENDENTS) {
      const stored = await store.read(key);
      const group = stored?.record.coalescing ?? {};
      expect(Object.keys(group)).toEqual([SECRET_KEY]);
      const earlier = (ms: number) => ms - (WINDOW_SECONDS + 5) * 1000;
      const moved = Object.fromEntries(
        Object.entries(group).map(([k, e]) => [
          k,
          { ...e, arrivedAt: earlier(e.arrivedAt), pendingSince: earlier(e.pendingSince) },
        ]),
      );
      expect(
        await store.write({ ...(stored?.record as ConnectorRecord), coalescing: moved }, stored?.etag ?? null),
      ).toBe(true);
    }

    // Act
    const planJson = await cli(['plan', '--secret', 'prod/orders-db', '--json']);
    const planWide = await cli(['plan', '--secret', 'prod/orders-db', '--wide']);
    const status = await cli(['status', '--secret', 'prod/orders-db', '--json']);
    const restartsBeforeDelivery = restarts();
    const published = await deliver(rotation.event);

    // Assess: plan and status see it due now; the function's delivery then restarts once, applying it.
    const planned = byConnector(planJson.json().targets as (Keyed & { decision: Record<string, unknown> })[]);
    for (const key of DEPENDENTS) {
      expect(planned[key]?.decision).toEqual({
        action: 'skip',
        reason: 'dry-run',
        detail: `DRY_RUN: would restart once, applying ${SEED_SECRETS.ordersDb}@${rotation.version}`,
        coalesced: [{ secret: SEED_SECRETS.ordersDb, version: rotation.version }],
      });
    }
    expect(planWide.out).toContain(
      `coalesced: one restart, due now, applies ${SEED_SECRETS.ordersDb}@${rotation.version}`,
    );
    const coverage = byConnector(
      status.json().connectors as (Keyed & { coverage: string; detail: string; coalesced?: unknown })[],
    );
    for (const key of DEPENDENTS) {
      expect(coverage[key]).toMatchObject({
        coverage: 'stale',
        coalesced: [{ secret: SEED_SECRETS.ordersDb, version: rotation.version }],
      });
      expect(coverage[key]?.detail).toMatch(/; coalesced restart due now, applying arn:…:prod\/orders-db-Ab12Cd@/);
    }
    expect(restartsBeforeDelivery).toEqual(before);
    expect(restarts()).toEqual(before.map((n) => n + 1));
    const outcomes = Object.fromEntries(published.map((o) => [o.connector, o]));
    for (const key of DEPENDENTS) {
      const applied = (await record(key))?.coalescedRestart;
      expect(applied?.covered).toEqual([
        { secretKey: SECRET_KEY, secret: SEED_SECRETS.ordersDb, version: rotation.version },
      ]);
      expect(outcomes[key]).toMatchObject({ result: 'restarted', coalescedRestart: { id: applied?.id } });
    }
  });
});
