import { DefaultAzureCredential } from '@azure/identity';
import { buildReloader, type Reloader } from '#app/build-reloader';
import { loadSettings, type Settings } from '#config/settings';
import type { Logger } from '#core/ports';
import { AzureKeyVault, keyVaultClientFactory } from '#providers/azure-key-vault';
import { SecretCredentialsProvider } from '#providers/secret-credentials';
import { azureStateTableClient } from '#state/azure-state-table-client';
import { AzureTableRateBucketStore } from '#state/azure-table-rate-bucket-store';
import { AzureTableStateStore } from '#state/azure-table-state-store';
import { type AzureSettings, loadAzureSettings } from './azure-settings';
import { invocationLogger } from './invocation-logger';
import { ROTATION_QUEUE, RotationDeferrals, type RotationQueueSender } from './rotation-queue';

export interface AzureRuntime {
  readonly settings: Settings;
  readonly azure: AzureSettings;
  readonly reloader: Reloader;
  readonly logger: Logger;
  /** Where coalescing rotations wait for their due time (rotation-queue.ts); absent while coalescing is off. */
  readonly deferrals?: RotationDeferrals;
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
  const deferrals =
    settings.coalescing.windowMs > 0 ? new RotationDeferrals(() => rotationQueueClient(azure, credential)) : undefined;
  return { settings, azure, reloader, logger, ...(deferrals ? { deferrals } : {}) };
}

/**
 * The SDK's own bundle (storage-queue-sdk.ts), named in a variable so esbuild leaves the require to run time: it
 * resolves beside the entry in dist/azure, and to the source file under ts-jest and tsx.
 */
const STORAGE_QUEUE_SDK = './storage-queue-sdk';

/**
 * The rotation queue in the app's storage account, with the managed identity (AZURE_QUEUE_ENDPOINT) or a connection
 * string (AZURE_QUEUE_CONNECTION_STRING, Azurite). Loaded at the first deferral, so a cold start never pays for it.
 */
function rotationQueueClient(azure: AzureSettings, credential: DefaultAzureCredential): RotationQueueSender {
  const { QueueServiceClient } = require(STORAGE_QUEUE_SDK) as typeof import('./storage-queue-sdk');
  const service = azure.queueConnectionString
    ? QueueServiceClient.fromConnectionString(azure.queueConnectionString)
    : new QueueServiceClient(azure.queueEndpoint ?? '', credential);
  return service.getQueueClient(ROTATION_QUEUE);
}

/** Built once per instance at module load (cold start): settings fail fast, no network until an event comes. */
export const runtime: AzureRuntime = createAzureRuntime(process.env);
