import { readSettings, settingsReadBy } from '#config/read-settings';
import { InvalidSettingError, type Settings } from '#config/settings';
import { type GcpSecretRef, parseSecretRef } from '#core/secret-ref';

/** What the Cloud Run functions need beyond the shared settings: their rows of the setting table, mapped. */
export interface GcpSettings {
  readonly stateBucket: string;
  readonly credentialsSecret: GcpSecretRef;
  /** `projects/<p>/locations/<l>/queues/<q>`: the Cloud Tasks queue work is handed off to. */
  readonly taskQueue: string;
  /** The HTTPS URLs of the task targets: reloadRotatedSecret and recoverReportedFailures. */
  readonly reloadUrl: string;
  readonly recoverUrl: string;
  /** The identity Cloud Tasks signs its OIDC token as, so the targets need not be public. */
  readonly tasksServiceAccount?: string;
  /** The rotation function's timeout: the delivery deadline an inline reload must fit in. */
  readonly eventFunctionTimeoutMs: number;
  /** The queue's max attempts (infra/gcp sets both): the last attempt dead-letters instead of failing. */
  readonly taskMaxAttempts: number;
  /** Local only: the emulators' plain-HTTP endpoints (Cloud Storage uses its own STORAGE_EMULATOR_HOST). */
  readonly secretManagerEndpoint?: string;
  readonly cloudTasksEndpoint?: string;
}

/**
 * Cloud Run functions' limit for event-driven functions (HTTP ones may run 60 min): the default and upper bound of
 * GCP_EVENT_FUNCTION_TIMEOUT_SECONDS in the setting table (tests/functions/gcp-settings.test.ts holds them equal).
 */
export const MAX_EVENT_FUNCTION_TIMEOUT_SECONDS = 540;
/** Cloud Tasks' longest dispatch deadline for an HTTP task, and so the task targets' timeout. */
export const TASK_DISPATCH_DEADLINE_SECONDS = 1800;

type Env = Readonly<Record<string, string | undefined>>;

function isSecretManagerName(value: string): boolean {
  try {
    return parseSecretRef(value, { provider: 'gcp' }).provider === 'gcp';
  } catch {
    return false;
  }
}

/**
 * The worst case of one reload: verification, a pause-resume wait and the restart request with all its retries.
 * Inline work must fit the event function's timeout; handed-off work the task's dispatch deadline.
 */
export function worstCaseReloadMs(settings: Settings): number {
  return settings.verify.timeoutMs + settings.pauseTimeoutMs + (settings.http.maxRetries + 1) * settings.http.timeoutMs;
}

/**
 * Reads the Cloud Run functions' rows of the setting table (shared/config/setting-table.ts), checking the start-up
 * rules that need them, then what only holds on Google Cloud: every secret the functions read for themselves is a
 * Secret Manager name, and a handed-off reload fits Cloud Tasks' dispatch deadline. That last rule stays here, not
 * in startup-rules.ts: its bound is a Cloud Tasks constant, not a setting, and no other runtime hands work to it.
 */
export function loadGcpSettings(settings: Settings, env: Env = process.env): GcpSettings {
  const s = readSettings(settingsReadBy('gcp'), env);
  const problems: string[] = [];
  const credentials = settings.credentialsSecret;
  if (!credentials || !isSecretManagerName(credentials)) {
    problems.push('CONFLUENT_CREDENTIALS_SECRET: required, a Secret Manager name (projects/<p>/secrets/<name>)');
  }
  // The functions read Secret Manager only: an ARN or a bare name would never resolve here.
  for (const [name, value] of [
    ['WEBHOOK_TOKEN_SECRET', settings.webhookTokenSecret],
    ['ALERT_WEBHOOK_SECRET', settings.alerts?.urlSecret],
  ] as const) {
    if (value !== undefined && !isSecretManagerName(value)) problems.push(`${name}: expected a Secret Manager name`);
  }
  const worstCase = worstCaseReloadMs(settings) / 1000;
  if (worstCase > TASK_DISPATCH_DEADLINE_SECONDS) {
    problems.push(
      `VERIFY_TIMEOUT_SECONDS (${s.VERIFY_TIMEOUT_SECONDS}) + PAUSE_TIMEOUT_SECONDS (${s.PAUSE_TIMEOUT_SECONDS}) + ` +
        `(CONFLUENT_MAX_RETRIES (${s.CONFLUENT_MAX_RETRIES}) + 1) × CONFLUENT_REQUEST_TIMEOUT_SECONDS ` +
        `(${s.CONFLUENT_REQUEST_TIMEOUT_SECONDS}) = ${worstCase} must not exceed Cloud Tasks' ` +
        `${TASK_DISPATCH_DEADLINE_SECONDS} s dispatch deadline: a handed-off reload would be cut off mid-verification, ` +
        'its connectors left locked and the outcome unreported',
    );
  }
  if (problems.length > 0 || !credentials) {
    throw new InvalidSettingError(`invalid configuration: ${problems.join('; ')}`);
  }
  return {
    stateBucket: s.GCP_STATE_BUCKET,
    credentialsSecret: parseSecretRef(credentials, { provider: 'gcp' }) as GcpSecretRef,
    taskQueue: s.GCP_TASK_QUEUE,
    reloadUrl: s.GCP_RELOAD_URL,
    recoverUrl: s.GCP_RECOVER_URL,
    ...(s.GCP_TASKS_SERVICE_ACCOUNT ? { tasksServiceAccount: s.GCP_TASKS_SERVICE_ACCOUNT } : {}),
    eventFunctionTimeoutMs: s.GCP_EVENT_FUNCTION_TIMEOUT_SECONDS * 1000,
    taskMaxAttempts: s.GCP_TASK_MAX_ATTEMPTS,
    ...(s.GCP_SECRET_MANAGER_ENDPOINT ? { secretManagerEndpoint: s.GCP_SECRET_MANAGER_ENDPOINT } : {}),
    ...(s.GCP_CLOUD_TASKS_ENDPOINT ? { cloudTasksEndpoint: s.GCP_CLOUD_TASKS_ENDPOINT } : {}),
  };
}
