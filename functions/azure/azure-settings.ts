import { InvalidSettingError, type Settings } from '../../shared/config/settings';
import { type AzureSecretRef, parseSecretRef } from '../../shared/core/secret-ref';
import { registerSensitiveValue } from '../../shared/observability/redaction';

/** What the Function App needs beyond the shared settings: where its state lives and where its API key is. */
export interface AzureSettings {
  readonly stateTable: string;
  /** `https://<account>.table.core.windows.net`, reached with the app's managed identity. */
  readonly tableEndpoint?: string;
  /** A connection string instead (Azurite, local runs): carries an account key, so it is treated as a secret. */
  readonly tableConnectionString?: string;
  readonly credentialsSecret: AzureSecretRef;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the Azure runtime's variables (documented in SETTINGS_DOC beside the shared ones). */
export function loadAzureSettings(settings: Settings, env: Env = process.env): AzureSettings {
  const tableEndpoint = env.AZURE_STATE_TABLE_ENDPOINT?.trim() || undefined;
  const tableConnectionString = env.AZURE_STATE_TABLE_CONNECTION_STRING?.trim() || undefined;
  const problems: string[] = [];
  if (!tableEndpoint && !tableConnectionString) {
    problems.push('AZURE_STATE_TABLE_ENDPOINT: required (or AZURE_STATE_TABLE_CONNECTION_STRING)');
  }
  let credentialsSecret: AzureSecretRef | undefined;
  try {
    const ref = settings.credentialsSecret
      ? parseSecretRef(settings.credentialsSecret, { provider: 'azure' })
      : undefined;
    if (ref?.provider === 'azure') credentialsSecret = ref;
  } catch {
    // Reported below with the other problems.
  }
  if (!credentialsSecret) problems.push('CONFLUENT_CREDENTIALS_SECRET: required, a Key Vault secret URI');
  if (problems.length > 0 || !credentialsSecret) {
    throw new InvalidSettingError(`invalid configuration: ${problems.join('; ')}`);
  }
  registerSensitiveValue(tableConnectionString);
  return {
    stateTable: env.AZURE_STATE_TABLE?.trim() || 'connectorreloaderstate',
    ...(tableEndpoint ? { tableEndpoint } : {}),
    ...(tableConnectionString ? { tableConnectionString } : {}),
    credentialsSecret,
  };
}
