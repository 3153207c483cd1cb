import { readSettings, settingsReadBy } from '#config/read-settings';
import { InvalidSettingError } from '#config/settings';

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
  /** Where a rotation pending on a locked connector waits for its next try (ROTATION_RETRY_QUEUE_URL). */
  readonly rotationRetryQueueUrl?: string;
  /** Where the retry function puts a rotation still pending after its last try (ROTATION_RETRY_DEAD_LETTER_QUEUE_URL). */
  readonly rotationRetryDeadLetterQueueUrl?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the AWS runtime's rows of the setting table (shared/config/setting-table.ts), checking the start-up rules
 * that need them, e.g. that a restart and its verification fit in FUNCTION_TIMEOUT_SECONDS.
 */
export function loadAwsSettings(env: Env = process.env): AwsSettings {
  const s = readSettings(settingsReadBy('aws'), env);
  return {
    stateTable: s.STATE_TABLE,
    idempotencyTable: s.IDEMPOTENCY_TABLE,
    eventBusName: s.EVENT_BUS_NAME,
    region: s.AWS_REGION,
    ...(s.FAILURE_QUEUE_URL ? { failureQueueUrl: s.FAILURE_QUEUE_URL } : {}),
    ...(s.FAILURE_DEAD_LETTER_QUEUE_URL ? { failureDeadLetterQueueUrl: s.FAILURE_DEAD_LETTER_QUEUE_URL } : {}),
    ...(s.ROTATION_RETRY_QUEUE_URL ? { rotationRetryQueueUrl: s.ROTATION_RETRY_QUEUE_URL } : {}),
    ...(s.ROTATION_RETRY_DEAD_LETTER_QUEUE_URL
      ? { rotationRetryDeadLetterQueueUrl: s.ROTATION_RETRY_DEAD_LETTER_QUEUE_URL }
      : {}),
  };
}

/** A setting only some functions need (the queue URLs): checked when that function loads, with a clear message. */
export function requireAwsSetting<
  K extends
    | 'failureQueueUrl'
    | 'failureDeadLetterQueueUrl'
    | 'rotationRetryQueueUrl'
    | 'rotationRetryDeadLetterQueueUrl',
>(aws: AwsSettings, key: K, variable: string): string {
  const value = aws[key];
  if (!value) throw new InvalidSettingError(`invalid configuration: ${variable}: required by this function`);
  return value;
}
