import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EXIT, main } from '#cli/main';
import { type AwsLambdaStack, LOCAL_TABLES, startAwsLambdaStack } from '#local/aws-lambda-stack';
import { lambdaContext, loadRecoveryHandlers } from '#local/lambda-invoker';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { DynamoDbStateStore } from '#state/dynamodb-state-store';
import { type AlertReceiver, startAlertReceiver } from '#test-helpers/alert-receiver';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';
import { capturedOutput } from '#test-helpers/captured-output';

/**
 * Canary: a connector whose Confluent trace quotes the database password the way real traces do (a JDBC URL, a JAAS
 * line, a URL with user info, the credential base64-encoded). The reloader never read that password, so no
 * registered-value redaction can catch it: only the trace hygiene can. The sweep meets the connector with its
 * restart budget just spent (its one automatic restart is on record), so the trace travels into the budget-exhausted
 * outcome: the Lambda's logs, the outcome event, the alert webhook, the handler's result; then the CLI prints the
 * connector's status.
 */
const CANARY = 'canary-Tr4ce!db-pass-7c1e9a2b';
const ENCODED = Buffer.from(`orders:${CANARY}`, 'utf8').toString('base64');
const DIRTY_TRACE = [
  'org.apache.kafka.connect.errors.ConnectException: org.postgresql.util.PSQLException: FATAL: password authentication failed',
  `  url: jdbc:postgresql://orders-db.internal:5432/orders?user=orders&password=${CANARY}&sslmode=require`,
  `  sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="orders" password="${CANARY}";`,
  `  fallback: postgres://orders:${CANARY}@orders-db-replica.internal:5432/orders`,
  `  Authorization: Basic ${ENCODED}`,
  `  cached credential ${ENCODED}`,
].join('\n');
const CONNECTOR = 'env-prod01/lkc-orders1/orders-datagen';
const SWEEP = path.join(__dirname, '../../events/aws/sweep-schedule.json');

let cloud: LocalCloud;
let stack: AwsLambdaStack;
let alerts: AlertReceiver;
let output: ReturnType<typeof captureProcessOutput>;

beforeAll(async () => {
  alerts = await startAlertReceiver();
  cloud = await startLocalCloud({ provisioningMs: 100 });
  stack = await startAwsLambdaStack({ secretsManager: cloud.secretsManager });
  const alertSecret = cloud.secretsManager.control.seed('connector-reloader/alert-url', alerts.url('/hooks/ops'));
  Object.assign(process.env, cloud.env, stack.env, {
    ALERT_WEBHOOK_SECRET: alertSecret,
    MAX_AUTO_RESTARTS: '1',
    LOG_LEVEL: 'debug',
    NO_COLOR: '1',
  });
});

afterAll(async () => {
  output?.restore();
  await stack?.close();
  await cloud?.close();
  await alerts?.close();
});

function leaks(text: string): string[] {
  return [CANARY, ENCODED].filter((canary) => text.includes(canary));
}

describe('trace hygiene: a Confluent trace that quotes a credential', () => {
  it('never reaches the logs, the outcome event, the alert or the handler result', async () => {
    // Prepare
    expect(ENCODED.length).toBeGreaterThanOrEqual(40);
    cloud.confluent.control.failConnector(CONNECTOR, DIRTY_TRACE);
    const dynamo = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: stack.dynamo.endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const store = new DynamoDbStateStore({ client: dynamo, tableName: LOCAL_TABLES.state });
    await store.write(
      { connectorKey: CONNECTOR, failureRestarts: { count: 1, lastRestartAt: Date.now() - 60_000 } },
      null,
    );
    dynamo.destroy();
    const { sweepFailedConnectors } = loadRecoveryHandlers();
    output = captureProcessOutput();

    // Act
    const result = await sweepFailedConnectors(JSON.parse(readFileSync(SWEEP, 'utf8')), lambdaContext());
    output.restore();

    // Assess: the trace did travel (so its absence is not a dropped field), scrubbed.
    const events = JSON.stringify(stack.eventBridge.control.events());
    const alertText = alerts.alerts.map((alert) => alert.text).join('\n');
    expect(events).toContain('PSQLException');
    expect(alertText).toContain('PSQLException');
    expect(events).toContain('password=[REDACTED]');
    expect(alertText).toContain('postgres://orders:[REDACTED]@orders-db-replica');
    expect(leaks(output.text())).toEqual([]);
    expect(leaks(events)).toEqual([]);
    expect(leaks(alertText)).toEqual([]);
    expect(leaks(JSON.stringify(result))).toEqual([]);
  });

  it('never reaches the CLI, in tables or JSON', async () => {
    // Prepare
    const json = capturedOutput();
    const table = capturedOutput();

    // Act
    const codes = [await main(['status', '--json'], json.output), await main(['status'], table.output)];

    // Assess
    expect(codes).toEqual([EXIT.ok, EXIT.ok]);
    const row = json.chunks.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .find((entry) => entry.connector === CONNECTOR);
    expect(row.trace).toContain('sasl.jaas.config=[REDACTED]');
    expect(leaks(json.chunks.out + json.chunks.err + table.chunks.out + table.chunks.err)).toEqual([]);
  });
});
