import * as z from 'zod/mini';
import { type ConnectorPattern, parseConnectorPattern } from '../core/connector-pattern';
import { parseScope, type Scope } from '../core/connector-ref';
import { type MaintenanceWindow, parseMaintenanceWindow } from '../core/maintenance-windows';
import { DEFAULT_CONNECTORS_TAG } from '../core/secret-tags';
import { issueText } from '../validation/issue-text';

/**
 * Every setting, read from environment variables once at start and validated. The README's configuration table
 * mirrors `SETTINGS_DOC` below; a test keeps the two in step.
 */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
}

// zod/mini, not full zod: the same checks at a few percent of the bundle size (cold start, issue 7).
const bool = z.pipe(
  z.enum(['true', 'false', '1', '0', 'yes', 'no'], 'expected true or false'),
  z.transform((v) => v === 'true' || v === '1' || v === 'yes'),
);
const number = (message: string) => z.coerce.number(message);
const whole = (message: string) =>
  number('expected a number').check(z.int('expected a whole number'), z.gte(0, message));
const positiveInt = number('expected a number').check(
  z.int('expected a whole number'),
  z.positive('expected a number above 0'),
);
const seconds = number('expected a number of seconds').check(z.nonnegative('expected 0 or more seconds'));
const text = z.string().check(z.trim(), z.minLength(1, 'expected a non-empty value'));
const split = (separator: string) =>
  z.pipe(
    z.string(),
    z.transform((v) =>
      v
        .split(separator)
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    ),
  );
const list = split(',');
const withDefault = <T extends z.ZodMiniType>(schema: T, value: z.output<T>) => z._default(schema, value as never);

const Schema = z.object({
  CONFLUENT_API_URL: withDefault(z.url('expected an http(s) URL'), 'https://api.confluent.cloud'),
  CONFLUENT_CREDENTIALS_SECRET: z.optional(text),
  CONFLUENT_CLOUD_API_KEY: z.optional(text),
  CONFLUENT_CLOUD_API_SECRET: z.optional(text),
  CONFLUENT_SCOPES: withDefault(list, []),
  RESTART_METHOD: withDefault(
    z.enum(['auto', 'restart', 'pause-resume'], 'expected auto, restart or pause-resume'),
    'auto',
  ),
  DRY_RUN: withDefault(bool, false),
  EXCLUDE_CONNECTORS: withDefault(list, []),
  TARGET_MAPPING_FILE: z.optional(text),
  SECRET_TAG_KEY: withDefault(text, DEFAULT_CONNECTORS_TAG),
  CONFIG_SCAN: withDefault(bool, true),
  MATCH_SAME_CLOUD: withDefault(bool, true),
  RESTART_CONCURRENCY: withDefault(positiveInt, 25),
  VERIFY_TIMEOUT_SECONDS: withDefault(seconds, 600),
  VERIFY_POLL_SECONDS: withDefault(seconds, 10),
  VERIFY_SETTLE_SECONDS: withDefault(seconds, 30),
  PAUSE_TIMEOUT_SECONDS: withDefault(seconds, 120),
  LOCK_TTL_SECONDS: withDefault(positiveInt, 900),
  STATE_RETENTION_DAYS: withDefault(positiveInt, 30),
  CONFLUENT_REQUEST_TIMEOUT_SECONDS: withDefault(seconds, 10),
  CONFLUENT_MAX_CONCURRENCY: withDefault(positiveInt, 25),
  CONFLUENT_RATE_LIMIT_PER_SECOND: withDefault(positiveInt, 20),
  CONFLUENT_RATE_BURST: withDefault(positiveInt, 50),
  CONNECTOR_INDEX_TTL_SECONDS: withDefault(seconds, 60),
  CONFLUENT_MAX_RETRIES: withDefault(whole('expected 0 or more'), 5),
  MAX_AUTO_RESTARTS: withDefault(whole('expected 0 or more'), 7),
  RESTART_BUDGET_REARM_HOURS: withDefault(whole('expected 0 or more'), 24),
  MAINTENANCE_WINDOWS: withDefault(split(';'), []),
  WEBHOOK_TOKEN_SECRET: z.optional(text),
  ALERT_WEBHOOK_SECRET: z.optional(text),
  ALERT_FORMAT: withDefault(z.enum(['generic', 'slack', 'teams'], 'expected generic, slack or teams'), 'generic'),
  ALERT_ON_SUCCESS: withDefault(bool, false),
  LOG_LEVEL: withDefault(z.enum(['debug', 'info', 'warn', 'error'], 'expected debug, info, warn or error'), 'info'),
});

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
  readonly secretTagKey: string;
  readonly configScan: boolean;
  readonly matchSameCloud: boolean;
  readonly restartConcurrency: number;
  readonly verify: { readonly timeoutMs: number; readonly pollIntervalMs: number; readonly settleMs: number };
  readonly pauseTimeoutMs: number;
  readonly lockTtlMs: number;
  readonly retentionMs: number;
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
  };
  readonly http: {
    readonly timeoutMs: number;
    readonly maxConcurrency: number;
    readonly ratePerSecond: number;
    readonly burst: number;
    readonly maxRetries: number;
  };
  /** How long connector listings answer for later rotations (0: every rotation lists afresh). */
  readonly connectorIndexTtlMs: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads and validates the settings; the error names every wrong variable and what is wrong with it. */
