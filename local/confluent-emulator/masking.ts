/** What Confluent shows instead of a sensitive config value (the SDK examples use 16 asterisks). */
export const MASKED_VALUE = '****************';

export const PROVIDER_INTEGRATION_KEY = 'secret.manager.provider.integration.id';
const SENSITIVE_FRAGMENTS = ['password', 'secret', '.key', 'token'];
const AWS_SECRET_ARN = /^arn:[^:]+:secretsmanager:/;
const KEY_VAULT_SECRET_URI = /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/secrets\//i;
// The character set AWS allows in secret names.
const AWS_SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/**
 * Returns the config as Confluent would show it: sensitive values masked, secret-manager identifiers left readable.
 *
 * UNCONFIRMED (confluent-cloud-api.md §2): Confluent documents masking for plain credentials, but not whether a
 * secret identifier typed into a sensitive field reads back as itself or as asterisks. This emulator assumes it
 * reads back as itself; if that proves wrong, this function is the one place to change. Without a provider
 * integration a sensitive field is an ordinary credential, whatever it holds (an ARN typed into a password field
 * is just that password), so it is masked like any other.
 */
export function maskConfig(config: Readonly<Record<string, string>>): Record<string, string> {
  const usesSecretManager = PROVIDER_INTEGRATION_KEY in config;
  const masked: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const shown = !isSensitiveKey(key) || isSecretManagerIdentifier(value, usesSecretManager);
    masked[key] = shown ? value : MASKED_VALUE;
  }
  return masked;
}

function isSensitiveKey(key: string): boolean {
  // The integration id names a provider integration, not a credential, despite containing "secret".
  if (key === PROVIDER_INTEGRATION_KEY) return false;
  const lower = key.toLowerCase();
  return SENSITIVE_FRAGMENTS.some((fragment) => lower.includes(fragment));
}

function isSecretManagerIdentifier(value: string, usesSecretManager: boolean): boolean {
  // An identifier only means something when the connector resolves it through a provider integration.
  if (!usesSecretManager) return false;
  return AWS_SECRET_ARN.test(value) || KEY_VAULT_SECRET_URI.test(value) || AWS_SECRET_NAME.test(value);
}
