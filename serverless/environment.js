// Stage-dependent parts of serverless.yml, resolved by osls: `${file(./serverless/environment.js):<name>}`.
// Kept in code because YAML cannot split a list parameter or read the env file `npm start` writes.
const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');

// Where `npm start` writes its environment; a test points this elsewhere to run on its own ports.
const LOCAL_ENV_FILE = process.env.LOCAL_CLOUD_ENV_FILE ?? path.resolve(__dirname, '../.local-cloud/env');

/** `export KEY='value'` lines, as local/env-file.ts writes them (unquoted values are read as they are). */
function readLocalEnv() {
  if (!existsSync(LOCAL_ENV_FILE)) {
    throw new Error(`${LOCAL_ENV_FILE} is missing: run \`npm start\` first (the local stage talks to the local cloud)`);
  }
  const env = {};
  for (const line of readFileSync(LOCAL_ENV_FILE, 'utf8').split('\n')) {
    const match = /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]] = /^'.*'$/.test(match[2]) ? match[2].slice(1, -1).replaceAll("'\\''", "'") : match[2];
  }
  return env;
}

/**
 * The `local` stage merges .local-cloud/env (local endpoints and dummy AWS_* keys, names Lambda reserves) and exists
 * for `serverless invoke local` against `npm start`. Anything else (deploy, package, remove…) stops here, while the
 * configuration is still being resolved: before packaging and before any AWS call.
 */
const LOCAL_STAGE_COMMANDS = ['invoke local'];

/** The command words before the first option, as osls reads them (`invoke local -f x` is `invoke local`). */
function cliCommand(argv = process.argv.slice(2)) {
  const firstOption = argv.findIndex((arg) => arg.startsWith('-'));
  return argv.slice(0, firstOption === -1 ? undefined : firstOption).join(' ');
}

function assertLocalStageCommand(command = cliCommand()) {
  if (LOCAL_STAGE_COMMANDS.includes(command)) return;
  throw new Error(
    `the "local" stage is for \`serverless invoke local\` against \`npm start\` only, not \`serverless ${command}\`: ` +
      'it reads .local-cloud/env, whose local endpoints and dummy AWS_* keys must never reach Lambda. ' +
      'Deploy with a stage of your own, e.g. --stage dev (docs/deploy-aws.md)',
  );
}

async function param(resolveVariable, name) {
  const value = await resolveVariable(`param:${name}`);
  return value === null || value === undefined ? '' : String(value);
}

/** The function's environment: settings from params, tables by reference; the local stage uses the local cloud. */
module.exports.environment = async ({ options, resolveVariable }) => {
  const common = {
    POWERTOOLS_SERVICE_NAME: 'connector-reloader',
    LOG_LEVEL: await param(resolveVariable, 'logLevel'),
  };
  if ((options.stage ?? 'dev') === 'local') {
    assertLocalStageCommand();
    return { ...readLocalEnv(), ...common };
  }
  const scopes = await param(resolveVariable, 'confluentScopes');
  return {
    ...common,
    CONFLUENT_CREDENTIALS_SECRET: await param(resolveVariable, 'confluentCredentialsSecret'),
    ...(scopes ? { CONFLUENT_SCOPES: scopes } : {}),
    RESTART_METHOD: await param(resolveVariable, 'restartMethod'),
    DRY_RUN: await param(resolveVariable, 'dryRun'),
    RESTART_COALESCE_SECONDS: await param(resolveVariable, 'restartCoalesceSeconds'),
    RESTART_COALESCE_MAX_SECONDS: await param(resolveVariable, 'restartCoalesceMaxSeconds'),
    STATE_TABLE: { Ref: 'StateTable' },
    IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
    EVENT_BUS_NAME: await param(resolveVariable, 'eventBusName'),
    ROTATION_RETRY_QUEUE_URL: { Ref: 'RotationRetryQueue' },
    ROTATION_RETRY_DEAD_LETTER_QUEUE_URL: { Ref: 'RotationRetryDeadLetterQueue' },
    ...(await recoveryEnvironment(resolveVariable)),
    ...(await optionalSettings(resolveVariable)),
    NODE_OPTIONS: '--enable-source-maps',
  };
};

/** Failed-connector recovery: the queue URLs by reference, the secrets by name or ARN, the budget and windows. */
async function recoveryEnvironment(resolveVariable) {
  const alertSecret = await param(resolveVariable, 'alertWebhookSecret');
  const windows = await param(resolveVariable, 'maintenanceWindows');
  return {
    FAILURE_QUEUE_URL: { Ref: 'FailureQueue' },
    FAILURE_DEAD_LETTER_QUEUE_URL: { Ref: 'FailureDeadLetterQueue' },
    WEBHOOK_TOKEN_SECRET: await param(resolveVariable, 'webhookTokenSecret'),
    ...(alertSecret ? { ALERT_WEBHOOK_SECRET: alertSecret } : {}),
    ALERT_FORMAT: await param(resolveVariable, 'alertFormat'),
    ALERT_ON_SUCCESS: await param(resolveVariable, 'alertOnSuccess'),
    MAX_AUTO_RESTARTS: await param(resolveVariable, 'maxAutoRestarts'),
    ...(windows ? { MAINTENANCE_WINDOWS: windows } : {}),
  };
}

