import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { buildReloader, type Reloader } from '../../shared/app/build-reloader';
import type { Settings } from '../../shared/config/settings';
import { InvalidSettingError } from '../../shared/config/settings';
import type { Logger } from '../../shared/core/ports';
import { parseSecretRef } from '../../shared/core/secret-ref';
import { EventBridgeNotifier } from '../../shared/notifiers/eventbridge-notifier';
import { AwsSecretsManager, secretsManagerClientFactory } from '../../shared/providers/aws-secrets-manager';
import { SecretCredentialsProvider } from '../../shared/providers/secret-credentials';
import { DynamoDbStateStore } from '../../shared/state/dynamodb-state-store';
import type { AwsSettings } from './aws-settings';

/**
 * The reloader with its AWS adapters: Secrets Manager (rotated secrets and the function's own Confluent key), the
 * DynamoDB state store, outcomes to EventBridge. No network at construction: cheap enough for a cold start. The
 * SDK clients take region, credentials and endpoint overrides (AWS_ENDPOINT_URL_*) from the environment.
 */
export function createAwsReloader(
  settings: Settings,
  aws: AwsSettings,
  dynamo: DynamoDBClient,
  logger: Logger,
): Reloader {
  if (!settings.credentialsSecret) {
    throw new InvalidSettingError('invalid configuration: CONFLUENT_CREDENTIALS_SECRET: required on AWS');
  }
  const secrets = new AwsSecretsManager({ clientFactory: secretsManagerClientFactory(), defaultRegion: aws.region });
  const eventBridge = new EventBridgeNotifier({ client: new EventBridgeClient({}), eventBusName: aws.eventBusName });
  return buildReloader(settings, {
    secrets,
    credentials: new SecretCredentialsProvider(secrets, parseSecretRef(settings.credentialsSecret)),
    state: new DynamoDbStateStore({ client: dynamo, tableName: aws.stateTable }),
    notifier: eventBridge,
    // Rotations keep the notifier path above (a failed publish is flagged on the report and counted as
    // OutcomeNotificationsFailed); recoveries and expiry warnings reach the bus through this sink.
    outcomeSinks: [
      {
        name: eventBridge.name,
        deliver: async (outcome) => {
          if (outcome.kind !== 'rotation') await eventBridge.deliver(outcome);
        },
      },
    ],
    logger,
  });
}

export function createDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({});
}
