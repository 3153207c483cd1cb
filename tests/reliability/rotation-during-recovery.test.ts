import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TableClient } from '@azure/data-tables';
import type { SQSBatchResponse } from 'aws-lambda';
import type { StateStore } from '#core/ports';
import { LOCAL_QUEUES, LOCAL_TABLES } from '#local/aws-lambda-stack';
import type { SecretNewVersionCreatedEvent } from '#local/key-vault-emulator/index';
import { lambdaContext } from '#local/lambda-invoker';
import type { SecretLabelUpdatedEvent } from '#local/secrets-manager-emulator/index';
import { AzureTableStateStore } from '#state/azure-table-state-store';
import { DynamoDbStateStore } from '#state/dynamodb-state-store';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';
import { recordFigure } from './figures';
import { scaled } from './scale';
import type { GeneratedSecret } from './support/generated-estate';
import { AZURE_STATE_TABLE, type ReliabilityStack, startReliabilityStack } from './support/reliability-stack';

jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
  virtual: true,
});

/**
 * Scenario: a rotation overlapping a recovery on the same connector. A connector FAILED; the recovery (the real sweep)
 * restarts it and is still verifying it, holding its lock (a slow start), when the secret it reads rotates. The
 * rotation meets the lock. It must not end there: the connector came back with the credential it fetched before the
 * rotation (the emulator, as Confluent, fails it with USER_ACTIONABLE_ERROR). Must show: every affected connector
 * restarted after the version became current, RUNNING on the rotated version (0 stale), no rotation completed while
 * pending and none dead-lettered, each (connector, version) restarted once for the rotation. The sweep, releasing
 * each lock, restarts the connector once more for the version that waited on it (so it is current before any retry),
 * and the rotation's retry (AWS: the retry queue, its delay ended; Azure: Event Grid's next attempt) finds it covered.
 */
const SECRETS = scaled(12, 3);
const SCENARIO = 'rotation overlapping a recovery';
const WAIT_MS = 20_000;

let stack: ReliabilityStack;
let output: ReturnType<typeof captureProcessOutput>;

beforeAll(async () => {
  output = captureProcessOutput();
  stack = await startReliabilityStack({ count: SECRETS });
}, 60_000);

afterAll(async () => {
  output?.restore();
  await stack?.close();
});

/** The connector of each secret the recovery holds: its first one (a secret read by two has one left free). */
const heldOf = (secret: GeneratedSecret) => secret.connectors[0] as string;

/** Fails each held connector and slows its next start, so that the sweep's verification keeps the lock. */
function failAndSlow(secrets: readonly GeneratedSecret[]): void {
  for (const secret of secrets) {
    stack.confluent.control.failConnector(heldOf(secret));
    stack.confluent.control.setSlowStart(heldOf(secret), true);
  }
}

