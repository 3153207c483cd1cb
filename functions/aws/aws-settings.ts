import { InvalidSettingError } from '../../shared/config/settings';

/** What the Lambda needs beyond the shared settings: where its state lives and where outcomes go. */
export interface AwsSettings {
  readonly stateTable: string;
  readonly idempotencyTable: string;
  readonly eventBusName: string;
  readonly region: string;
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
  };
}
