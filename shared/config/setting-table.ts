import { DEFAULT_CONNECTORS_TAG } from '#core/secret-tags';
import { KINDS, oneOf, type SettingKind, secondsUpTo, shaped } from './setting-kinds';

/**
 * Every environment variable the reloader reads, defined once. The loaders (loadSettings, loadAwsSettings,
 * loadAzureSettings, loadGcpSettings) parse and validate from these rows, and docs/configuration.md is generated
 * from them.
 *
 * To add a setting:
 *   1. Add a row below, in its group: `kind` (setting-kinds.ts: the type and its validation), `default` (the
 *      variable's text, parsed like a set value) or `unset` (what leaving it unset means), `runtimes` (who reads it),
 *      `deploy` (the serverless.yml / main.bicep parameter or infra/gcp Terraform variable that sets it, if any) and a one-sentence `description`.
 *   2. Read it where it belongs: a row every runtime reads lands in `Settings` (map it in settings.ts); a row only
 *      some runtimes read is mapped by that runtime's loader (functions/aws/aws-settings.ts, functions/azure/…,
 *      functions/gcp/gcp-settings.ts).
 *      A rule between settings goes in startup-rules.ts.
 *   3. `npm run docs:config` rewrites docs/configuration.md; `npm test` fails until it is current.
 * tests/config/setting-table.test.ts fails on a variable the code reads without a row, or a row nobody reads.
 */
export const RUNTIMES = ['aws', 'azure', 'gcp', 'cli'] as const;
export type Runtime = (typeof RUNTIMES)[number];

/** Read through `loadSettings`, which the Lambda functions, the Function App, the Cloud Run functions and the CLI call. */
const EVERY_RUNTIME = RUNTIMES;

/** How a deployment sets the variable: from a template parameter (its name), or from something it derives. */
export type DeployedBy = { readonly param: string } | { readonly derived: string };

export interface SettingRow {
  readonly group: SettingGroup;
  readonly kind: SettingKind;
  /** The variable's text when unset, parsed like a set value (so it passes the same validation). */
  readonly default?: string;
  /** What leaving it unset means, when there is no default. */
  readonly unset?: string;
  /** Start-up fails when a runtime that reads it finds it unset. */
  readonly required?: true;
  /** Its value is a credential: never logged, never echoed in an error. */
  readonly sensitive?: true;
  readonly runtimes: readonly Runtime[];
  /** serverless.yml (AWS), infra/azure/main.bicep (Azure) and infra/gcp/main.tf (Google Cloud). */
  readonly deploy?: { readonly serverless?: DeployedBy; readonly bicep?: DeployedBy; readonly terraform?: DeployedBy };
  /** Markdown, one or two sentences. */
  readonly description: string;
}

export const SETTING_GROUPS = [
  'Confluent Cloud',
  'Finding the connectors',
  'Restarting and verifying',
  'Recovering failed connectors',
  'Alerts and logs',
  'AWS',
  'Azure',
  'Google Cloud',
  'CLI',
] as const;
export type SettingGroup = (typeof SETTING_GROUPS)[number];

const param = (name: string): DeployedBy => ({ param: name });
const derived = (what: string): DeployedBy => ({ derived: what });

