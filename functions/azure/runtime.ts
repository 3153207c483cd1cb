import { DefaultAzureCredential } from '@azure/identity';
import { buildReloader, type Reloader } from '../../shared/app/build-reloader';
import { loadSettings, type Settings } from '../../shared/config/settings';
import type { Logger } from '../../shared/core/ports';
import { AzureKeyVault, keyVaultClientFactory } from '../../shared/providers/azure-key-vault';
import { SecretCredentialsProvider } from '../../shared/providers/secret-credentials';
import { azureStateTableClient } from '../../shared/state/azure-state-table-client';
import { AzureTableRateBucketStore } from '../../shared/state/azure-table-rate-bucket-store';
import { AzureTableStateStore } from '../../shared/state/azure-table-state-store';
import { type AzureSettings, loadAzureSettings } from './azure-settings';
import { invocationLogger } from './invocation-logger';

export interface AzureRuntime {
  readonly settings: Settings;
  readonly azure: AzureSettings;
  readonly reloader: Reloader;
  readonly logger: Logger;
}

/**
 * The Function App's wiring, in one place: settings, Key Vault (the rotated secrets and the app's own Confluent
 * key) and Table state, all reached with DefaultAzureCredential (the system-assigned managed identity in Azure).
 */
export function createAzureRuntime(env: NodeJS.ProcessEnv): AzureRuntime {
  const settings = loadSettings(env);
  const azure = loadAzureSettings(settings, env);
  const logger = invocationLogger(settings.logLevel);
  const credential = new DefaultAzureCredential();
  const keyVault = new AzureKeyVault({ clientFactory: keyVaultClientFactory(credential) });
  const table = azureStateTableClient(
    {
      tableName: azure.stateTable,
      ...(azure.tableEndpoint ? { endpoint: azure.tableEndpoint } : {}),
      ...(azure.tableConnectionString ? { connectionString: azure.tableConnectionString } : {}),
    },
    credential,
  );
  const reloader = buildReloader(settings, {
    secrets: keyVault,
    // The alert webhook URL and the failure webhook token live in Key Vault too.
    secretValues: keyVault,
    credentials: new SecretCredentialsProvider(keyVault, azure.credentialsSecret),
    state: new AzureTableStateStore(table),
    rateBuckets: new AzureTableRateBucketStore(table),
    logger,
  });
  return { settings, azure, reloader, logger };
}

/** Built once per instance at module load (cold start): settings fail fast, no network until an event comes. */
export const runtime: AzureRuntime = createAzureRuntime(process.env);
