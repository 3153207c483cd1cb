import { InvalidSettingError, type Settings } from '../../shared/config/settings';
import { type GcpSecretRef, parseSecretRef } from '../../shared/core/secret-ref';

/** What the Cloud Run functions need beyond the shared settings (documented in SETTINGS_DOC beside them). */
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

/** Cloud Run functions' limit for event-driven functions (HTTP ones may run 60 min). */
export const MAX_EVENT_FUNCTION_TIMEOUT_SECONDS = 540;
/** Cloud Tasks' longest dispatch deadline for an HTTP task, and so the task targets' timeout. */
export const TASK_DISPATCH_DEADLINE_SECONDS = 1800;
const QUEUE = /^projects\/[^/]+\/locations\/[^/]+\/queues\/[A-Za-z0-9-]{1,100}$/;

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

export function loadGcpSettings(settings: Settings, env: Env = process.env): GcpSettings {
  const text = (name: string) => env[name]?.trim() || undefined;
  const problems: string[] = [];
  const stateBucket = text('GCP_STATE_BUCKET');
  if (!stateBucket) problems.push('GCP_STATE_BUCKET: required');
  const taskQueue = text('GCP_TASK_QUEUE');
  if (!taskQueue || !QUEUE.test(taskQueue))
    problems.push('GCP_TASK_QUEUE: required, projects/<p>/locations/<l>/queues/<q>');
  const reloadUrl = text('GCP_RELOAD_URL');
  const recoverUrl = text('GCP_RECOVER_URL');
  for (const [name, value] of [
    ['GCP_RELOAD_URL', reloadUrl],
    ['GCP_RECOVER_URL', recoverUrl],
  ] as const) {
    if (!value || !/^https?:\/\//.test(value)) problems.push(`${name}: required, the function's URL`);
  }
  const timeout = Number(text('GCP_EVENT_FUNCTION_TIMEOUT_SECONDS') ?? MAX_EVENT_FUNCTION_TIMEOUT_SECONDS);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_EVENT_FUNCTION_TIMEOUT_SECONDS) {
    problems.push(`GCP_EVENT_FUNCTION_TIMEOUT_SECONDS: expected 1 to ${MAX_EVENT_FUNCTION_TIMEOUT_SECONDS}`);
  }
  const attempts = Number(text('GCP_TASK_MAX_ATTEMPTS') ?? 5);
  if (!Number.isInteger(attempts) || attempts < 1)
    problems.push('GCP_TASK_MAX_ATTEMPTS: expected a whole number above 0');
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
  if (worstCaseReloadMs(settings) > TASK_DISPATCH_DEADLINE_SECONDS * 1000) {
    problems.push(
      `VERIFY_TIMEOUT_SECONDS + PAUSE_TIMEOUT_SECONDS + the restart request's retries exceed Cloud Tasks' ${TASK_DISPATCH_DEADLINE_SECONDS} s dispatch deadline`,
    );
  }
  if (problems.length > 0) throw new InvalidSettingError(`invalid configuration: ${problems.join('; ')}`);
  const tasksServiceAccount = text('GCP_TASKS_SERVICE_ACCOUNT');
  const secretManagerEndpoint = text('GCP_SECRET_MANAGER_ENDPOINT');
  const cloudTasksEndpoint = text('GCP_CLOUD_TASKS_ENDPOINT');
  return {
    stateBucket: stateBucket as string,
    credentialsSecret: parseSecretRef(credentials as string, { provider: 'gcp' }) as GcpSecretRef,
    taskQueue: taskQueue as string,
    reloadUrl: reloadUrl as string,
    recoverUrl: recoverUrl as string,
    ...(tasksServiceAccount ? { tasksServiceAccount } : {}),
    eventFunctionTimeoutMs: timeout * 1000,
    taskMaxAttempts: attempts,
    ...(secretManagerEndpoint ? { secretManagerEndpoint } : {}),
    ...(cloudTasksEndpoint ? { cloudTasksEndpoint } : {}),
  };
}
