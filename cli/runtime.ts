import { hostname, userInfo } from 'node:os';
import { DefaultAzureCredential } from '@azure/identity';
import { buildReloader, type Reloader } from '#app/build-reloader';
import { loadSettings, type Settings } from '#config/settings';
import { type CredentialsProvider, StaticCredentials } from '#confluent/index';
import type { Logger } from '#core/ports';
import { parseSecretRef } from '#core/secret-ref';
import { JsonLogger } from '#observability/json-logger';
import { registerSensitiveValue } from '#observability/redaction';
import { SecretCredentialsProvider } from '#providers/secret-credentials';
import { SecretSourceRouter } from '#providers/secret-source-router';
import { createSecretProviders } from './secret-providers';
import { type CliStateStore, openStateStore, type StateStoreRequest } from './state-store';

export class MissingCredentialsError extends Error {
  override readonly name = 'MissingCredentialsError';
}

export interface CliRuntime {
  readonly settings: Settings;
  readonly reloader: Reloader;
  readonly secrets: SecretSourceRouter;
  readonly logger: Logger;
  /** Where locks and applied versions live for this run (state-store.ts). */
  readonly state: CliStateStore;
  /** `user@host`: who asked, for the locks others meet meanwhile. */
  readonly operator: string;
  /** The invocation id a verb's locks are owned under: `cli-<verb> user@host`. */
  invocationId(verb: string): string;
}

export interface CliRuntimeOptions {
  readonly dryRun?: boolean;
  /** For commands that read or take locks: the deployed state store when configured. Absent: process memory. */
  readonly state?: StateStoreRequest;
}

/**
 * Builds what the CLI runs on: the same reloader a function builds, with the cloud secret providers the
 * environment configures, the functions' state store when the environment names one, and logs on stderr (warnings
 * only unless LOG_LEVEL says otherwise).
 */
export function createCliRuntime(options: CliRuntimeOptions = {}, env = process.env): CliRuntime {
  const loaded = loadSettings({ LOG_LEVEL: 'warn', ...env });
  const settings: Settings = options.dryRun ? { ...loaded, dryRun: true } : loaded;
  const logger = new JsonLogger(settings.logLevel);
  // Asks for a token only when used (a Key Vault secret, an Azure Table reached by endpoint).
  const azureCredential = new DefaultAzureCredential();
  const secrets = new SecretSourceRouter(createSecretProviders(env, azureCredential));
  const state = options.state
    ? openStateStore(env, azureCredential, options.state)
    : openStateStore({}, azureCredential, { choice: 'memory' });
  const reloader = buildReloader(settings, {
    secrets,
    credentials: credentialsFor(settings, secrets),
    state: state.store,
    logger,
  });
  const operator = operatorName();
  return { settings, reloader, secrets, logger, state, operator, invocationId: (verb) => `cli-${verb} ${operator}` };
}

function operatorName(): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the host still says where the lock came from.
  }
  return `${user}@${hostname()}`;
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
