import { canonicalSecretId, parseSecretRef, type SecretRef, sameSecret } from './secret-ref';

/**
 * Decides whether a connector config value refers to a given secret.
 *
 * Confluent's exact "secret identifier" syntax is UNCONFIRMED (confluent-cloud-api.md §2), so this module accepts
 * every plausible spelling and is the one place to change when it is confirmed:
 * - AWS: the ARN with or without its random 6-character suffix, anywhere in the value (it may be wrapped, e.g.
 *   `${arn…}` or followed by a JSON key selector); or the value being exactly the secret's name;
 * - Azure: the Key Vault secret URI with or without a version, anywhere in the value;
 * - Google Cloud: `projects/<id or number>/secrets/<name>` with or without `/versions/<n|latest>`, anywhere in the
 *   value (also inside `//secretmanager.googleapis.com/…`); a project id matches the number a notification names.
 * Masked values (`****`) never match.
 */
export interface SecretReferenceMatcher {
  matches(value: string): boolean;
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
    matches(value) {
      if (MASKED.test(value)) return false;
      if (value.trim() === secret.name) return true;
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
    return typeof value === 'string' && matcher.matches(value);
  });
}

/**
 * The Secret Manager versions `value` pins `secret` to, when every reference to it there names a version number;
 * undefined when one follows the current version (none, or `latest`). For the `pinned-version` rule: a connector
 * pinned to version 3 gains nothing from a restart for version 4.
 */
export function pinnedGcpVersions(value: string, secret: SecretRef): string[] | undefined {
  if (secret.provider !== 'gcp') return undefined;
  const versions = new Set<string>();
  for (const ref of embedded(value, EMBEDDED_GCP_NAME).filter((found) => sameSecret(found, secret))) {
    if (ref.provider !== 'gcp' || !ref.version || ref.version === 'latest') return undefined;
    versions.add(ref.version);
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
