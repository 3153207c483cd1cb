import { type ConnectorPattern, parseConnectorPattern } from '#core/connector-pattern';
import { parseScope, type Scope } from '#core/connector-ref';
import { type MaintenanceWindow, parseMaintenanceWindow } from '#core/maintenance-windows';
import { InvalidSettingError } from './invalid-setting-error';
import { readSettings, SHARED_SETTINGS } from './read-settings';

export { InvalidSettingError } from './invalid-setting-error';

/**
 * The settings every runtime reads (the Lambda functions, the Function App, the Cloud Run functions, the CLI), read
 * from environment variables once at start and validated. Each variable is defined once, in setting-table.ts;
 * docs/configuration.md is generated from that table.
 */
export interface Settings {
  readonly confluentApiUrl: string;
  /** Where the Cloud API key lives: a secret reference (ARN, name or Key Vault URI) holding `{apiKey, apiSecret}`. */
  readonly credentialsSecret?: string;
  /** A plain key pair, for the CLI and local use only; deployed functions read `credentialsSecret`. */
  readonly plainCredentials?: { readonly apiKey: string; readonly apiSecret: string };
  readonly scopes: readonly Scope[];
  readonly restartMethod: 'auto' | 'restart' | 'pause-resume';
  readonly dryRun: boolean;
  readonly exclusions: readonly ConnectorPattern[];
  readonly targetMappingFile?: string;
  /** TARGET_MAPPING: where the deployed mapping is read from (a secret, an SSM parameter, a bundled file). */
  readonly targetMapping?: string;
  readonly targetMappingTtlMs: number;
  readonly secretTagKey: string;
  readonly configScan: boolean;
  readonly requireProviderIntegration: boolean;
  readonly matchSameCloud: boolean;
  readonly restartConcurrency: number;
  readonly rollout: {
    readonly mode: 'waves' | 'all-at-once';
    readonly threshold: number;
    readonly firstWave: number;
  };
  readonly verify: {
    readonly timeoutMs: number;
    readonly pollIntervalMs: number;
    readonly settleMs: number;
    readonly errorPolls: number;
    readonly unassignedMs: number;
  };
  readonly pauseTimeoutMs: number;
  readonly lockTtlMs: number;
  readonly retentionMs: number;
  /** RESTART_COALESCE_SECONDS (0: off) and its cap (restart-coalescing.ts). */
  readonly coalescing: { readonly windowMs: number; readonly capMs: number };
  readonly recovery: {
    readonly maxAutoRestarts: number;
    readonly budgetRearmMs: number;
    readonly maintenanceWindows: readonly MaintenanceWindow[];
  };
  /** Secret holding the failure webhook's URL token. */
  readonly webhookTokenSecret?: string;
  /** Where alerts go: a secret holding the webhook URL, its payload format, and whether successes are sent too. */
  readonly alerts?: {
    readonly urlSecret: string;
    readonly format: 'generic' | 'slack' | 'teams';
    readonly onSuccess: boolean;
    /** An identical alert for a connector within this long is left out and counted (0: never). */
    readonly repeatWindowMs: number;
  };
  readonly http: {
    readonly timeoutMs: number;
    readonly maxConcurrency: number;
    readonly ratePerSecond: number;
    readonly burst: number;
    readonly maxRetries: number;
    /** Deployed: one rate for the whole fleet, through the state table's token bucket. */
    readonly sharedRateLimit: boolean;
  };
  /** How long connector listings answer for later rotations (0: every rotation lists afresh). */
  readonly connectorIndexTtlMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the settings; the error names every wrong variable and what is wrong with it. */
export function loadSettings(env: Env = process.env): Settings {
  const s = readSettings(SHARED_SETTINGS, env);
  return {
    confluentApiUrl: s.CONFLUENT_API_URL.replace(/\/+$/, ''),
    ...(s.CONFLUENT_CREDENTIALS_SECRET ? { credentialsSecret: s.CONFLUENT_CREDENTIALS_SECRET } : {}),
    ...(s.CONFLUENT_CLOUD_API_KEY && s.CONFLUENT_CLOUD_API_SECRET
      ? { plainCredentials: { apiKey: s.CONFLUENT_CLOUD_API_KEY, apiSecret: s.CONFLUENT_CLOUD_API_SECRET } }
      : {}),
    scopes: parseEach('CONFLUENT_SCOPES', s.CONFLUENT_SCOPES, parseScope),
    restartMethod: s.RESTART_METHOD,
    dryRun: s.DRY_RUN,
    exclusions: parseEach('EXCLUDE_CONNECTORS', s.EXCLUDE_CONNECTORS, parseConnectorPattern),
    ...(s.TARGET_MAPPING_FILE ? { targetMappingFile: s.TARGET_MAPPING_FILE } : {}),
    ...(s.TARGET_MAPPING ? { targetMapping: s.TARGET_MAPPING } : {}),
    targetMappingTtlMs: s.TARGET_MAPPING_TTL_SECONDS * 1000,
    secretTagKey: s.SECRET_TAG_KEY,
    configScan: s.CONFIG_SCAN,
    requireProviderIntegration: s.REQUIRE_PROVIDER_INTEGRATION,
    matchSameCloud: s.MATCH_SAME_CLOUD,
    restartConcurrency: s.RESTART_CONCURRENCY,
    rollout: { mode: s.ROLLOUT, threshold: s.ROLLOUT_THRESHOLD, firstWave: s.ROLLOUT_FIRST_WAVE },
    verify: {
      timeoutMs: s.VERIFY_TIMEOUT_SECONDS * 1000,
      pollIntervalMs: s.VERIFY_POLL_SECONDS * 1000,
      settleMs: s.VERIFY_SETTLE_SECONDS * 1000,
      errorPolls: s.VERIFY_ERROR_POLLS,
      unassignedMs: s.VERIFY_UNASSIGNED_SECONDS * 1000,
    },
    pauseTimeoutMs: s.PAUSE_TIMEOUT_SECONDS * 1000,
    lockTtlMs: s.LOCK_TTL_SECONDS * 1000,
    retentionMs: s.STATE_RETENTION_DAYS * 86_400_000,
    coalescing: { windowMs: s.RESTART_COALESCE_SECONDS * 1000, capMs: s.RESTART_COALESCE_MAX_SECONDS * 1000 },
    http: {
      timeoutMs: s.CONFLUENT_REQUEST_TIMEOUT_SECONDS * 1000,
      maxConcurrency: s.CONFLUENT_MAX_CONCURRENCY,
      ratePerSecond: s.CONFLUENT_RATE_LIMIT_PER_SECOND,
      burst: s.CONFLUENT_RATE_BURST,
      maxRetries: s.CONFLUENT_MAX_RETRIES,
      sharedRateLimit: s.CONFLUENT_SHARED_RATE_LIMIT,
    },
    connectorIndexTtlMs: s.CONNECTOR_INDEX_TTL_SECONDS * 1000,
    recovery: {
      maxAutoRestarts: s.MAX_AUTO_RESTARTS,
      budgetRearmMs: s.RESTART_BUDGET_REARM_HOURS * 3_600_000,
      maintenanceWindows: parseEach('MAINTENANCE_WINDOWS', s.MAINTENANCE_WINDOWS, parseMaintenanceWindow),
    },
    ...(s.WEBHOOK_TOKEN_SECRET ? { webhookTokenSecret: s.WEBHOOK_TOKEN_SECRET } : {}),
    ...(s.ALERT_WEBHOOK_SECRET
      ? {
          alerts: {
            urlSecret: s.ALERT_WEBHOOK_SECRET,
            format: s.ALERT_FORMAT,
            onSuccess: s.ALERT_ON_SUCCESS,
            repeatWindowMs: s.ALERT_REPEAT_WINDOW_HOURS * 3_600_000,
          },
        }
      : {}),
    logLevel: s.LOG_LEVEL,
  };
}

function parseEach<T>(variable: string, values: string[], parse: (value: string) => T): T[] {
  return values.map((value) => {
    try {
      return parse(value);
    } catch (error) {
      throw new InvalidSettingError(`invalid configuration: ${variable}: ${(error as Error).message}`);
    }
  });
}
