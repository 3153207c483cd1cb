import { buildReloader, type Reloader } from '../shared/app/build-reloader';
import { loadSettings, type Settings } from '../shared/config/settings';
import { type CredentialsProvider, StaticCredentials } from '../shared/confluent';
import type { Logger } from '../shared/core/ports';
import { parseSecretRef } from '../shared/core/secret-ref';
import { JsonLogger } from '../shared/observability/json-logger';
import { registerSensitiveValue } from '../shared/observability/redaction';
import { SecretCredentialsProvider } from '../shared/providers/secret-credentials';
import { SecretSourceRouter } from '../shared/providers/secret-source-router';
import { MemoryStateStore } from '../shared/state/memory-state-store';
import { createSecretProviders } from './secret-providers';

export class MissingCredentialsError extends Error {
  override readonly name = 'MissingCredentialsError';
}

export interface CliRuntime {
  readonly settings: Settings;
  readonly reloader: Reloader;
  readonly secrets: SecretSourceRouter;
  readonly logger: Logger;
}

/**
 * Builds what the CLI runs on: the same reloader a function builds, with the cloud secret providers the
 * environment configures, process-local state and logs on stderr (warnings only unless LOG_LEVEL says otherwise).
 */
export function createCliRuntime(overrides: { dryRun?: boolean } = {}, env = process.env): CliRuntime {
  const loaded = loadSettings({ LOG_LEVEL: 'warn', ...env });
  const settings: Settings = overrides.dryRun ? { ...loaded, dryRun: true } : loaded;
  const logger = new JsonLogger(settings.logLevel);
  const secrets = new SecretSourceRouter(createSecretProviders(env));
  const reloader = buildReloader(settings, {
    secrets,
    credentials: credentialsFor(settings, secrets),
    state: new MemoryStateStore(),
    logger,
  });
  return { settings, reloader, secrets, logger };
}

function credentialsFor(settings: Settings, secrets: SecretSourceRouter): CredentialsProvider {
  if (settings.plainCredentials) {
    registerSensitiveValue(settings.plainCredentials.apiSecret);
    return new StaticCredentials(settings.plainCredentials.apiKey, settings.plainCredentials.apiSecret);
  }
  if (settings.credentialsSecret) {
    return new SecretCredentialsProvider(secrets, parseSecretRef(settings.credentialsSecret));
  }
  throw new MissingCredentialsError(
    'no Confluent Cloud credentials: set CONFLUENT_CREDENTIALS_SECRET (a secret holding {"apiKey","apiSecret"}), or CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET',
  );
}
