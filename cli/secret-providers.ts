import { AwsSecretsManager, secretsManagerClientFactory } from '../shared/providers/aws-secrets-manager';

/**
 * The secret managers the CLI can read, configured the way each cloud's SDK is: AWS from the standard AWS_*
 * variables (AWS_REGION, a profile, AWS_ENDPOINT_URL_SECRETS_MANAGER for a local endpoint).
 */
export function createSecretProviders(env: NodeJS.ProcessEnv) {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return { aws: new AwsSecretsManager({ clientFactory: secretsManagerClientFactory(), defaultRegion: region }) };
}
