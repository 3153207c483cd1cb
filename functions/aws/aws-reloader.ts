import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { buildReloader, type Reloader } from '#app/build-reloader';
import type { Settings } from '#config/settings';
import { InvalidSettingError } from '#config/settings';
import { parseSecretRef } from '#core/secret-ref';
import { EventBridgeOutcomeSink } from '#notifiers/eventbridge-outcome-sink';
import { OutcomeMetricsSink } from '#observability/outcome-metrics';
import { AwsSecretsManager, secretsManagerClientFactory } from '#providers/aws-secrets-manager';
import { SecretCredentialsProvider } from '#providers/secret-credentials';
import { DynamoDbRateBucketStore } from '#state/dynamodb-rate-bucket-store';
import { DynamoDbStateStore } from '#state/dynamodb-state-store';
import type { AwsSettings } from './aws-settings';
import type { LambdaRuntime } from './lambda-runtime';

/**
 * The reloader with its AWS adapters: Secrets Manager (rotated secrets and the function's own Confluent key), the
 * DynamoDB state store, and the outcome channel's AWS sinks: EventBridge events and EMF metrics (which also count
 * the outcomes a sink did not take), beside the alert webhook. No network at construction: cheap enough for a cold
 * start. The SDK clients take region, credentials and endpoint overrides (AWS_ENDPOINT_URL_*) from the environment.
 */
export function createAwsReloader(
  settings: Settings,
  aws: AwsSettings,
  dynamo: DynamoDBClient,
  runtime: LambdaRuntime,
): Reloader {
  if (!settings.credentialsSecret) {
    throw new InvalidSettingError('invalid configuration: CONFLUENT_CREDENTIALS_SECRET: required on AWS');
  }
  const secrets = new AwsSecretsManager({ clientFactory: secretsManagerClientFactory(), defaultRegion: aws.region });
  const metrics = new OutcomeMetricsSink((points) => runtime.record(points));
  return buildReloader(settings, {
    secrets,
    credentials: new SecretCredentialsProvider(secrets, parseSecretRef(settings.credentialsSecret)),
    state: new DynamoDbStateStore({ client: dynamo, tableName: aws.stateTable }),
    rateBuckets: new DynamoDbRateBucketStore({ client: dynamo, tableName: aws.stateTable }),
    outcomeSinks: [
      new EventBridgeOutcomeSink({ client: new EventBridgeClient({}), eventBusName: aws.eventBusName }),
      metrics,
    ],
    onOutcomeUndelivered: () => metrics.undelivered(),
    logger: runtime.log,
  });
}

export function createDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({});
}