export const SETTINGS = {
  // Confluent Cloud
  CONFLUENT_API_URL: {
    group: 'Confluent Cloud',
    kind: KINDS.url,
    default: 'https://api.confluent.cloud',
    runtimes: EVERY_RUNTIME,
    description: 'Base URL of the Confluent Cloud APIs.',
  },
  CONFLUENT_CREDENTIALS_SECRET: {
    group: 'Confluent Cloud',
    kind: KINDS.secret,
    runtimes: EVERY_RUNTIME,
    deploy: {
      serverless: param('confluentCredentialsSecret'),
      bicep: param('confluentCredentialsSecretUri'),
      terraform: param('credentials_secret'),
    },
    description:
      'Secret (ARN, name, Key Vault URI or Secret Manager name) holding the Cloud API key as JSON `{"apiKey","apiSecret"}`. Required when deployed (on Azure: a Key Vault secret URI; on Google Cloud: `projects/<p>/secrets/<name>`).',
  },
  CONFLUENT_CLOUD_API_KEY: {
    group: 'Confluent Cloud',
    kind: KINDS.text,
    runtimes: EVERY_RUNTIME,
    description: 'Cloud API key for the CLI and local use; deployed functions use `CONFLUENT_CREDENTIALS_SECRET`.',
  },
  CONFLUENT_CLOUD_API_SECRET: {
    group: 'Confluent Cloud',
    kind: KINDS.text,
    sensitive: true,
    runtimes: EVERY_RUNTIME,
    description: 'Its secret; goes with `CONFLUENT_CLOUD_API_KEY`.',
  },
  CONFLUENT_SCOPES: {
    group: 'Confluent Cloud',
    kind: KINDS.commaList,
    unset: 'every environment',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('confluentScopes'), bicep: param('confluentScopes') },
    description:
      '`env-id` or `env-id/lkc-id` (optionally `@aws`, `@azure`, `@gcp`) to scan; empty discovers every environment. Named clusters need no discovery call.',
  },
  CONFLUENT_REQUEST_TIMEOUT_SECONDS: {
    group: 'Confluent Cloud',
    kind: KINDS.positiveSeconds,
    default: '10',
    runtimes: EVERY_RUNTIME,
    description: 'Timeout of one HTTP request to Confluent Cloud.',
  },
  CONFLUENT_MAX_CONCURRENCY: {
    group: 'Confluent Cloud',
    kind: KINDS.positiveCount,
    default: '25',
    runtimes: EVERY_RUNTIME,
    description: 'Requests to Confluent Cloud in flight at once (shared by all work in a process).',
  },
  CONFLUENT_RATE_LIMIT_PER_SECOND: {
    group: 'Confluent Cloud',
    kind: KINDS.positiveCount,
    default: '20',
    runtimes: EVERY_RUNTIME,
    description:
      'Requests per second to Confluent Cloud, sustained: across every instance of the deployed functions (a token bucket in the state table, see `CONFLUENT_SHARED_RATE_LIMIT`), and in each process too. While Confluent reports budget left (`X-RateLimit-Remaining`) a process may go faster, within the fleet-wide bucket.',
  },
  CONFLUENT_RATE_BURST: {
    group: 'Confluent Cloud',
    kind: KINDS.positiveCount,
    default: '50',
    runtimes: EVERY_RUNTIME,
    description:
      'Requests that may start back to back after a quiet spell before the sustained rate applies (token bucket size, per process and fleet-wide); a 429, or `X-RateLimit-Remaining: 0`, pauses every request until the window resets.',
  },
  CONFLUENT_SHARED_RATE_LIMIT: {
    group: 'Confluent Cloud',
    kind: KINDS.flag,
    default: 'true',
    runtimes: EVERY_RUNTIME,
    description:
      'Deployed functions draw every Confluent request from one token bucket in the state table, so the rate summed over all instances stays within `CONFLUENT_RATE_LIMIT_PER_SECOND` (a read and a conditional write per batch of up to 10 requests). `false`: each instance holds its own limits only. The CLI always holds its own (see docs/rate-limits.md).',
  },
  CONFLUENT_MAX_RETRIES: {
    group: 'Confluent Cloud',
    kind: KINDS.count,
    default: '5',
    runtimes: EVERY_RUNTIME,
    description: 'Retries on 429, 5xx and network errors (capped exponential backoff, full jitter).',
  },

  // Finding the connectors
  TARGET_MAPPING_FILE: {
    group: 'Finding the connectors',
    kind: KINDS.text,
    runtimes: EVERY_RUNTIME,
    description: 'JSON file mapping secrets to connectors: `{"secrets":{"<secret>":["env/lkc/name"]}}`.',
  },
  TARGET_MAPPING: {
    group: 'Finding the connectors',
    kind: KINDS.text,
    unset: '`TARGET_MAPPING_FILE`, if set',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('targetMapping'), bicep: param('targetMapping') },
    description:
      'Where the deployed mapping lives (the JSON of `TARGET_MAPPING_FILE`, which it replaces): a secret (Secrets Manager ARN or name, Key Vault secret URI), re-read after `TARGET_MAPPING_TTL_SECONDS`, or `file:<path>` bundled with the package (relative to its root), read at start.',
  },
  TARGET_MAPPING_TTL_SECONDS: {
    group: 'Finding the connectors',
    kind: KINDS.seconds,
    default: '300',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('targetMappingTtlSeconds'), bicep: param('targetMappingTtlSeconds') },
    description:
      '`TARGET_MAPPING` is read again after this long (0: on every rotation); if a re-read fails, the last good mapping is kept and a warning logged.',
  },
  SECRET_TAG_KEY: {
    group: 'Finding the connectors',
    kind: KINDS.text,
    default: DEFAULT_CONNECTORS_TAG,
    runtimes: EVERY_RUNTIME,
    description: 'Tag on a secret listing its connectors (`env/lkc/name,…`; continue in `<key>-2`, `<key>-3`).',
  },
  CONFIG_SCAN: {
    group: 'Finding the connectors',
    kind: KINDS.flag,
    default: 'true',
    runtimes: EVERY_RUNTIME,
    description: 'Scan connector configs in scope for values that reference the rotated secret.',
  },
  REQUIRE_PROVIDER_INTEGRATION: {
    group: 'Finding the connectors',
    kind: KINDS.flag,
    default: 'true',
    runtimes: EVERY_RUNTIME,
    description:
      'The config scan restarts only connectors whose config has `secret.manager.provider.integration.id`; others holding the reference as plain text are skipped as `plain-config`. Tags and the mapping file always count.',
  },
  MATCH_SAME_CLOUD: {
    group: 'Finding the connectors',
    kind: KINDS.flag,
    default: 'true',
    runtimes: EVERY_RUNTIME,
    description: 'Only match a secret to clusters on the same cloud as the secret.',
  },
  EXCLUDE_CONNECTORS: {
    group: 'Finding the connectors',
    kind: KINDS.commaList,
    unset: 'none',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('excludeConnectors'), bicep: param('excludeConnectors') },
    description: '`env/lkc/name` patterns (`*` wildcards) never to restart.',
  },
  CONNECTOR_INDEX_TTL_SECONDS: {
    group: 'Finding the connectors',
    kind: KINDS.seconds,
    default: '60',
    runtimes: EVERY_RUNTIME,
    description:
      'Reuse cluster and connector listings across rotations this long (0: off); clusters of connectors to restart are re-read.',
  },

  // Restarting and verifying
  RESTART_METHOD: {
    group: 'Restarting and verifying',
    kind: oneOf(['auto', 'restart', 'pause-resume']),
    default: 'auto',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('restartMethod') },
    description:
      '`restart` (Preview endpoint), `pause-resume` (GA), or `auto`: restart, falling back to pause→resume when the endpoint is unavailable.',
  },
  DRY_RUN: {
    group: 'Restarting and verifying',
    kind: KINDS.flag,
    default: 'false',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('dryRun') },
    description: 'Plan and report without calling any mutating API.',
  },
  RESTART_CONCURRENCY: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveCount,
    default: '25',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('restartConcurrency'), bicep: param('restartConcurrency') },
    description:
      'Restart requests in flight at once; verification polls run for all restarted connectors together, paced by the shared HTTP limits.',
  },
  ROLLOUT: {
    group: 'Restarting and verifying',
    kind: oneOf(['waves', 'all-at-once']),
    default: 'waves',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('rollout'), bicep: param('rollout') },
    description:
      '`waves`: a rotation with more than `ROLLOUT_THRESHOLD` connectors to restart restarts `ROLLOUT_FIRST_WAVE` first and halts the rest if it fails with a credential error; `all-at-once`: every connector together.',
  },
  ROLLOUT_THRESHOLD: {
    group: 'Restarting and verifying',
    kind: KINDS.count,
    default: '3',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('rolloutThreshold'), bicep: param('rolloutThreshold') },
    description: 'Waves only when a rotation has more connectors to restart than this.',
  },
  ROLLOUT_FIRST_WAVE: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveCount,
    default: '1',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('rolloutFirstWave'), bicep: param('rolloutFirstWave') },
    description: 'Connectors restarted and verified in the first wave (RUNNING ones first), before the rest.',
  },
  VERIFY_TIMEOUT_SECONDS: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveSeconds,
    default: '600',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('verifyTimeoutSeconds'), bicep: param('verifyTimeoutSeconds') },
    description: 'How long to wait for RUNNING after a restart (the settle time runs inside it).',
  },
  VERIFY_POLL_SECONDS: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveSeconds,
    default: '10',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('verifyPollSeconds'), bicep: param('verifyPollSeconds') },
    description: 'Interval between status polls while verifying, and while waiting for PAUSED.',
  },
  VERIFY_SETTLE_SECONDS: {
    group: 'Restarting and verifying',
    kind: KINDS.seconds,
    default: '30',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('verifySettleSeconds'), bicep: param('verifySettleSeconds') },
    description:
      'A RUNNING/FAILED reading counts only after a transitional state or this long after the restart; below `VERIFY_TIMEOUT_SECONDS`.',
  },
  VERIFY_ERROR_POLLS: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveCount,
    default: '2',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('verifyErrorPolls'), bicep: param('verifyErrorPolls') },
    description:
      "Consecutive polls with a task in SYSTEM_ERROR/USER_ACTIONABLE_ERROR (or the connector FAILED) that make a restart `failed`, with the tasks' messages.",
  },
  VERIFY_UNASSIGNED_SECONDS: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveSeconds,
    default: '180',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('verifyUnassignedSeconds'), bicep: param('verifyUnassignedSeconds') },
    description:
      'How long a task may stay UNASSIGNED (awaiting a worker) after a restart before the restart is `failed`.',
  },
  PAUSE_TIMEOUT_SECONDS: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveSeconds,
    default: '120',
    runtimes: EVERY_RUNTIME,
    description: 'pause-resume (and `auto` once it falls back): how long to wait for PAUSED before resuming.',
  },
  LOCK_TTL_SECONDS: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveCount,
    default: '900',
    runtimes: EVERY_RUNTIME,
    description:
      'Per-connector in-flight lock lifetime: must outlast the pause wait plus verification, so a live operation never loses its lock.',
  },
  RESTART_COALESCE_SECONDS: {
    group: 'Restarting and verifying',
    kind: KINDS.seconds,
    default: '0',
    runtimes: EVERY_RUNTIME,
    deploy: {
      serverless: param('restartCoalesceSeconds'),
      bicep: param('restartCoalesceSeconds'),
      terraform: param('restart_coalesce_seconds'),
    },
    description:
      'Per-connector coalescing window (0: off): a rotation waits until no other rotation affecting the connector has come for this long, then one restart applies every pending version ([when to turn it on](how-targets-are-chosen.md#coalescing)).',
  },
  RESTART_COALESCE_MAX_SECONDS: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveSeconds,
    default: '300',
    runtimes: EVERY_RUNTIME,
    deploy: {
      serverless: param('restartCoalesceMaxSeconds'),
      bicep: param('restartCoalesceMaxSeconds'),
      terraform: param('restart_coalesce_max_seconds'),
    },
    description:
      "The cap on coalescing: a connector's restart waits at most this long after the first pending version, however many keep coming (a `MAINTENANCE_WINDOWS` deny window can hold it until the window ends); at least `RESTART_COALESCE_SECONDS`.",
  },
  STATE_RETENTION_DAYS: {
    group: 'Restarting and verifying',
    kind: KINDS.days,
    default: '30',
    runtimes: EVERY_RUNTIME,
    description: 'How long per-connector records are kept (state-store TTL).',
  },
  FUNCTION_TIMEOUT_SECONDS: {
    group: 'Restarting and verifying',
    kind: KINDS.positiveSeconds,
    unset: 'not checked',
    runtimes: ['aws', 'azure'],
    deploy: {
      serverless: derived("each restarting function's `timeout`"),
      bicep: derived('host.json `functionTimeout`'),
    },
    description:
      "The function's own timeout, passed on by the deploy definitions: neither Lambda nor Functions tells a function its timeout at start-up. Unset locally and on the AWS failure webhook (it restarts nothing).",
  },

  // Recovering failed connectors
  MAX_AUTO_RESTARTS: {
    group: 'Recovering failed connectors',
    kind: KINDS.count,
    default: '7',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('maxAutoRestarts'), bicep: param('maxAutoRestarts') },
    description:
      'Automatic restarts of a failing connector before it is left alone and an alert goes out (backoff min(n²+n, 60) min between them).',
  },
  RESTART_BUDGET_REARM_HOURS: {
    group: 'Recovering failed connectors',
    kind: KINDS.hours,
    default: '24',
    runtimes: EVERY_RUNTIME,
    description:
      'Hours after which a spent restart budget starts over (another bounded round and alert for a connector still broken); 0 = only once it is seen healthy.',
  },
  MAINTENANCE_WINDOWS: {
    group: 'Recovering failed connectors',
    kind: KINDS.semicolonList,
    unset: 'none',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('maintenanceWindows'), bicep: param('maintenanceWindows') },
    description:
      'Deny windows `<cron UTC>|<minutes>`, e.g. `0 2 * * SAT|180`; automatic restarts inside are deferred to the end.',
  },
  WEBHOOK_TOKEN_SECRET: {
    group: 'Recovering failed connectors',
    kind: KINDS.secret,
    runtimes: EVERY_RUNTIME,
    deploy: {
      serverless: param('webhookTokenSecret'),
      bicep: param('webhookTokenSecretUri'),
      terraform: param('webhook_token_secret'),
    },
    description:
      'Secret holding the token that must appear in the failure webhook URL (path or `?token=`); unset, the webhook refuses every call.',
  },
  SWEEP_SCHEDULE: {
    group: 'Recovering failed connectors',
    kind: KINDS.ncrontab,
    default: '0 */5 * * * *',
    runtimes: ['azure'],
    deploy: { bicep: param('sweepSchedule') },
    description:
      'Azure: the sweep timer, resolved by the Functions host (changes without a redeploy). On AWS the schedule is the `sweepSchedule` deploy parameter (`rate(…)` or `cron(…)`), on Google Cloud the Terraform `sweep_schedule` (Cloud Scheduler, unix cron), not a variable.',
  },

  // Alerts and logs
  ALERT_WEBHOOK_SECRET: {
    group: 'Alerts and logs',
    kind: KINDS.secret,
    unset: 'no alerts',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('alertWebhookSecret'), bicep: param('alertWebhookSecretUri') },
    description: 'Secret holding the alert webhook URL (generic, Slack or Teams incoming webhook).',
  },
  ALERT_FORMAT: {
    group: 'Alerts and logs',
    kind: oneOf(['generic', 'slack', 'teams']),
    default: 'generic',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('alertFormat'), bicep: param('alertFormat') },
    description: '`generic` (JSON outcome), `slack` or `teams` message format.',
  },
  ALERT_ON_SUCCESS: {
    group: 'Alerts and logs',
    kind: KINDS.flag,
    default: 'false',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('alertOnSuccess'), bicep: param('alertOnSuccess') },
    description: 'Also alert on successful restarts (failures, exhausted budgets and expiry warnings always alert).',
  },
  ALERT_REPEAT_WINDOW_HOURS: {
    group: 'Alerts and logs',
    kind: KINDS.hours,
    default: '6',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('alertRepeatWindowHours'), bicep: param('alertRepeatWindowHours') },
    description:
      "An alert identical to the last one sent for a connector (same result and trace) within this window is left out of the message and counted; 0 sends every one. `connector-reloader ack` silences a connector's alerts.",
  },
  LOG_LEVEL: {
    group: 'Alerts and logs',
    kind: oneOf(['debug', 'info', 'warn', 'error']),
    default: 'info',
    runtimes: EVERY_RUNTIME,
    deploy: { serverless: param('logLevel') },
    description: 'Least severe level logged (the CLI defaults to `warn`).',
  },

  // AWS
  STATE_TABLE: {
    group: 'AWS',
    kind: KINDS.text,
    required: true,
    runtimes: ['aws', 'cli'],
    deploy: { serverless: derived('the `StateTable` resource') },
    description: 'DynamoDB table of per-connector locks and applied versions.',
  },
  IDEMPOTENCY_TABLE: {
    group: 'AWS',
    kind: KINDS.text,
    required: true,
    runtimes: ['aws'],
    deploy: { serverless: derived('the `IdempotencyTable` resource') },
    description: 'DynamoDB table of Powertools idempotency records, one per (secret, version).',
  },
  EVENT_BUS_NAME: {
    group: 'AWS',
    kind: KINDS.text,
    default: 'default',
    runtimes: ['aws'],
    deploy: { serverless: param('eventBusName') },
    description:
      'EventBridge bus the outcome events go to (`Connector Reload …`, `Connector Recovery …`, `Connector Restart Budget Exhausted`, `Secret Expiring/Expired`).',
  },
  FAILURE_QUEUE_URL: {
    group: 'AWS',
    kind: KINDS.url,
    runtimes: ['aws'],
    deploy: { serverless: derived('the `FailureQueue` resource') },
    description: 'SQS queue the failure webhook hands accepted failures to. Required by `connectorFailureWebhook`.',
  },
  FAILURE_DEAD_LETTER_QUEUE_URL: {
    group: 'AWS',
    kind: KINDS.url,
    runtimes: ['aws'],
    deploy: { serverless: derived('the `FailureDeadLetterQueue` resource') },
    description: 'SQS queue `recoverReportedFailures` dead-letters to, with the cause. Required by that function.',
  },
  ROTATION_RETRY_QUEUE_URL: {
    group: 'AWS',
    kind: KINDS.url,
    runtimes: ['aws'],
    deploy: { serverless: derived('the `RotationRetryQueue` resource') },
    description:
      'SQS delay queue where a rotation that met a connector locked by another operation waits for its next try (docs/delivery.md). Required by `onSecretRotated` and `retryPendingRotations`.',
  },
  ROTATION_RETRY_DEAD_LETTER_QUEUE_URL: {
    group: 'AWS',
    kind: KINDS.url,
    runtimes: ['aws'],
    deploy: { serverless: derived('the `RotationRetryDeadLetterQueue` resource') },
    description:
      'SQS queue `retryPendingRotations` dead-letters a rotation to, with the cause, when it is still pending after its last try. Required by that function.',
  },
  AWS_REGION: {
    group: 'AWS',
    kind: KINDS.text,
    default: 'us-east-1',
    runtimes: ['aws', 'cli'],
    description: 'Region of secrets named without an ARN; Lambda sets it, and the SDK clients read it too.',
  },

  // Azure
  AZURE_STATE_TABLE: {
    group: 'Azure',
    kind: KINDS.text,
    default: 'connectorreloaderstate',
    runtimes: ['azure', 'cli'],
    deploy: { bicep: derived('the `stateTableName` table') },
    description: 'Table Storage table of per-connector locks and applied versions.',
  },
  AZURE_STATE_TABLE_ENDPOINT: {
    group: 'Azure',
    kind: KINDS.url,
    runtimes: ['azure', 'cli'],
    deploy: { bicep: derived("the storage account's table endpoint") },
    description:
      'Table service URL (`https://<account>.table.core.windows.net`), reached with the managed identity. Required unless `AZURE_STATE_TABLE_CONNECTION_STRING` is set.',
  },
  AZURE_STATE_TABLE_CONNECTION_STRING: {
    group: 'Azure',
    kind: KINDS.text,
    sensitive: true,
    runtimes: ['azure', 'cli'],
    description: 'A connection string instead of the endpoint, for Azurite and local runs.',
  },
  AZURE_QUEUE_ENDPOINT: {
    group: 'Azure',
    kind: KINDS.url,
    runtimes: ['azure'],
    deploy: { bicep: derived("the storage account's queue endpoint") },
    description:
      "Queue service URL (`https://<account>.queue.core.windows.net`) of the app's own storage account, reached with the managed identity: where a coalescing rotation is queued to come back (`secret-rotations`). Required, or `AZURE_QUEUE_CONNECTION_STRING`, when `RESTART_COALESCE_SECONDS` is on.",
  },
  AZURE_QUEUE_CONNECTION_STRING: {
    group: 'Azure',
    kind: KINDS.text,
    sensitive: true,
    runtimes: ['azure'],
    description: 'A connection string instead of the queue endpoint, for Azurite and local runs.',
  },

  // Google Cloud
  GCP_STATE_BUCKET: {
    group: 'Google Cloud',
    kind: KINDS.text,
    required: true,
    runtimes: ['gcp', 'cli'],
    deploy: { terraform: derived('the `state` bucket') },
    description:
      "Cloud Storage bucket of per-connector locks and applied versions (written with generation preconditions) and of the task targets' `dead-letters/`. The client's own `STORAGE_EMULATOR_HOST` points it at a local endpoint.",
  },
  GCP_TASK_QUEUE: {
    group: 'Google Cloud',
    kind: shaped(
      'projects/<p>/locations/<l>/queues/<q>',
      /^projects\/[^/]+\/locations\/[^/]+\/queues\/[A-Za-z0-9-]{1,100}$/,
    ),
    required: true,
    runtimes: ['gcp'],
    deploy: { terraform: derived('the `work` Cloud Tasks queue') },
    description:
      "Cloud Tasks queue that reported failures, and rotations too long for the event function, are handed to; a rotation waiting in a coalescing window waits there as a task scheduled at its due time. Start-up refuses settings whose reload worst case (below) exceeds Cloud Tasks' 1800 s dispatch deadline.",
  },
  GCP_RELOAD_URL: {
    group: 'Google Cloud',
    kind: KINDS.url,
    required: true,
    runtimes: ['gcp'],
    deploy: { terraform: derived("the `reload` function's URL") },
    description:
      'URL of `reloadRotatedSecret`, the Cloud Tasks target of a handed-off rotation and of one come back from its coalescing window.',
  },
  GCP_RECOVER_URL: {
    group: 'Google Cloud',
    kind: KINDS.url,
    required: true,
    runtimes: ['gcp'],
    deploy: { terraform: derived("the `recover` function's URL") },
    description: 'URL of `recoverReportedFailures`, the Cloud Tasks target of a failure the webhook accepted.',
  },
  GCP_TASKS_SERVICE_ACCOUNT: {
    group: 'Google Cloud',
    kind: KINDS.text,
    unset: 'tasks carry no OIDC token',
    runtimes: ['gcp'],
    deploy: { terraform: derived("the functions' service account") },
    description: 'Service account whose OIDC token Cloud Tasks sends to the task targets, so they need not be public.',
  },
  GCP_EVENT_FUNCTION_TIMEOUT_SECONDS: {
    group: 'Google Cloud',
    kind: secondsUpTo(540),
    default: '540',
    runtimes: ['gcp'],
    deploy: { terraform: derived("the rotation function's `timeout_seconds`") },
    description:
      "`onSecretVersionEvent`'s timeout (event-driven functions: at most 540 s). A reload whose worst case, `VERIFY_TIMEOUT_SECONDS` + `PAUSE_TIMEOUT_SECONDS` + (`CONFLUENT_MAX_RETRIES` + 1) × `CONFLUENT_REQUEST_TIMEOUT_SECONDS`, does not fit is handed to `GCP_TASK_QUEUE`.",
  },
  GCP_TASK_MAX_ATTEMPTS: {
    group: 'Google Cloud',
    kind: KINDS.positiveCount,
    default: '5',
    runtimes: ['gcp'],
    deploy: { terraform: param('task_max_attempts') },
    description:
      "The queue's max attempts (the module sets both): a task target's last attempt dead-letters the work with its cause instead of failing.",
  },
  GCP_SECRET_MANAGER_ENDPOINT: {
    group: 'Google Cloud',
    kind: KINDS.url,
    unset: "Secret Manager's API",
    runtimes: ['gcp', 'cli'],
    description:
      "Local only: a plain-HTTP Secret Manager endpoint (the local cloud). The URL's user part, if any (`http://<token>@127.0.0.1:<port>`), is sent as the bearer token whose principal the local IAM checks; without one, no credentials.",
  },
  GCP_CLOUD_TASKS_ENDPOINT: {
    group: 'Google Cloud',
    kind: KINDS.url,
    unset: "Cloud Tasks' API",
    runtimes: ['gcp'],
    description: 'Local only: a plain-HTTP Cloud Tasks endpoint (the local cloud), called without credentials.',
  },

  // CLI
  AWS_DEFAULT_REGION: {
    group: 'CLI',
    kind: KINDS.text,
    default: 'us-east-1',
    runtimes: ['cli'],
    description: 'Region when `AWS_REGION` is unset, as the AWS CLI reads it.',
  },
  NO_COLOR: {
    group: 'CLI',
    kind: KINDS.present,
    unset: 'colours on a terminal',
    runtimes: ['cli'],
    description: 'Set to anything: no colours in human output ([no-color.org](https://no-color.org)).',
  },
} as const satisfies Record<string, SettingRow>;

export type SettingName = keyof typeof SETTINGS;