/** Settings whose params may stay empty: then the variable is not set and its default applies. */
const OPTIONAL_SETTING_PARAMS = {
  EXCLUDE_CONNECTORS: 'excludeConnectors',
  RESTART_CONCURRENCY: 'restartConcurrency',
  VERIFY_TIMEOUT_SECONDS: 'verifyTimeoutSeconds',
  VERIFY_POLL_SECONDS: 'verifyPollSeconds',
  VERIFY_SETTLE_SECONDS: 'verifySettleSeconds',
  VERIFY_ERROR_POLLS: 'verifyErrorPolls',
  VERIFY_UNASSIGNED_SECONDS: 'verifyUnassignedSeconds',
  ROLLOUT: 'rollout',
  ROLLOUT_THRESHOLD: 'rolloutThreshold',
  ROLLOUT_FIRST_WAVE: 'rolloutFirstWave',
  TARGET_MAPPING: 'targetMapping',
  TARGET_MAPPING_TTL_SECONDS: 'targetMappingTtlSeconds',
  ALERT_REPEAT_WINDOW_HOURS: 'alertRepeatWindowHours',
};

async function optionalSettings(resolveVariable) {
  const environment = {};
  for (const [variable, name] of Object.entries(OPTIONAL_SETTING_PARAMS)) {
    const value = (await param(resolveVariable, name)).trim();
    if (value !== '') environment[variable] = value;
  }
  return environment;
}

/**
 * IAM resources for secretsmanager:GetSecretValue on the secrets the reloader reads for itself: the webhook token
 * (required: without it the webhook refuses every request), the alert URL and the mapping (optional). Exact names or ARNs only.
 */
module.exports.recoverySecretResources = async ({ resolveVariable }) => {
  const token = await param(resolveVariable, 'webhookTokenSecret');
  if (!token.trim()) throw new Error('param webhookTokenSecret: name the secret that holds the failure webhook token');
  const alert = await param(resolveVariable, 'alertWebhookSecret');
  // TARGET_MAPPING, when it names a secret rather than a file in the package.
  const mapping = (await param(resolveVariable, 'targetMapping')).trim();
  const mappingSecret = mapping.startsWith('file:') ? '' : mapping;
  return [...new Set([token, alert, mappingSecret].map((entry) => entry.trim()).filter((entry) => entry !== ''))].map(
    (entry) => {
      if (entry.endsWith('*') || entry.endsWith('/')) {
        throw new Error(
          `param webhookTokenSecret/alertWebhookSecret/targetMapping: "${entry}" is a prefix; name one secret`,
        );
      }
      return secretResource(entry);
    },
  );
};

/** The sweep's EventBridge schedule expression, checked so a typo stops the deployment with a clear message. */
module.exports.sweepSchedule = async ({ resolveVariable }) => {
  const expression = (await param(resolveVariable, 'sweepSchedule')).trim();
  if (!/^(rate|cron)\(.+\)$/.test(expression)) {
    throw new Error(`param sweepSchedule: "${expression}" is not rate(…) or cron(…), e.g. rate(5 minutes)`);
  }
  return expression;
};

/**
 * IAM resources for secretsmanager:DescribeSecret/GetSecretValue: the `secrets` param (comma-separated full ARNs,
 * ARN prefixes ending in `*`, secret names, or name prefixes ending in `/` or `*`) plus the credentials secret.
 * Never a bare `*`: an empty or all-matching entry stops the deployment.
 */
module.exports.secretResources = async ({ resolveVariable }) => {
  const entries = [
    ...(await param(resolveVariable, 'secrets')).split(','),
    await param(resolveVariable, 'confluentCredentialsSecret'),
  ]
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) throw new Error('param secrets: name at least one secret ARN, name or prefix');
  return [...new Set(entries)].map(secretResource);
};

/**
 * A Secrets Manager ARN ends in the secret's name, a hyphen and 6 random characters. IAM matches a grant against that
 * full ARN, so a partial ARN (without the suffix) would match nothing at run time: it gets the `-??????` wildcard, as a
 * name does. Secrets Manager's own rule decides what is partial: a name part that already ends in a hyphen and six
 * characters is taken as complete ("Finding a secret from a partial ARN", Secrets Manager API reference), so such an
 * ARN is kept as given. ARNs ending in `*` or `?` are patterns and are kept too.
 */