export function loadSettings(env: Env = process.env): Settings {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = Schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issueText(issue)}`);
    throw new InvalidSettingError(`invalid configuration: ${problems.join('; ')}`);
  }
  const s = parsed.data;
  if ((s.CONFLUENT_CLOUD_API_KEY === undefined) !== (s.CONFLUENT_CLOUD_API_SECRET === undefined)) {
    throw new InvalidSettingError(
      'invalid configuration: CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET go together',
    );
  }
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
    secretTagKey: s.SECRET_TAG_KEY,
    configScan: s.CONFIG_SCAN,
    matchSameCloud: s.MATCH_SAME_CLOUD,
    restartConcurrency: s.RESTART_CONCURRENCY,
    verify: {
      timeoutMs: s.VERIFY_TIMEOUT_SECONDS * 1000,
      pollIntervalMs: s.VERIFY_POLL_SECONDS * 1000,
      settleMs: s.VERIFY_SETTLE_SECONDS * 1000,
    },
    pauseTimeoutMs: s.PAUSE_TIMEOUT_SECONDS * 1000,
    lockTtlMs: s.LOCK_TTL_SECONDS * 1000,
    retentionMs: s.STATE_RETENTION_DAYS * 86_400_000,
    http: {
      timeoutMs: s.CONFLUENT_REQUEST_TIMEOUT_SECONDS * 1000,
      maxConcurrency: s.CONFLUENT_MAX_CONCURRENCY,
      ratePerSecond: s.CONFLUENT_RATE_LIMIT_PER_SECOND,
      burst: s.CONFLUENT_RATE_BURST,
      maxRetries: s.CONFLUENT_MAX_RETRIES,
    },
    connectorIndexTtlMs: s.CONNECTOR_INDEX_TTL_SECONDS * 1000,
    recovery: {
      maxAutoRestarts: s.MAX_AUTO_RESTARTS,
      budgetRearmMs: s.RESTART_BUDGET_REARM_HOURS * 3_600_000,
      maintenanceWindows: parseEach('MAINTENANCE_WINDOWS', s.MAINTENANCE_WINDOWS, parseMaintenanceWindow),
    },
    ...(s.WEBHOOK_TOKEN_SECRET ? { webhookTokenSecret: s.WEBHOOK_TOKEN_SECRET } : {}),
    ...(s.ALERT_WEBHOOK_SECRET
      ? { alerts: { urlSecret: s.ALERT_WEBHOOK_SECRET, format: s.ALERT_FORMAT, onSuccess: s.ALERT_ON_SUCCESS } }
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

/** One line per variable, in the README's configuration table order: name, default, meaning. */
export const SETTINGS_DOC: readonly (readonly [string, string, string])[] = [
  ['CONFLUENT_API_URL', 'https://api.confluent.cloud', 'Base URL of the Confluent Cloud APIs.'],
  [
    'CONFLUENT_CREDENTIALS_SECRET',
    '(none)',
    'Secret (ARN, name or Key Vault URI) holding the Cloud API key as JSON `{"apiKey","apiSecret"}`. Required when deployed.',
  ],
  [
    'CONFLUENT_CLOUD_API_KEY',
    '(none)',
    'Cloud API key for the CLI and local use; deployed functions use CONFLUENT_CREDENTIALS_SECRET.',
  ],
  ['CONFLUENT_CLOUD_API_SECRET', '(none)', 'Its secret; goes with CONFLUENT_CLOUD_API_KEY. Never logged.'],
  [
    'CONFLUENT_SCOPES',
    '(all environments)',
    'Comma-separated `env-id` or `env-id/lkc-id` (optionally `@aws`, `@azure`, `@gcp`) to scan; empty discovers every environment. Named clusters need no discovery call.',
  ],
  [
    'RESTART_METHOD',
    'auto',
    '`restart` (Preview endpoint), `pause-resume` (GA), or `auto`: restart, falling back to pause→resume when the endpoint is unavailable.',
  ],
  ['DRY_RUN', 'false', 'Plan and report without calling any mutating API.'],
  ['EXCLUDE_CONNECTORS', '(none)', 'Comma-separated `env/lkc/name` patterns (`*` wildcards) never to restart.'],
  [
    'TARGET_MAPPING_FILE',
    '(none)',
    'JSON file mapping secrets to connectors: `{"secrets":{"<secret>":["env/lkc/name"]}}`.',
  ],
  [
    'SECRET_TAG_KEY',
    'confluent-connectors',
    'Tag on a secret listing its connectors (`env/lkc/name,…`; continue in `<key>-2`, `<key>-3`).',
  ],
  ['CONFIG_SCAN', 'true', 'Scan connector configs in scope for values that reference the rotated secret.'],
  ['MATCH_SAME_CLOUD', 'true', 'Only match a secret to clusters on the same cloud as the secret.'],
  [
    'RESTART_CONCURRENCY',
    '25',
    'Restart requests in flight at once; verification polls run for all restarted connectors together, paced by the shared HTTP limits.',
  ],
  ['VERIFY_TIMEOUT_SECONDS', '600', 'How long to wait for RUNNING after a restart.'],
  ['VERIFY_POLL_SECONDS', '10', 'Interval between status polls while verifying.'],
  [
    'VERIFY_SETTLE_SECONDS',
    '30',
    'A RUNNING/FAILED reading counts only after a transitional state or this long after the restart.',
  ],
  ['PAUSE_TIMEOUT_SECONDS', '120', 'pause-resume: how long to wait for PAUSED before resuming.'],
  ['LOCK_TTL_SECONDS', '900', 'Per-connector in-flight lock lifetime (covers restart plus verification).'],
  ['STATE_RETENTION_DAYS', '30', 'How long per-connector records are kept (state-store TTL).'],
  ['CONFLUENT_REQUEST_TIMEOUT_SECONDS', '10', 'Timeout of one HTTP request to Confluent Cloud.'],
  [
    'CONFLUENT_MAX_CONCURRENCY',
    '25',
    'Requests to Confluent Cloud in flight at once (shared by all work in a process).',
  ],
  ['CONFLUENT_RATE_LIMIT_PER_SECOND', '20', 'Requests per second to Confluent Cloud (shared), sustained.'],
  [
    'CONFLUENT_RATE_BURST',
    '50',
    'Requests that may start back to back after a quiet spell before the sustained rate applies (token bucket size); a 429 pauses every request anyway.',
  ],
  ['CONFLUENT_MAX_RETRIES', '5', 'Retries on 429, 5xx and network errors (capped exponential backoff, full jitter).'],
  [
    'CONNECTOR_INDEX_TTL_SECONDS',
    '60',
    'Reuse cluster and connector listings across rotations this long (0: off); clusters of connectors to restart are re-read.',
  ],
  [
    'MAX_AUTO_RESTARTS',
    '7',
    'Automatic restarts of a failing connector before it is left alone and an alert goes out (backoff min(n²+n, 60) min between them).',
  ],
  [
    'RESTART_BUDGET_REARM_HOURS',
    '24',
    'Hours after which a spent restart budget starts over (another bounded round and alert for a connector still broken); 0 = only once it is seen healthy.',
  ],
  [
    'MAINTENANCE_WINDOWS',
    '(none)',
    '`;`-separated deny windows `<cron UTC>\\|<minutes>`, e.g. `0 2 * * SAT\\|180`; automatic restarts inside are deferred to the end.',
  ],
  [
    'WEBHOOK_TOKEN_SECRET',
    '(none)',
    'Secret holding the token that must appear in the failure webhook URL (path or `?token=`).',
  ],
  [
    'ALERT_WEBHOOK_SECRET',
    '(none)',
    'Secret holding the alert webhook URL (generic, Slack or Teams incoming webhook).',
  ],
  ['ALERT_FORMAT', 'generic', '`generic` (JSON outcome), `slack` or `teams` message format.'],
  [
    'ALERT_ON_SUCCESS',
    'false',
    'Also alert on successful restarts (failures, exhausted budgets and expiry warnings always alert).',
  ],
  ['LOG_LEVEL', 'info', 'debug, info, warn or error.'],
  [
    'STATE_TABLE',
    '(none)',
    'AWS: DynamoDB table of per-connector locks and applied versions (set by serverless.yml). Required on AWS.',
  ],
  [
    'IDEMPOTENCY_TABLE',
    '(none)',
    'AWS: DynamoDB table of Powertools idempotency records, one per (secret, version). Required on AWS.',
  ],
  [
    'EVENT_BUS_NAME',
    'default',
    'AWS: EventBridge bus the outcome events go to (`Connector Reload …`, `Connector Recovery …`, `Connector Restart Budget Exhausted`, `Secret Expiring/Expired`).',
  ],
  [
    'FAILURE_QUEUE_URL',
    '(none)',
    'AWS: SQS queue the failure webhook hands accepted failures to (set by serverless.yml). Required by `connectorFailureWebhook`.',
  ],
  [
    'FAILURE_DEAD_LETTER_QUEUE_URL',
    '(none)',
    'AWS: SQS queue `recoverReportedFailures` dead-letters to, with the cause (set by serverless.yml). Required by that function.',
  ],
  [
    'AZURE_STATE_TABLE',
    'connectorreloaderstate',
    'Azure: Table Storage table of per-connector locks and applied versions.',
  ],
  [
    'AZURE_STATE_TABLE_ENDPOINT',
    '(none)',
    'Azure: Table service URL (`https://<account>.table.core.windows.net`), reached with the managed identity. Required on Azure.',
  ],
  [
    'GCP_STATE_BUCKET',
    '(none)',
    'GCP: Cloud Storage bucket of per-connector records and dead letters. Required on GCP.',
  ],
  [
    'GCP_TASK_QUEUE',
    '(none)',
    'GCP: Cloud Tasks queue (`projects/<p>/locations/<l>/queues/<q>`) for rotations and failures handed off. Required.',
  ],
  ['GCP_RELOAD_URL', '(none)', 'GCP: URL of `reloadRotatedSecret`, the target of handed-off rotations. Required.'],
  ['GCP_RECOVER_URL', '(none)', 'GCP: URL of `recoverReportedFailures`, the target of reported failures. Required.'],
  [
    'GCP_TASKS_SERVICE_ACCOUNT',
    '(none)',
    'GCP: service account Cloud Tasks signs its OIDC token as (private targets).',
  ],
  [
    'GCP_EVENT_FUNCTION_TIMEOUT_SECONDS',
    '540',
    "GCP: `onSecretVersionEvent`'s timeout; a reload whose worst case does not fit is handed to Cloud Tasks.",
  ],
  ['GCP_TASK_MAX_ATTEMPTS', '5', "GCP: the queue's max attempts; the last one dead-letters to the bucket."],
  ['GCP_SECRET_MANAGER_ENDPOINT', '(none)', 'GCP, local only: plain-HTTP Secret Manager endpoint (the emulator).'],
  ['GCP_CLOUD_TASKS_ENDPOINT', '(none)', 'GCP, local only: plain-HTTP Cloud Tasks endpoint (the emulator).'],
  [
    'AZURE_STATE_TABLE_CONNECTION_STRING',
    '(none)',
    'Azure: a connection string instead of the endpoint, for Azurite and local runs. Holds a key: never logged.',
  ],
];
