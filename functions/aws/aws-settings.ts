import { InvalidSettingError } from '../../shared/config/settings';

/** What the Lambda needs beyond the shared settings: where its state lives and where outcomes go. */
export interface AwsSettings {
  readonly stateTable: string;
  readonly idempotencyTable: string;
  readonly eventBusName: string;
  readonly region: string;
  /** The SQS queue the failure webhook hands accepted failures to (FAILURE_QUEUE_URL). */
  readonly failureQueueUrl?: string;
  /** Where the queue function puts what it gives up on, with the cause (FAILURE_DEAD_LETTER_QUEUE_URL). */
  readonly failureDeadLetterQueueUrl?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads the AWS runtime's variables (documented in SETTINGS_DOC beside the shared ones). */
export function loadAwsSettings(env: Env = process.env): AwsSettings {
  const missing = ['STATE_TABLE', 'IDEMPOTENCY_TABLE'].filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new InvalidSettingError(`invalid configuration: ${missing.map((name) => `${name}: required`).join('; ')}`);
  }
  return {
    stateTable: (env.STATE_TABLE ?? '').trim(),
    idempotencyTable: (env.IDEMPOTENCY_TABLE ?? '').trim(),
    eventBusName: env.EVENT_BUS_NAME?.trim() || 'default',
    region: env.AWS_REGION?.trim() || 'us-east-1',
    ...(env.FAILURE_QUEUE_URL?.trim() ? { failureQueueUrl: env.FAILURE_QUEUE_URL.trim() } : {}),
    ...(env.FAILURE_DEAD_LETTER_QUEUE_URL?.trim()
      ? { failureDeadLetterQueueUrl: env.FAILURE_DEAD_LETTER_QUEUE_URL.trim() }
      : {}),
  };
}

/** A setting only some functions need (the queue URLs): checked when that function loads, with a clear message. */
export function requireAwsSetting<K extends 'failureQueueUrl' | 'failureDeadLetterQueueUrl'>(
  aws: AwsSettings,
  key: K,
  variable: string,
): string {
  const value = aws[key];
  if (!value) throw new InvalidSettingError(`invalid configuration: ${variable}: required by this function`);
  return value;
}
