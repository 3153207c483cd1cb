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
  if ((options.stage ?? 'dev') === 'local') return { ...readLocalEnv(), ...common };
  const scopes = await param(resolveVariable, 'confluentScopes');
  return {
    ...common,
    CONFLUENT_CREDENTIALS_SECRET: await param(resolveVariable, 'confluentCredentialsSecret'),
    ...(scopes ? { CONFLUENT_SCOPES: scopes } : {}),
    RESTART_METHOD: await param(resolveVariable, 'restartMethod'),
    DRY_RUN: await param(resolveVariable, 'dryRun'),
    STATE_TABLE: { Ref: 'StateTable' },
    IDEMPOTENCY_TABLE: { Ref: 'IdempotencyTable' },
    EVENT_BUS_NAME: await param(resolveVariable, 'eventBusName'),
    ROTATION_RETRY_QUEUE_URL: { Ref: 'RotationRetryQueue' },
    ROTATION_RETRY_DEAD_LETTER_QUEUE_URL: { Ref: 'RotationRetryDeadLetterQueue' },
    ...(await recoveryEnvironment(resolveVariable)),
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

/**
 * IAM resources for secretsmanager:GetSecretValue on the secrets the reloader reads for itself: the webhook token
 * (required: without it the webhook refuses every request) and the alert URL (optional). Exact names or ARNs only.
 */
module.exports.recoverySecretResources = async ({ resolveVariable }) => {
  const token = await param(resolveVariable, 'webhookTokenSecret');
  if (!token.trim()) throw new Error('param webhookTokenSecret: name the secret that holds the failure webhook token');
  const alert = await param(resolveVariable, 'alertWebhookSecret');
  return [...new Set([token, alert].map((entry) => entry.trim()).filter((entry) => entry !== ''))].map((entry) => {
    if (entry.endsWith('*') || entry.endsWith('/')) {
      throw new Error(`param webhookTokenSecret/alertWebhookSecret: "${entry}" is a prefix; name one secret`);
    }
    return secretResource(entry);
  });
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

function secretResource(entry) {
  if (entry.startsWith('arn:')) {
    if (/:secret:\*?$/.test(entry) || !entry.includes(':secret:')) {
      throw new Error(`param secrets: "${entry}" would allow every secret; name secrets or a prefix`);
    }
    return entry;
  }
  if (/^[*/]*$/.test(entry)) throw new Error(`param secrets: "${entry}" would allow every secret`);
  // A prefix matches every name under it; an exact name gets AWS's 6-character random suffix.
  const pattern = entry.endsWith('*') ? entry : entry.endsWith('/') ? `${entry}*` : `${entry}-??????`;
  return { 'Fn::Sub': `arn:\${AWS::Partition}:secretsmanager:\${AWS::Region}:\${AWS::AccountId}:secret:${pattern}` };
}

/** CloudTrail rules stay disabled unless `--param cloudTrailRules=true` (they need a trail). */
module.exports.cloudTrailRules = async ({ resolveVariable }) =>
  (await param(resolveVariable, 'cloudTrailRules')).toLowerCase() === 'true';
