import { buildReloader } from '../shared/app/build-reloader';
import { handleSecretEvents } from '../shared/app/handle-trigger';
import { loadSettings } from '../shared/config/settings';
import { parseSecretRef } from '../shared/core/secret-ref';
import { DEFAULT_PARSERS } from '../shared/events/default-parsers';
import { parseTrigger } from '../shared/events/parse-trigger';
import { JsonLogger } from '../shared/observability/json-logger';
import { AwsSecretsManager, secretsManagerClientFactory } from '../shared/providers/aws-secrets-manager';
import { SecretCredentialsProvider } from '../shared/providers/secret-credentials';
import { MemoryStateStore } from '../shared/state/memory-state-store';

/**
 * Where the local "bus" delivers rotation events: built from environment variables exactly as a deployed function
 * builds itself, then parse → handleSecretEvents, the rotation path every runtime shares.
 */
export function createRotationTarget(env: NodeJS.ProcessEnv) {
  const settings = loadSettings({ LOG_LEVEL: 'warn', ...env });
  const secrets = new AwsSecretsManager({
    clientFactory: secretsManagerClientFactory(),
    defaultRegion: env.AWS_REGION ?? 'us-east-1',
  });
  if (!settings.credentialsSecret) throw new Error('CONFLUENT_CREDENTIALS_SECRET is not set');
  const logger = new JsonLogger(settings.logLevel);
  const reloader = buildReloader(settings, {
    secrets,
    credentials: new SecretCredentialsProvider(secrets, parseSecretRef(settings.credentialsSecret)),
    state: new MemoryStateStore(),
    logger,
  });
  return {
    reloader,
    deliver: (event: unknown) => handleSecretEvents(parseTrigger(event, DEFAULT_PARSERS), reloader, logger),
  };
}
