import type { TokenCredential } from '@azure/identity';
import { AwsSecretsManager, secretsManagerClientFactory } from '../shared/providers/aws-secrets-manager';
import { AzureKeyVault, keyVaultClientFactory } from '../shared/providers/azure-key-vault';

/**
 * The secret managers the CLI can read, configured the way each cloud's SDK is: AWS from the standard AWS_*
 * variables (AWS_REGION, a profile, AWS_ENDPOINT_URL_SECRETS_MANAGER for a local endpoint); Azure with
 * DefaultAzureCredential (`az login`, environment, managed identity), which asks for a token only when used.
 */
export function createSecretProviders(env: NodeJS.ProcessEnv, azureCredential: TokenCredential) {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  return {
    aws: new AwsSecretsManager({ clientFactory: secretsManagerClientFactory(), defaultRegion: region }),
    azure: new AzureKeyVault({ clientFactory: keyVaultClientFactory(azureCredential) }),
  };
}
