import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Baseline: a Lambda handler that only imports and constructs the AWS SDK clients onSecretRotated needs. */
const clients = [new SecretsManagerClient({}), new DynamoDBClient({}), new EventBridgeClient({})];

export const handler = async (): Promise<{ clients: number }> => ({ clients: clients.length });
