import { readSettings, settingsReadBy } from '#config/read-settings';
import { SETTINGS } from '#config/setting-table';
import { InvalidSettingError, type Settings } from '#config/settings';
import { type AzureSecretRef, parseSecretRef } from '#core/secret-ref';
import { registerSensitiveValue } from '#observability/redaction';
import { type HostLimits, hostLimits, limitSource } from './host-limits';

/** What the Function App needs beyond the shared settings: where its state lives and where its API key is. */
export interface AzureSettings {
  readonly stateTable: string;
  /** `https://<account>.table.core.windows.net`, reached with the app's managed identity. */
  readonly tableEndpoint?: string;
  /** A connection string instead (Azurite, local runs): carries an account key, so it is treated as a secret. */
  readonly tableConnectionString?: string;
  readonly credentialsSecret: AzureSecretRef;
  /**
   * Where coalescing rotations are sent back to wait (rotation-queue.ts): the app's own queue service URL, reached
   * with the managed identity, or a connection string (Azurite), which carries an account key. One of them is
   * required while RESTART_COALESCE_SECONDS is on (shared/config/startup-rules.ts).
   */
  readonly queueEndpoint?: string;
  readonly queueConnectionString?: string;
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
  const queueEndpoint = s.AZURE_QUEUE_ENDPOINT;
  const queueConnectionString = s.AZURE_QUEUE_CONNECTION_STRING;
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
  problems.push(...rotationFitProblems(settings, hostLimits(env), env));
  if (problems.length > 0 || !credentialsSecret) {
    throw new InvalidSettingError(`invalid configuration: ${problems.join('; ')}`);
  }
  registerSensitiveValue(tableConnectionString);
  registerSensitiveValue(queueConnectionString);
  return {
    stateTable: s.AZURE_STATE_TABLE,
    ...(tableEndpoint ? { tableEndpoint } : {}),
    ...(tableConnectionString ? { tableConnectionString } : {}),
    ...(queueEndpoint ? { queueEndpoint } : {}),
    ...(queueConnectionString ? { queueConnectionString } : {}),
    credentialsSecret,
    ...(s.FUNCTION_TIMEOUT_SECONDS === undefined ? {} : { functionTimeoutMs: s.FUNCTION_TIMEOUT_SECONDS * 1000 }),
  };
}

/** Listings, Key Vault, the state table and one Confluent request's own retries, beside restart and verification. */
const ROTATION_OVERHEAD_SECONDS = 60;

/**
 * The longest one queued rotation may take: restart (with pause-resume, waiting for PAUSED), verification, and the
 * restart request's retries (each up to the request timeout), plus a fixed allowance for everything else.
 */
export function rotationWorkSeconds(settings: Settings): number {
  const pause = settings.restartMethod === 'restart' ? 0 : settings.pauseTimeoutMs / 1000;
  const restartRequest = (settings.http.maxRetries + 1) * (settings.http.timeoutMs / 1000);
  return settings.verify.timeoutMs / 1000 + pause + restartRequest + ROTATION_OVERHEAD_SECONDS;
}

/**
 * Settings the host cannot honour, refused at start-up instead of found out by a killed invocation: the rotation
 * must fit the function timeout, and a failed rotation's retries (the queue's delay between tries) must outlast the
 * longest lock another invocation can hold on its connectors (LOCK_TTL_SECONDS), or they run out while it waits.
 */
export function rotationFitProblems(settings: Settings, limits: HostLimits, env: Env = process.env): string[] {
  const problems: string[] = [];
  const timeoutSource = limitSource('functionTimeout', env);
  if (!Number.isFinite(limits.functionTimeoutSeconds) || limits.functionTimeoutSeconds <= 0) {
    problems.push(`${timeoutSource}: expected a duration hh:mm:ss`);
  } else {
    const work = rotationWorkSeconds(settings);
    if (work > limits.functionTimeoutSeconds) {
      const pause =
        settings.restartMethod === 'restart' ? '' : ` + PAUSE_TIMEOUT_SECONDS (${settings.pauseTimeoutMs / 1000})`;
      problems.push(
        `VERIFY_TIMEOUT_SECONDS (${settings.verify.timeoutMs / 1000})${pause} + the restart request's retries ` +
          `(CONFLUENT_MAX_RETRIES + 1) × CONFLUENT_REQUEST_TIMEOUT_SECONDS + ${ROTATION_OVERHEAD_SECONDS} s = ${work} s ` +
          `does not fit the function timeout (${timeoutSource}: ${limits.functionTimeoutSeconds} s); lower them or raise ` +
          'AzureFunctionsJobHost__functionTimeout',
      );
    }
  }
  const dequeueSource = limitSource('maxDequeueCount', env);
  const delaySource = limitSource('visibilityTimeout', env);
  if (!Number.isInteger(limits.maxDequeueCount) || limits.maxDequeueCount < 1) {
    problems.push(`${dequeueSource}: expected a whole number above 0`);
  } else if (!Number.isFinite(limits.queueRetryDelaySeconds)) {
    problems.push(`${delaySource}: expected a duration hh:mm:ss`);
  } else {
    const window = (limits.maxDequeueCount - 1) * limits.queueRetryDelaySeconds;
    const lockTtl = settings.lockTtlMs / 1000;
    if (window < lockTtl) {
      problems.push(
        `LOCK_TTL_SECONDS (${lockTtl}) outlasts the queue's retries: (${dequeueSource} ${limits.maxDequeueCount} - 1) × ` +
          `${delaySource} ${limits.queueRetryDelaySeconds} s = ${window} s; raise the retry delay or the dequeue count`,
      );
    }
  }
  return problems;
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
