import path from 'node:path';
import { parseSecretRef, type SecretRef } from '#core/secret-ref';
import { type ConfluentEmulator, startConfluentEmulator } from './confluent-emulator';
import type { Estate } from './estate';
import {
  type SecretLabelUpdatedEvent,
  type SecretsManagerEmulator,
  startSecretsManagerEmulator,
} from './secrets-manager-emulator';
import { SEED_SECRETS } from './seed-estate';

/**
 * The local cloud: a Confluent Cloud emulator seeded with a realistic estate and a Secrets Manager holding the
 * secrets its connectors reference, wired the way the real clouds are: a rotation in Secrets Manager makes the
 * connectors' credentials stale in Confluent and puts the native EventBridge event on the "bus" (`onRotation`).
 */
export interface LocalCloudOptions {
  readonly confluentPort?: number;
  readonly secretsManagerPort?: number;
  /** How long connectors stay PROVISIONING after a restart. */
  readonly provisioningMs?: number;
  /** The EventBridge rule target: receives every `Secret Label Updated` event. */
  readonly onRotation?: (event: SecretLabelUpdatedEvent) => Promise<void>;
  /** The Confluent Cloud API key the emulator accepts and the credentials secret holds (tests use canaries). */
  readonly confluentKey?: { readonly apiKey: string; readonly apiSecret: string };
  /** The estate the Confluent emulator serves (default: the seeded one; npm start and the demo add GCP's). */
  readonly estate?: Estate;
  /** Values for the seeded secrets, by canonical id (tests use canaries). */
  readonly secretValues?: Readonly<Record<string, string>>;
}

export interface LocalCloud {
  readonly confluent: ConfluentEmulator;
  readonly secretsManager: SecretsManagerEmulator;
  /** Environment variables that point the reloader (CLI, handlers, SDKs) at this local cloud. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

export const LOCAL_CONFLUENT_KEY = { apiKey: 'local-api-key', apiSecret: 'local-api-secret' } as const;
export const LOCAL_CREDENTIALS_SECRET_NAME = 'connector-reloader/confluent-cloud';
export const LOCAL_MAPPING_FILE = path.join(__dirname, 'mapping.json');

/** Secrets as seeded, with the connectors a tag names where the estate uses tags. */
const SEEDED: readonly { ref: string; value: string; tags?: Record<string, string> }[] = [
  { ref: SEED_SECRETS.ordersDb, value: '{"username":"orders","password":"local-orders-password-v1"}' },
  {
    ref: SEED_SECRETS.paymentsApiKey,
    value: '{"apiKey":"local-payments-key-v1"}',
    tags: { 'confluent-connectors': 'env-prod01/lkc-pay01/payments-http-sink' },
  },
  { ref: SEED_SECRETS.crmToken, value: '{"token":"local-crm-token-v1"}' },
  {
    ref: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stage/orders-db-Mn34Op',
    value: '{"username":"orders","password":"local-stage-password-v1"}',
  },
];

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const confluentKey = options.confluentKey ?? LOCAL_CONFLUENT_KEY;
  const confluent = await startConfluentEmulator({
    ...confluentKey,
    port: options.confluentPort ?? 0,
    ...(options.estate ? { estate: options.estate } : {}),
    ...(options.provisioningMs !== undefined ? { provisioningMs: options.provisioningMs } : {}),
  });
  const secretsManager = await startSecretsManagerEmulator({
    port: options.secretsManagerPort ?? 0,
    onLabelUpdated: async (event) => {
      const [arn] = event.resources;
      if (event.detail.labelUpdated === 'AWSCURRENT' && arn)
        confluent.control.rotateSecret(arn, event.detail.versionId);
      await options.onRotation?.(event);
    },
  });
  for (const secret of SEEDED) {
    const ref = parseSecretRef(secret.ref) as Extract<SecretRef, { provider: 'aws' }>;
    secretsManager.control.seed(ref.name, options.secretValues?.[secret.ref] ?? secret.value, secret.tags ?? {}, {
      ...(ref.region ? { region: ref.region } : {}),
      ...(ref.arnSuffix ? { arnSuffix: ref.arnSuffix } : {}),
    });
  }
  const credentialsArn = secretsManager.control.seed(LOCAL_CREDENTIALS_SECRET_NAME, JSON.stringify(confluentKey));
  return {
    confluent,
    secretsManager,
    env: {
      CONFLUENT_API_URL: confluent.url,
      CONFLUENT_CREDENTIALS_SECRET: credentialsArn,
      TARGET_MAPPING_FILE: LOCAL_MAPPING_FILE,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
      VERIFY_POLL_SECONDS: '0.25',
      // Above the emulator's status lag: the status still shows the old state for a moment after a 202.
      VERIFY_SETTLE_SECONDS: '1',
      VERIFY_TIMEOUT_SECONDS: '30',
      PAUSE_TIMEOUT_SECONDS: '10',
    },
    async close() {
      await Promise.all([confluent.close(), secretsManager.close()]);
    },
  };
}
