import { SETTINGS } from '#config/setting-table';
import { InvalidSettingError, loadSettings } from '#config/settings';
import {
  loadGcpSettings,
  MAX_EVENT_FUNCTION_TIMEOUT_SECONDS,
  TASK_DISPATCH_DEADLINE_SECONDS,
} from '#functions/gcp/gcp-settings';

/** What infra/gcp gives the functions, as values. */
const DEPLOYED = {
  CONFLUENT_CREDENTIALS_SECRET: 'projects/acme-prod/secrets/connector-reloader-confluent-cloud',
  WEBHOOK_TOKEN_SECRET: 'projects/acme-prod/secrets/connector-reloader-webhook-token',
  GCP_STATE_BUCKET: 'acme-prod-connector-reloader-state',
  GCP_TASK_QUEUE: 'projects/acme-prod/locations/us-central1/queues/connector-reloader',
  GCP_TASKS_SERVICE_ACCOUNT: 'connector-reloader@acme-prod.iam.gserviceaccount.com',
  GCP_TASK_MAX_ATTEMPTS: '5',
  GCP_EVENT_FUNCTION_TIMEOUT_SECONDS: '540',
  GCP_RELOAD_URL: 'https://us-central1-acme-prod.cloudfunctions.net/connector-reloader-reload',
  GCP_RECOVER_URL: 'https://us-central1-acme-prod.cloudfunctions.net/connector-reloader-recover',
};

function load(env: Record<string, string>) {
  return loadGcpSettings(loadSettings(env), env);
}

function problemsOf(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    if (error instanceof InvalidSettingError) return error.message;
    throw error;
  }
  return '';
}

describe('loadGcpSettings', () => {
  it('maps the rows the Terraform module sets, and the defaults of the rest', () => {
    // Act
    const { GCP_TASK_MAX_ATTEMPTS, GCP_EVENT_FUNCTION_TIMEOUT_SECONDS, GCP_TASKS_SERVICE_ACCOUNT, ...required } =
      DEPLOYED;
    const deployed = load(DEPLOYED);
    const defaults = load(required);

    // Assess
    expect(deployed).toEqual({
      stateBucket: 'acme-prod-connector-reloader-state',
      credentialsSecret: { provider: 'gcp', project: 'acme-prod', name: 'connector-reloader-confluent-cloud' },
      taskQueue: 'projects/acme-prod/locations/us-central1/queues/connector-reloader',
      reloadUrl: DEPLOYED.GCP_RELOAD_URL,
      recoverUrl: DEPLOYED.GCP_RECOVER_URL,
      tasksServiceAccount: 'connector-reloader@acme-prod.iam.gserviceaccount.com',
      eventFunctionTimeoutMs: 540_000,
      taskMaxAttempts: 5,
    });
    expect(defaults).toEqual({ ...deployed, tasksServiceAccount: undefined });
  });

  it('names every missing or malformed variable in one message, without echoing a value', () => {
    // Act
    const message = problemsOf({
      CONFLUENT_CREDENTIALS_SECRET: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:confluent-Ab12Cd',
      GCP_TASK_QUEUE: 'connector-reloader',
      GCP_RELOAD_URL: 'reload',
      GCP_EVENT_FUNCTION_TIMEOUT_SECONDS: '600',
      GCP_TASK_MAX_ATTEMPTS: '0',
      GCP_SECRET_MANAGER_ENDPOINT: 'the local one',
    });

    // Assess
    expect(message).toContain('GCP_STATE_BUCKET: required');
    expect(message).toContain('GCP_TASK_QUEUE: expected projects/<p>/locations/<l>/queues/<q>');
    expect(message).toContain('GCP_RELOAD_URL: expected an http(s) URL');
    expect(message).toContain('GCP_RECOVER_URL: required');
    expect(message).toContain('GCP_EVENT_FUNCTION_TIMEOUT_SECONDS: expected at most 540 seconds, got 600');
    expect(message).toContain('GCP_TASK_MAX_ATTEMPTS: expected a number above 0');
    expect(message).toContain('GCP_SECRET_MANAGER_ENDPOINT: expected an http(s) URL');
    expect(message).not.toContain('connector-reloader');
    expect(message).not.toContain('the local one');
  });

  it('refuses secrets of the functions that are not Secret Manager names', () => {
    // Act
    const message = problemsOf({
      ...DEPLOYED,
      CONFLUENT_CREDENTIALS_SECRET: 'https://contoso.vault.azure.net/secrets/confluent-cloud-api-key',
      WEBHOOK_TOKEN_SECRET: 'webhook-token',
    });

    // Assess
    expect(message).toBe(
      'invalid configuration: CONFLUENT_CREDENTIALS_SECRET: required, a Secret Manager name (projects/<p>/secrets/<name>); WEBHOOK_TOKEN_SECRET: expected a Secret Manager name',
    );
  });

  it("refuses a reload worst case beyond Cloud Tasks' dispatch deadline, naming the values that make it up", () => {
    // Prepare: 1500 + 120 + (5 + 1) × 30 = 1800 fits; one second more of verification does not.
    const fits = { ...DEPLOYED, VERIFY_TIMEOUT_SECONDS: '1500', CONFLUENT_REQUEST_TIMEOUT_SECONDS: '30' };
    const late = { ...fits, VERIFY_TIMEOUT_SECONDS: '1501', LOCK_TTL_SECONDS: '3600' };

    // Act
    const fitting = problemsOf({ ...fits, LOCK_TTL_SECONDS: '3600' });
    const message = problemsOf(late);

    // Assess
    expect(fitting).toBe('');
    expect(message).toBe(
      `invalid configuration: VERIFY_TIMEOUT_SECONDS (1501) + PAUSE_TIMEOUT_SECONDS (120) + (CONFLUENT_MAX_RETRIES (5) + 1) × CONFLUENT_REQUEST_TIMEOUT_SECONDS (30) = 1801 must not exceed Cloud Tasks' ${TASK_DISPATCH_DEADLINE_SECONDS} s dispatch deadline: a handed-off reload would be cut off mid-verification, its connectors left locked and the outcome unreported`,
    );
  });

  it("bounds and defaults the event function's timeout to Cloud Run's limit for event-driven functions", () => {
    // Prepare
    const row = SETTINGS.GCP_EVENT_FUNCTION_TIMEOUT_SECONDS;

    // Act / Assess
    expect(row.default).toBe(String(MAX_EVENT_FUNCTION_TIMEOUT_SECONDS));
    expect(row.kind.schema.safeParse(String(MAX_EVENT_FUNCTION_TIMEOUT_SECONDS)).success).toBe(true);
    expect(row.kind.schema.safeParse(String(MAX_EVENT_FUNCTION_TIMEOUT_SECONDS + 1)).success).toBe(false);
  });
});
