import type { TokenCredential } from '@azure/identity';
import { readSettings } from '#config/read-settings';
import type { SecretSource } from '#core/ports';
import { AwsSecretsManager, secretsManagerClientFactory } from '#providers/aws-secrets-manager';
import { AzureKeyVault, keyVaultClientFactory } from '#providers/azure-key-vault';
import type { GcpSecretManager } from '#providers/gcp-secret-manager';
import type { SecretValueReader } from '#providers/secret-credentials';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The secret managers the CLI can read, configured the way each cloud's SDK is: AWS from the standard AWS_*
 * variables (AWS_REGION, a profile, AWS_ENDPOINT_URL_SECRETS_MANAGER for a local endpoint); Azure with
 * DefaultAzureCredential (`az login`, environment, managed identity), which asks for a token only when used; Google
 * Cloud with Application Default Credentials (`gcloud auth application-default login`), or the local Secret Manager
 * that GCP_SECRET_MANAGER_ENDPOINT names, as the functions read it.
 */
export function createSecretProviders(env: Env, azureCredential: TokenCredential) {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const { GCP_SECRET_MANAGER_ENDPOINT: gcpEndpoint } = readSettings(['GCP_SECRET_MANAGER_ENDPOINT'], env);
  return {
    aws: new AwsSecretsManager({ clientFactory: secretsManagerClientFactory(), defaultRegion: region }),
    azure: new AzureKeyVault({ clientFactory: keyVaultClientFactory(azureCredential) }),
    gcp: onFirstUse(() => {
      const gcp = require('#providers/gcp-secret-manager') as typeof import('#providers/gcp-secret-manager');
      return new gcp.GcpSecretManager(gcp.secretManagerClient(gcpEndpoint));
    }),
  };
}

/**
 * Secret Manager's client brings google-gax, about half a second to load: built at the first call, so only a
 * command about a Google Cloud secret pays for it.
 */
function onFirstUse(build: () => GcpSecretManager): SecretSource & SecretValueReader {
  let manager: GcpSecretManager | undefined;
  const get = () => {
    manager ??= build();
    return manager;
  };
  return {
    describe: (secret) => get().describe(secret),
    readSecretValue: (secret) => get().readSecretValue(secret),
  };
}
