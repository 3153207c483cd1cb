import { canonicalSecretId, parseSecretRef, type SecretRef, sameSecret } from './secret-ref';

/**
 * Decides whether a connector config value refers to a given secret.
 *
 * Confluent's exact "secret identifier" syntax is UNCONFIRMED (confluent-cloud-api.md §2), so this module accepts
 * every plausible spelling and is the one place to change when it is confirmed:
 * - AWS: the ARN with or without its random 6-character suffix, anywhere in the value (it may be wrapped, e.g.
 *   `${arn…}` or followed by a JSON key selector), under any key; or the value being exactly the secret's name, but
 *   only under a credential-like key (a topic or a connector named like the secret is not a reference);
 * - Azure: the Key Vault secret URI with or without a version, anywhere in the value;
 * - Google Cloud: `projects/<id or number>/secrets/<name>` with or without `/versions/<n|latest>`, anywhere in the
 *   value (also inside `//secretmanager.googleapis.com/…`); a project id matches the number a notification names.
 * Masked values (`****`) never match.
 */
export interface SecretReferenceMatcher {
  /** Whether `value`, found under config key `key`, refers to the secret. */
  matches(value: string, key: string): boolean;
}

/**
 * The config key Confluent's secret manager integration needs (confluent-cloud-api.md §8: "use it as
 * `secret.manager.provider.integration.id` in your connector configuration"). Without it a connector cannot
 * resolve a secret identifier: an ARN in its config is plain text that no restart re-reads.
 */
export const PROVIDER_INTEGRATION_KEY = 'secret.manager.provider.integration.id';

/** The integration id a connector's config names, if any. */
export function providerIntegrationOf(config: Readonly<Record<string, string>>): string | undefined {
  const id = config[PROVIDER_INTEGRATION_KEY]?.trim();
  return id ? id : undefined;
}

/**
 * Key segments that mark a credential field: a bare secret name counts as a reference only under such a key.
 * `key` counts as the last segment only (`azblob.account.key`, `kafka.api.key`), not as in `key.converter`.
 */
const CREDENTIAL_SEGMENTS = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'credential',
  'credentials',
  'apikey',
  'jaas',
]);
const KEY_SEGMENTS = new Set(['key', 'keys']);

/** Whether a config key names a credential (password, secret, key, token, credentials…), not a topic or a name. */
export function isCredentialKey(key: string): boolean {
  if (key === PROVIDER_INTEGRATION_KEY) return false;
  const segments = key
    .replace(/([a-z0-9])([A-Z])/g, '$1.$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((segment) => segment !== '');
  const last = segments.at(-1);
  return segments.some((segment) => CREDENTIAL_SEGMENTS.has(segment)) || (last !== undefined && KEY_SEGMENTS.has(last));
}

/** AWS secret ARNs inside a longer string: the resource part ends at the first character a name cannot hold. */
const EMBEDDED_AWS_ARN = /arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+/g;
const EMBEDDED_KEY_VAULT_URI = /https:\/\/[a-z0-9-]+\.vault\.[a-z0-9.-]+\/secrets\/[A-Za-z0-9-]+(?:\/[A-Za-z0-9]+)?/gi;
/** Secret Manager names inside a longer string, not preceded by a character a path segment could hold. */
const EMBEDDED_GCP_NAME =
  /(?<![A-Za-z0-9_.-])projects\/[a-z0-9-]+\/secrets\/[A-Za-z0-9_-]+(?:\/versions\/(?:\d+|latest))?/g;
/** Confluent masks sensitive values with asterisks; Terraform's provider treats any value starting `**` as masked. */
const MASKED = /^\*{2,}/;

export function secretReferenceMatcher(secret: SecretRef): SecretReferenceMatcher {
  if (secret.provider === 'gcp') {
    return {
      matches(value) {
        if (MASKED.test(value) || !value.includes('/secrets/')) return false;
        return embedded(value, EMBEDDED_GCP_NAME).some((ref) => sameSecret(ref, secret));
      },
    };
  }
  if (secret.provider === 'azure') {
    return {
      matches(value) {
        // Cheap pre-filter keeps a scan over 100k configs fast: most values never mention a vault.
        if (!value.includes('/secrets/') || !/vault/i.test(value)) return false;
        return embedded(value, EMBEDDED_KEY_VAULT_URI).some((ref) => sameSecret(ref, secret));
      },
    };
  }
  return {
    matches(value, key) {
      if (MASKED.test(value)) return false;
      if (value.trim() === secret.name) return isCredentialKey(key);
      if (!value.includes(':secretsmanager:')) return false;
      return embedded(value, EMBEDDED_AWS_ARN).some((arn) => arnNamesSecret(arn, secret));
    },
  };
}

function embedded(value: string, pattern: RegExp): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const match of value.matchAll(pattern)) {
    try {
      refs.push(parseSecretRef(match[0]));
    } catch {
      // Looked like a reference but is not a valid one: not a match.
    }
  }
  return refs;
}

