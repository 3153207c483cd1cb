import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LOCAL_TABLES } from '#local/aws-lambda-stack';
import { type LambdaHandler, lambdaContext, loadRotationHandler } from '#local/lambda-invoker';
import { SEED_SECRETS } from '#local/seed-estate';
import { type AwsLambdaHarness, captureProcessOutput, startAwsLambdaHarness } from '#test-helpers/aws-lambda-harness';

/**
 * Duplicate deliveries and secret hygiene through the real handler: three concurrent copies of one rotation event
 * restart each connector once (Powertools idempotency and the per-connector leases, both conditional writes on
 * dynalite), and canary secret values never reach logs, EMF, outcome events, DynamoDB or the function's result.
 */
const CANARY_CONFLUENT_SECRET = 'CANARY-confluent-api-secret-5b7e2c';
const CANARY_SEEDED_VALUE = 'CANARY-seeded-orders-password-91d4';
const CANARY_ROTATED_VALUE = 'CANARY-rotated-orders-password-3f0a';
const CANARIES = [CANARY_CONFLUENT_SECRET, CANARY_SEEDED_VALUE, CANARY_ROTATED_VALUE];

const AFFECTED = [
  'env-prod01/lkc-orders1/orders-cdc',
  'env-prod01/lkc-orders1/orders-outbox',
  'env-prod01/lkc-pay01/payments-ledger-cdc',
];

let harness: AwsLambdaHarness;
let sdk: SecretsManagerClient;
let dynamo: DynamoDBClient;
let output: ReturnType<typeof captureProcessOutput>;

beforeAll(async () => {
  output = captureProcessOutput();
  harness = await startAwsLambdaHarness({
    copies: 3,
    confluentKey: { apiKey: 'CANARYKEY', apiSecret: CANARY_CONFLUENT_SECRET },
    secretValues: { [SEED_SECRETS.ordersDb]: JSON.stringify({ password: CANARY_SEEDED_VALUE }) },
    env: { LOG_LEVEL: 'debug' },
  });
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  sdk = new SecretsManagerClient({ ...local, endpoint: harness.cloud.secretsManager.url });
  dynamo = new DynamoDBClient({ ...local, endpoint: harness.stack.dynamo.endpoint });
});

afterAll(async () => {
  output.restore();
  sdk.destroy();
  dynamo.destroy();
  await harness.close();
});

const restarts = (key: string) => harness.cloud.confluent.control.connector(key).restarts;

describe('one rotation delivered three times at once', () => {
  it('restarts each affected connector exactly once', async () => {
    // Act
    await sdk.send(
      new PutSecretValueCommand({ SecretId: 'prod/orders-db', SecretString: `{"password":"${CANARY_ROTATED_VALUE}"}` }),
    );
    await harness.cloud.secretsManager.control.settled();

    // Assess
    expect(harness.cloud.secretsManager.control.deliveryErrors()).toEqual([]);
    expect(AFFECTED.map(restarts)).toEqual([1, 1, 1]);
    expect(
      harness.stack.eventBridge.control.events().filter((e) => e.detailType === 'Connector Reload Succeeded'),
    ).toHaveLength(3);
    expect(
      output
        .lines()
        .filter((line) => line.message === 'duplicate delivery while another invocation handles this version'),
    ).toHaveLength(2);
  });

  it('still restarts once per connector with idempotency off: the DynamoDB leases alone serialise the copies', async () => {
    // Prepare: a second cold start of the handler, with Powertools idempotency disabled.
    process.env.POWERTOOLS_IDEMPOTENCY_DISABLED = 'true';
    let bare: LambdaHandler | undefined;
    jest.isolateModules(() => {
      bare = loadRotationHandler();
    });
    delete process.env.POWERTOOLS_IDEMPOTENCY_DISABLED;
    harness.setCopies(0);
    const put = await sdk.send(new PutSecretValueCommand({ SecretId: 'prod/orders-db', SecretString: '{"v":3}' }));
    await harness.cloud.secretsManager.control.settled();
    harness.setCopies(3);
    const event = harness.cloud.secretsManager.control.events().find((e) => e.detail.versionId === put.VersionId);
    const handler = bare as LambdaHandler;

    // Act
    const results = (await Promise.all([1, 2, 3].map(() => handler(event, lambdaContext())))) as {
      results: { restarted: number; skipped: number }[];
    }[];

    // Assess: one copy restarted each connector; the other two found it in flight or already covered.
    expect(AFFECTED.map(restarts)).toEqual([2, 2, 2]);
    const summaries = results.flatMap((result) => result.results);
    expect(summaries.reduce((sum, summary) => sum + summary.restarted, 0)).toBe(3);
    expect(summaries.reduce((sum, summary) => sum + summary.skipped, 0)).toBe(3 * 4 - 3);
  });
});

describe('canary secret values', () => {
  it('never appear in logs, EMF, outcome events, DynamoDB items or results', async () => {
    // Prepare: every record in both tables.
    const items = await Promise.all(
      [LOCAL_TABLES.state, LOCAL_TABLES.idempotency].map((table) => dynamo.send(new ScanCommand({ TableName: table }))),
    );
    const result = await harness.deliver(harness.cloud.secretsManager.control.events()[0]);

    // Act
    const sinks = {
      logsAndEmf: output.text(),
      outcomeEvents: harness.stack.eventBridge.control.rawRequests().join('\n'),
      dynamoItems: JSON.stringify(items.map((scan) => scan.Items)),
      result: JSON.stringify(result),
    };

    // Assess: the sinks are not empty, and hold no canary.
    expect(sinks.logsAndEmf).toContain('"_aws"');
    expect(sinks.outcomeEvents).toContain('Connector Reload Succeeded');
    expect(items.every((scan) => (scan.Items ?? []).length > 0)).toBe(true);
    for (const [sink, text] of Object.entries(sinks)) {
      for (const canary of CANARIES) expect({ sink, leaked: text.includes(canary) }).toEqual({ sink, leaked: false });
    }
  });
});