function normalizedSecretArn(arn) {
  const name = arn.slice(arn.indexOf(':secret:') + ':secret:'.length);
  if (/[*?]$/.test(name) || /-[A-Za-z0-9]{6}$/.test(name)) return arn;
  return `${arn}-??????`;
}

function secretResource(entry) {
  if (entry.startsWith('arn:')) {
    if (/:secret:\*?$/.test(entry) || !entry.includes(':secret:')) {
      throw new Error(`param secrets: "${entry}" would allow every secret; name secrets or a prefix`);
    }
    return normalizedSecretArn(entry);
  }
  if (/^[*/]*$/.test(entry)) throw new Error(`param secrets: "${entry}" would allow every secret`);
  // A prefix matches every name under it; an exact name gets AWS's 6-character random suffix.
  const pattern = entry.endsWith('*') ? entry : entry.endsWith('/') ? `${entry}*` : `${entry}-??????`;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${pattern}` };
}

/**
 * The native `Secret Label Updated` rule's pattern, narrowed to the `secrets` param so that rotations of other secrets
 * in the account (RDS managed rotation, other teams' secrets) never reach the function: names and name prefixes
 * match `detail.name` (the friendly name), ARNs and ARN prefixes match `resources` (the full ARN), both together
 * under `$or`. EventBridge matches `prefix` literally and `wildcard` with `*` only, so an IAM `?` becomes `*` (a
 * little wider than IAM; what slips through is then denied by IAM and ignored as RotationNotPermitted).
 */
module.exports.secretLabelUpdatedPattern = async ({ resolveVariable }) => {
  const entries = [
    ...new Set(
      (await param(resolveVariable, 'secrets'))
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    ),
  ];
  if (entries.length === 0) throw new Error('param secrets: name at least one secret ARN, name or prefix');
  for (const entry of entries) secretResource(entry); // the same refusals as IAM: never every secret
  const names = entries.filter((entry) => !entry.startsWith('arn:')).map(contentFilter);
  // A partial ARN matches the full one through its `-??????` suffix, as in IAM (normalizedSecretArn).
  const arns = entries
    .filter((entry) => entry.startsWith('arn:'))
    .map(normalizedSecretArn)
    .map(contentFilter);
  const pattern = {
    source: ['aws.secretsmanager'],
    'detail-type': ['Secret Label Updated'],
    detail: { labelUpdated: ['AWSCURRENT'] },
  };
  if (arns.length === 0) return { ...pattern, detail: { ...pattern.detail, name: names } };
  if (names.length === 0) return { ...pattern, resources: arns };
  return { ...pattern, $or: [{ detail: { name: names } }, { resources: arns }] };
};

/** One `secrets` entry as an EventBridge content filter: exact value, `prefix`, or `wildcard`. */
function contentFilter(entry) {
  if (entry.endsWith('/')) return { prefix: entry };
  const body = entry.endsWith('*') ? entry.slice(0, -1) : entry;
  if (!/[*?]/.test(body)) return entry.endsWith('*') ? { prefix: body } : entry;
  // Consecutive wildcards are refused by EventBridge.
  return { wildcard: entry.replace(/\?/g, '*').replace(/\*+/g, '*') };
}

/**
 * The failure queue's visibility timeout: six times recoverReportedFailures' timeout, as AWS advises for a Lambda
 * SQS event source so a throttled or retried batch is not handed out twice ("Creating and configuring an Amazon SQS
 * event source mapping", Lambda Developer Guide). Derived from the function, so raising its timeout raises this too.
 */
module.exports.failureQueueVisibilityTimeout = async ({ resolveConfigurationProperty }) => {
  const timeout = Number(await resolveConfigurationProperty(['functions', 'recoverReportedFailures', 'timeout']));
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new Error('functions.recoverReportedFailures.timeout: a whole number of seconds is needed');
  }
  // SQS allows at most 12 hours.
  return Math.min(6 * timeout, 43_200);
};

/**
 * The customer-managed KMS key the `secrets` are encrypted with (param `secretsKmsKeyArn`), or "" for the AWS managed
 * key (no grant needed). A key ARN only: IAM matches kms:Decrypt against the key's ARN, never an alias.
 */
module.exports.secretsKmsKeyArn = async ({ resolveVariable }) => {
  const arn = (await param(resolveVariable, 'secretsKmsKeyArn')).trim();
  if (arn !== '' && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(arn)) {
    throw new Error(`param secretsKmsKeyArn: "${arn}" is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`);
  }
  return arn;
};

/** CloudTrail rules stay disabled unless `--param cloudTrailRules=true` (they need a trail). */
module.exports.cloudTrailRules = async ({ resolveVariable }) =>
  (await param(resolveVariable, 'cloudTrailRules')).toLowerCase() === 'true';