/** Until the sweep holds every held connector's lock with its restart accepted (so before the rotation). */
async function untilRecoveryHolds(store: StateStore, secrets: readonly GeneratedSecret[]): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const records = await Promise.all(secrets.map((secret) => store.read(heldOf(secret))));
    const holding = records.filter((r) => r?.record.lock?.operation.startsWith('recover') && r.record.lastRestartAt);
    if (holding.length === secrets.length) return;
    if (Date.now() > deadline) throw new Error(`the sweep holds ${holding.length} of ${secrets.length} locks`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function endSlowStarts(secrets: readonly GeneratedSecret[]): void {
  for (const secret of secrets) stack.confluent.control.setSlowStart(heldOf(secret), false);
}

/** Affected connectors not RUNNING on the rotated version, and each one's restart count since `before`. */
function account(secrets: readonly GeneratedSecret[], versions: readonly string[], before: Map<string, number>) {
  const stale: string[] = [];
  const restarts = new Map<string, number>();
  secrets.forEach((secret, i) => {
    for (const key of secret.connectors) {
      const view = stack.confluent.control.connector(key);
      if (view.state !== 'RUNNING' || view.heldVersions[secret.id] !== versions[i]) {
        stale.push(`${key}: ${view.state} on ${view.heldVersions[secret.id]}`);
      }
      restarts.set(key, view.restarts - (before.get(key) ?? 0));
    }
  });
  return { stale, restarts };
}

function restartCounts(secrets: readonly GeneratedSecret[]): Map<string, number> {
  return new Map(
    secrets.flatMap((secret) => secret.connectors.map((key) => [key, stack.confluent.control.connector(key).restarts])),
  );
}

/**
 * Held connectors: the sweep's restart (before the version) and one restart after it (the sweep's follow-up or the
 * rotation's retry, never both); the others: the rotation's one restart.
 */
function expectedRestarts(secrets: readonly GeneratedSecret[]): Map<string, number> {
  return new Map(
    secrets.flatMap((secret) => secret.connectors.map((key) => [key, key === heldOf(secret) ? 2 : 1] as const)),
  );
}

describe(`${SCENARIO}: ${SECRETS} secrets per cloud, each rotating while the sweep verifies one of its connectors`, () => {
  it('Lambda on dynalite: restarted after the version became current, 0 stale, nothing dead-lettered', async () => {
    // Prepare
    const secrets = stack.generated.aws;
    const rotation = stack.loadAwsHandler();
    const retry = stack.loadAwsRetryHandler();
    const { sweepFailedConnectors } = stack.loadAwsRecoveryHandlers();
    const dynamo = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stack.aws.dynamo.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const store = new DynamoDbStateStore({ client: dynamo, tableName: LOCAL_TABLES.state });
    const before = restartCounts(secrets);
    failAndSlow(secrets);
    const started = Date.now();

    // Act: the sweep takes the locks; the secrets rotate; each rotation is delivered while the sweep verifies.
    const sweeping = sweepFailedConnectors({ time: new Date().toISOString() }, lambdaContext());
    await untilRecoveryHolds(store, secrets);
    const events: SecretLabelUpdatedEvent[] = [];
    for (let i = 0; i < secrets.length; i++) events.push(await stack.rotateAws(i));
    const first = await Promise.all(events.map((event) => rotation(structuredClone(event), lambdaContext())));
    endSlowStarts(secrets);
    await sweeping;
    // The sweep, releasing each lock, restarted once more for the version that waited on it: before any retry.
    const afterSweep = account(
      secrets,
      events.map((event) => event.detail.versionId),
      before,
    );
    // Lambda's SQS poller, once each message's delay is over, until the retry queue is empty.
    let polls = 0;
    for (; polls < 4 * secrets.length; polls++) {
      stack.aws.sqs.control.endDelays(LOCAL_QUEUES.rotationRetries);
      const batch = stack.aws.sqs.control.receiveEvent(LOCAL_QUEUES.rotationRetries, 1);
      if (batch.Records.length === 0) break;
      const response = (await retry(batch, lambdaContext())) as SQSBatchResponse;
      const failed = new Set(response.batchItemFailures.map((item) => item.itemIdentifier));
      stack.aws.sqs.control.deleteReceived(
        LOCAL_QUEUES.rotationRetries,
        batch.Records.filter((r) => !failed.has(r.messageId)).map((r) => r.receiptHandle),
      );
    }
    const seconds = (Date.now() - started) / 1000;
    dynamo.destroy();

    // Assess
    const pending = first.flatMap((result) => (result as { results: { kind: string }[] }).results);
    expect(pending.map((summary) => summary.kind)).toEqual(secrets.map(() => 'pending'));
    expect(afterSweep.stale).toEqual([]);
    const { stale, restarts } = account(
      secrets,
      events.map((event) => event.detail.versionId),
      before,
    );
    expect(stale).toEqual([]);
    expect(Object.fromEntries(restarts)).toEqual(Object.fromEntries(expectedRestarts(secrets)));
    expect(stack.aws.sqs.control.messages(LOCAL_QUEUES.rotationRetries)).toEqual([]);
    expect(stack.aws.sqs.control.messages(LOCAL_QUEUES.rotationRetriesDeadLetter)).toEqual([]);
    for (const secret of secrets) expect((await store.read(heldOf(secret)))?.record.pendingVersions).toBeUndefined();
    recordFigure(
      SCENARIO,
      'Lambda: rotations pending on a recovery',
      `${pending.filter((summary) => summary.kind === 'pending').length} / ${secrets.length}`,
    );
    recordFigure(SCENARIO, 'Lambda: stale once the sweep released its locks (its follow-up)', afterSweep.stale.length);
    recordFigure(SCENARIO, 'Lambda: stale connectors after the retries', stale.length);
    recordFigure(SCENARIO, 'Lambda: retry-queue polls to empty', polls);
    recordFigure(
      SCENARIO,
      'Lambda: dead-lettered',
      stack.aws.sqs.control.messages(LOCAL_QUEUES.rotationRetriesDeadLetter).length,
    );
    recordFigure(SCENARIO, 'Lambda: wall time (s)', seconds.toFixed(1));
  }, 120_000);

  it('Functions on Azurite: restarted after the version became current, 0 stale, nothing dead-lettered', async () => {
    // Prepare
    const secrets = stack.generated.azure;
    const functions = stack.loadAzureFunctions();
    const store = new AzureTableStateStore(
      TableClient.fromConnectionString(stack.tables.connectionString, AZURE_STATE_TABLE, {
        allowInsecureConnection: true,
      }),
    );
    const before = restartCounts(secrets);
    failAndSlow(secrets);
    const started = Date.now();

    // Act
    const sweeping = functions.sweepFailedConnectors({ isPastDue: false }, stack.context('sweepFailedConnectors'));
    await untilRecoveryHolds(store, secrets);
    const events: SecretNewVersionCreatedEvent[] = [];
    for (let i = 0; i < secrets.length; i++) events.push(await stack.rotateAzure(i));
    // Event Grid → onSecretEvent queues; each try of reloadRotatedSecret is one the host makes (a throw is a retry).
    const deliver = async (event: SecretNewVersionCreatedEvent) => {
      const [message] = await stack.queueEvent(functions, event);
      return functions.reloadRotatedSecret(message, stack.context('reloadRotatedSecret', { dequeueCount: 1 })).then(
        () => 'done',
        // By name: the functions were loaded as a cold start of their own, with their own copy of the class.
        (error: unknown) => ((error as Error).name === 'RotationPendingError' ? 'pending' : `failed: ${String(error)}`),
      );
    };
    const first = await Promise.all(events.map(deliver));
    endSlowStarts(secrets);
    await sweeping;
    const afterSweep = account(
      secrets,
      events.map((event) => event.data.Version),
      before,
    );
    // Event Grid's next attempt of each failed delivery.
    const second = await Promise.all(events.map(deliver));
    const seconds = (Date.now() - started) / 1000;

    // Assess
    expect(first).toEqual(secrets.map(() => 'pending'));
    expect(afterSweep.stale).toEqual([]);
    expect(second).toEqual(secrets.map(() => 'done'));
    const { stale, restarts } = account(
      secrets,
      events.map((event) => event.data.Version),
      before,
    );
    expect(stale).toEqual([]);
    expect(Object.fromEntries(restarts)).toEqual(Object.fromEntries(expectedRestarts(secrets)));
    for (const secret of secrets) expect((await store.read(heldOf(secret)))?.record.pendingVersions).toBeUndefined();
    recordFigure(SCENARIO, 'Functions: stale once the sweep released its locks', afterSweep.stale.length);
    recordFigure(SCENARIO, 'Functions: stale connectors after the retries', stale.length);
    recordFigure(
      SCENARIO,
      'Functions: first delivery pending / Event Grid retry done',
      `${first.filter((r) => r === 'pending').length} / ${second.filter((r) => r === 'done').length}`,
    );
    recordFigure(SCENARIO, 'Functions: wall time (s)', seconds.toFixed(1));
  }, 120_000);
});
