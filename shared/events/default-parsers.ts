import { confluentNotificationParser } from './confluent-notification';
import { eventBridgeSecretsManagerParser } from './eventbridge-secrets-manager';
import { eventGridKeyVaultParser } from './eventgrid-key-vault';
import { pubSubSecretManagerParser } from './pubsub-secret-manager';
import type { TriggerParser } from './trigger-parser';

/**
 * The parsers every entry point uses, tried in order; each claims only its own envelope, so order matters only if
 * two ever claim the same payload. The Confluent notification parser is lenient, so it goes last.
 */
export const DEFAULT_PARSERS: readonly TriggerParser[] = [
  eventBridgeSecretsManagerParser,
  eventGridKeyVaultParser,
  pubSubSecretManagerParser,
  confluentNotificationParser,
];
