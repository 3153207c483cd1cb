import { readSettings, settingsReadBy } from '../../shared/config/read-settings';
import { SETTINGS } from '../../shared/config/setting-table';
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
  /** host.json functionTimeout, as FUNCTION_TIMEOUT_SECONDS: the host does not tell a function its time left. */
  readonly functionTimeoutMs?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

function isKeyVaultSecret(value: string): boolean {
  try {
    return parseSecretRef(value, { provider: 'azure' }).provider === 'azure';
  } catch {
    return false;
  }
}

/**
 * Reads the Azure runtime's rows of the setting table (shared/config/setting-table.ts), checking the start-up rules
 * that need them, then what only holds on Azure: every secret the app reads for itself is a Key Vault secret URI.
 */
export function loadAzureSettings(settings: Settings, env: Env = process.env): AzureSettings {
  const s = readSettings(settingsReadBy('azure'), env);
  const tableEndpoint = s.AZURE_STATE_TABLE_ENDPOINT;
  const tableConnectionString = s.AZURE_STATE_TABLE_CONNECTION_STRING;
  const problems: string[] = [];
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
  // The Function App reads secrets from Key Vault only: a bare name would silently resolve as an AWS secret.
  for (const [variable, value] of [
    ['WEBHOOK_TOKEN_SECRET', settings.webhookTokenSecret],
    ['ALERT_WEBHOOK_SECRET', settings.alerts?.urlSecret],
  ] as const) {
    if (value !== undefined && !isKeyVaultSecret(value)) problems.push(`${variable}: expected a Key Vault secret URI`);
  }
  if (problems.length > 0 || !credentialsSecret) {
    throw new InvalidSettingError(`invalid configuration: ${problems.join('; ')}`);
  }
  registerSensitiveValue(tableConnectionString);
  return {
    stateTable: s.AZURE_STATE_TABLE,
    ...(tableEndpoint ? { tableEndpoint } : {}),
    ...(tableConnectionString ? { tableConnectionString } : {}),
    credentialsSecret,
    ...(s.FUNCTION_TIMEOUT_SECONDS === undefined ? {} : { functionTimeoutMs: s.FUNCTION_TIMEOUT_SECONDS * 1000 }),
  };
}

/** Every 5 minutes, in the host's NCRONTAB format (with seconds). */
export const DEFAULT_SWEEP_SCHEDULE = SETTINGS.SWEEP_SCHEDULE.default;

/**
 * The sweep timer's schedule: the app setting `%SWEEP_SCHEDULE%` (resolved by the host, so it changes without a
 * redeploy) when it is set, else the default. Checked here so a typo stops start-up with a clear message.
 */
export function sweepSchedule(env: Env = process.env): string {
  readSettings(['SWEEP_SCHEDULE'], env);
  return env.SWEEP_SCHEDULE?.trim() ? '%SWEEP_SCHEDULE%' : DEFAULT_SWEEP_SCHEDULE;
}