/**
 * An ARN found in a config names the secret when it is the full ARN, or the partial ARN (no suffix). A partial ARN
 * whose name happens to end in `-XXXXXX` parses as if it carried a suffix, so the unsplit name is compared too.
 */
function arnNamesSecret(found: SecretRef, secret: SecretRef): boolean {
  if (found.provider !== 'aws' || secret.provider !== 'aws') return false;
  if (sameSecret(found, secret)) return true;
  const unsplit = found.arnSuffix ? `${found.name}-${found.arnSuffix}` : found.name;
  return unsplit === secret.name && sameSecret({ ...found, name: unsplit, arnSuffix: undefined }, secret);
}

/** The config keys (in order) whose values refer to the secret. */
export function referencingKeys(config: Readonly<Record<string, string>>, matcher: SecretReferenceMatcher): string[] {
  return Object.keys(config).filter((key) => {
    const value = config[key];
    return typeof value === 'string' && matcher.matches(value, key);
  });
}

/**
 * The versions the given keys pin the secret to, when every reference among them names a version: a Key Vault
 * `…/secrets/<name>/<version>` (lower-cased) or a Secret Manager `…/versions/<n>` (`latest` follows the current
 * version). Undefined when any reference is versionless, or the secret is on AWS (whether an AWS identifier can pin
 * a version is not documented). De-duplicated. For the `pinned-version` rule: a connector pinned to version 3 gains
 * nothing from a restart for version 4.
 */
export function pinnedVersions(
  config: Readonly<Record<string, string>>,
  keys: readonly string[],
  secret: SecretRef,
): string[] | undefined {
  const pattern =
    secret.provider === 'azure' ? EMBEDDED_KEY_VAULT_URI : secret.provider === 'gcp' ? EMBEDDED_GCP_NAME : undefined;
  if (!pattern || keys.length === 0) return undefined;
  const versions = new Set<string>();
  for (const key of keys) {
    for (const ref of embedded(config[key] ?? '', pattern).filter((found) => sameSecret(found, secret))) {
      if (ref.provider === 'aws' || !ref.version || ref.version === 'latest') return undefined;
      versions.add(ref.provider === 'azure' ? ref.version.toLowerCase() : ref.version);
    }
  }
  return versions.size > 0 ? [...versions] : undefined;
}

/**
 * Every secret a config visibly references by ARN, Key Vault URI or Secret Manager name, as canonical ids (for
 * `status`). Bare names are not detectable without knowing the secret, so they only show up when matching one.
 */
export function findSecretReferences(config: Readonly<Record<string, string>>): string[] {
  const found = new Set<string>();
  for (const value of Object.values(config)) {
    if (typeof value !== 'string' || MASKED.test(value)) continue;
    for (const pattern of [EMBEDDED_AWS_ARN, EMBEDDED_KEY_VAULT_URI, EMBEDDED_GCP_NAME]) {
      for (const ref of embedded(value, pattern)) found.add(canonicalSecretId(ref));
    }
  }
  return [...found];
}

/** The cluster credentials Confluent issues itself (API-key auth): never a secret manager reference. */
const KAFKA_CREDENTIAL_KEYS = new Set(['kafka.api.key', 'kafka.api.secret']);

/**
 * The credential-like fields of a config, split by how they read back: in clear (a reference the scan can match)
 * or masked (`****`: the scan cannot tell which secret, if any, they name).
 */
export function credentialFields(config: Readonly<Record<string, string>>): {
  readonly clear: string[];
  readonly masked: string[];
} {
  const clear: string[] = [];
  const masked: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (typeof value !== 'string' || !isCredentialKey(key) || KAFKA_CREDENTIAL_KEYS.has(key)) continue;
    (MASKED.test(value) ? masked : clear).push(key);
  }
  return { clear, masked };
}
