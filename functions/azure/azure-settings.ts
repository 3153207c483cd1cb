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

function isKeyVaultSecret(value: string): boolean {
  try {
    return parseSecretRef(value, { provider: 'azure' }).provider === 'azure';
  } catch {
    return false;
  }
}

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
    stateTable: env.AZURE_STATE_TABLE?.trim() || 'connectorreloaderstate',
    ...(tableEndpoint ? { tableEndpoint } : {}),
    ...(tableConnectionString ? { tableConnectionString } : {}),
    credentialsSecret,
  };
}

/** Every 5 minutes, in the host's NCRONTAB format (with seconds). */
export const DEFAULT_SWEEP_SCHEDULE = '0 */5 * * * *';
const NCRONTAB = /^\S+( \S+){5}$/;
const TIME_SPAN = /^\d{1,2}:\d{2}:\d{2}$/;

/**
 * The sweep timer's schedule: the app setting `%SWEEP_SCHEDULE%` (resolved by the host, so it changes without a
 * redeploy) when it is set, else the default. Checked here so a typo stops start-up with a clear message.
 */
export function sweepSchedule(env: Env = process.env): string {
  const value = env.SWEEP_SCHEDULE?.trim();
  if (!value) return DEFAULT_SWEEP_SCHEDULE;
  if (!NCRONTAB.test(value) && !TIME_SPAN.test(value)) {
    throw new InvalidSettingError(
      `invalid configuration: SWEEP_SCHEDULE: expected six NCRONTAB fields ({second} {minute} {hour} {day} {month} {day-of-week}, e.g. ${DEFAULT_SWEEP_SCHEDULE}) or hh:mm:ss`,
    );
  }
  return '%SWEEP_SCHEDULE%';
}
