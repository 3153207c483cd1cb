import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { RecoverySummary } from '#app/recovery-summary';
import { LOCAL_TABLES } from '#local/aws-lambda-stack';
import { lambdaContext, loadRecoveryHandlers } from '#local/lambda-invoker';
import { DynamoDbStateStore } from '#state/dynamodb-state-store';
import { captureProcessOutput, startAwsLambdaHarness } from '#test-helpers/aws-lambda-harness';
import { type DeliveredOutcome, describeCliOnDeployedState } from './support/deployed-state-scenarios';

/**
 * The CLI and the AWS functions on one DynamoDB state table (dynalite): the real onSecretRotated and
 * sweepFailedConnectors handlers, the Confluent emulator, the local Secrets Manager; canaries for the values.
 */
const API_SECRET_CANARY = 'CANARY-aws-cli-api-secret-3c9e1f';
const DB_PASSWORD_CANARY = 'CANARY-aws-cli-db-password-7b2d5a';
const SCHEDULED = JSON.parse(readFileSync(path.join(__dirname, '../../events/aws/sweep-schedule.json'), 'utf8'));

let output: ReturnType<typeof captureProcessOutput>;
let close = async () => {};

afterAll(async () => {
  output?.restore();
  await close();
});

describeCliOnDeployedState('AWS: DynamoDB on dynalite', async () => {
  output = captureProcessOutput();
  // The rotation function gets each label event only when a scenario delivers it.
  const harness = await startAwsLambdaHarness({
    copies: 0,
    provisioningMs: 200,
    confluentKey: { apiKey: 'cli-aws-key', apiSecret: API_SECRET_CANARY },
    env: { CONFLUENT_MAX_RETRIES: '1' },
  });
  const recovery = loadRecoveryHandlers();
  const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const secrets = new SecretsManagerClient({ ...local, endpoint: harness.cloud.secretsManager.url });
  const dynamo = new DynamoDBClient({ ...local, endpoint: harness.stack.dynamo.endpoint });
  close = async () => {
    secrets.destroy();
    dynamo.destroy();
    await harness.close();
  };
  return {
    confluent: harness.cloud.confluent.control,
    store: new DynamoDbStateStore({ client: dynamo, tableName: LOCAL_TABLES.state }),
    cliSecret: 'prod/orders-db',
    secretKey: 'aws:us-east-1:123456789012:prod/orders-db',
    dependents: [
      'env-prod01/lkc-orders1/orders-cdc',
      'env-prod01/lkc-orders1/orders-outbox',
      'env-prod01/lkc-pay01/payments-ledger-cdc',
    ],
    paused: 'env-prod01/lkc-orders1/orders-archive-s3',
    async rotate() {
      const put = await secrets.send(
        new PutSecretValueCommand({ SecretId: 'prod/orders-db', SecretString: `{"password":"${DB_PASSWORD_CANARY}"}` }),
      );
      await harness.cloud.secretsManager.control.settled();
      const event = harness.cloud.secretsManager.control
        .events()
        .filter((e) => e.detail.labelUpdated === 'AWSCURRENT')
        .at(-1);
      return { version: put.VersionId ?? '', event };
    },
    async deliverRotation(rotation) {
      const published = harness.stack.eventBridge.control.events().length;
      await harness.deliver(rotation.event);
      return harness.stack.eventBridge.control
        .events()
        .slice(published)
        .map(
          (event): DeliveredOutcome => ({
            connector: event.detail.connector as string,
            result: event.detail.result as string,
            ...(event.detail.reason ? { reason: event.detail.reason as string } : {}),
            ...(event.detail.detail ? { detail: event.detail.detail as string } : {}),
          }),
        );
    },
    async sweep() {
      const summary = (await recovery.sweepFailedConnectors(SCHEDULED, lambdaContext())) as RecoverySummary;
      return summary.outcomes.map((outcome) => ({ ...outcome }));
    },
    everythingPrinted: () => output.text(),
    canaries: [API_SECRET_CANARY, DB_PASSWORD_CANARY],
  };
});
