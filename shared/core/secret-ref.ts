/**
 * A reference to a secret in a cloud secret manager, with one canonical string form.
 *
 * AWS: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 random chars>` when the full ARN is known;
 * a name plus region/account otherwise. Azure: `https://<vault-host>/secrets/<name>[/<version>]`. Google Cloud:
 * `projects/<project id or number>/secrets/<name>[/versions/<n|latest>]`.
 */
export type SecretRef = AwsSecretRef | AzureSecretRef | GcpSecretRef;
export type CloudProvider = SecretRef['provider'];

export interface AwsSecretRef {
  readonly provider: 'aws';
  /** The secret's friendly name, without the random ARN suffix. */
  readonly name: string;
  readonly region?: string;
  readonly accountId?: string;
  readonly partition?: string;
  /** The random 6-character suffix AWS appends in the ARN, when known. */
  readonly arnSuffix?: string;
}

export interface AzureSecretRef {
  readonly provider: 'azure';
  /** Vault host, lower-case, e.g. `my-vault.vault.azure.net`. */
  readonly vaultHost: string;
  /** Secret name, lower-case: Key Vault names are case-insensitive. */
  readonly name: string;
  readonly version?: string;
}

export interface GcpSecretRef {
  readonly provider: 'gcp';
  /** The project as written: its id (`my-project`) or its number (`123456789012`, what notifications carry). */
  readonly project: string;
  /** Secret ids are case-sensitive on Google Cloud, so the name is kept as written. */
  readonly name: string;
  /** A version number, or `latest`. */
  readonly version?: string;
}

export class InvalidSecretRefError extends Error {
  override readonly name = 'InvalidSecretRefError';
}

const AWS_ARN = /^arn:(aws[a-z-]*):secretsmanager:([a-z0-9-]+):(\d{12}):secret:([A-Za-z0-9/_+=.@-]+)$/;
/** AWS appends `-` and six random characters to the name in a secret's ARN. */
const ARN_SUFFIX = /^(.+)-([A-Za-z0-9]{6})$/;
const AWS_SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const AZURE_SECRET_URI =
  /^https:\/\/([a-z0-9-]+\.vault\.[a-z0-9.-]+?)(?::443)?\/secrets\/([A-Za-z0-9-]{1,127})(?:\/([A-Za-z0-9]{1,64}))?\/?$/i;

/**
 * Secret Manager resource names: a project id (6-30 characters, a lower-case letter first) or number, a secret id of
 * letters, digits, `-` and `_` (at most 255), and a version number or `latest`.
 */
const GCP_SECRET_NAME =
  /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9]|\d{1,20})\/secrets\/([A-Za-z0-9_-]{1,255})(?:\/versions\/([1-9]\d{0,19}|latest))?$/;
/** A string shaped like a Secret Manager name: never an AWS secret name, even when it is not a valid one. */
const GCP_SHAPED = /^projects\/[^/]*\/secrets\//;

export interface SecretRefDefaults {
  /** Which provider a bare name belongs to. */
  readonly provider?: CloudProvider;
  readonly region?: string;
  readonly accountId?: string;
}

/**
 * Parses an ARN, a Key Vault secret URI, a Secret Manager name, or a bare AWS secret name (completed from
 * `defaults`). A string shaped `projects/…/secrets/…` is Google Cloud's, valid or not, never an AWS name.
 * An ARN whose last segment ends in `-XXXXXX` is taken to carry AWS's random suffix.
 */
export function parseSecretRef(input: string, defaults: SecretRefDefaults = {}): SecretRef {
  const text = input.trim();
  if (text === '') throw new InvalidSecretRefError('secret reference is empty');

  const arn = AWS_ARN.exec(text);
  if (arn) {
    const [, partition, region, accountId, resource] = arn as unknown as [string, string, string, string, string];
    const suffixed = ARN_SUFFIX.exec(resource);
    return suffixed
      ? { provider: 'aws', partition, region, accountId, name: suffixed[1] as string, arnSuffix: suffixed[2] as string }
      : { provider: 'aws', partition, region, accountId, name: resource };
  }
  if (text.startsWith('arn:')) throw new InvalidSecretRefError(`not a Secrets Manager secret ARN: ${text}`);

  const uri = AZURE_SECRET_URI.exec(text);
  if (uri) {
    const [, host, name, version] = uri as unknown as [string, string, string, string | undefined];
    return {
      provider: 'azure',
      vaultHost: host.toLowerCase(),
      name: name.toLowerCase(),
      ...(version ? { version } : {}),
    };
  }
  if (/^https?:\/\//i.test(text)) throw new InvalidSecretRefError(`not a Key Vault secret URI: ${text}`);

  const gcp = GCP_SECRET_NAME.exec(text);
  if (gcp) {
    const [, project, name, version] = gcp as unknown as [string, string, string, string | undefined];
    return { provider: 'gcp', project, name, ...(version ? { version } : {}) };
  }
  if (GCP_SHAPED.test(text)) {
    throw new InvalidSecretRefError(
      `not a Secret Manager secret name (projects/<project>/secrets/<name>[/versions/<n|latest>]): ${text}`,
    );
  }
  if (defaults.provider === 'gcp') {
    throw new InvalidSecretRefError(
      `a Google Cloud secret needs its full name (projects/<project>/secrets/<name>): ${text}`,
    );
  }

  if (defaults.provider === 'azure') {
    throw new InvalidSecretRefError(
      `an Azure secret needs its full URI (https://<vault>.vault.azure.net/secrets/<name>): ${text}`,
    );
  }
  if (!AWS_SECRET_NAME.test(text)) throw new InvalidSecretRefError(`not a valid Secrets Manager secret name: ${text}`);
  return {
    provider: 'aws',
    name: text,
    ...(defaults.region ? { region: defaults.region } : {}),
    ...(defaults.accountId ? { accountId: defaults.accountId } : {}),
  };
}

/** The full ARN, when region, account and suffix are all known. */
export function secretArn(ref: AwsSecretRef): string | undefined {
  if (!ref.region || !ref.accountId || !ref.arnSuffix) return undefined;
  return `${partialSecretArn(ref)}-${ref.arnSuffix}`;
}

/** The ARN without the random suffix (AWS accepts it as a SecretId), when region and account are known. */
export function partialSecretArn(ref: AwsSecretRef): string | undefined {
  if (!ref.region || !ref.accountId) return undefined;
  return `arn:${ref.partition ?? 'aws'}:secretsmanager:${ref.region}:${ref.accountId}:secret:${ref.name}`;
}

/**
 * The one canonical string for a secret: the ARN (full when known) on AWS, the bare name when nothing more is known;
 * the versionless secret URI on Azure; the versionless `projects/<project>/secrets/<name>` on Google Cloud.
 */
export function canonicalSecretId(ref: SecretRef): string {
  if (ref.provider === 'azure') return `https://${ref.vaultHost}/secrets/${ref.name}`;
  if (ref.provider === 'gcp') return `projects/${ref.project}/secrets/${ref.name}`;
  return secretArn(ref) ?? partialSecretArn(ref) ?? ref.name;
}

/**
 * A key that is the same for every way of naming one secret (ARN with or without suffix, name plus region/account),
 * used for idempotency records and de-duplication. Azure ignores the version: that is carried separately.
 */
export function secretIdentityKey(ref: SecretRef): string {
  if (ref.provider === 'azure') return `azure:${ref.vaultHost}:${ref.name}`;
  if (ref.provider === 'gcp') return `gcp:${ref.project}:${ref.name}`;
  return `aws:${ref.region ?? '?'}:${ref.accountId ?? '?'}:${ref.name}`;
}

/** True when both references name the same secret, tolerating a missing ARN suffix, region or account on one side. */
export function sameSecret(a: SecretRef, b: SecretRef): boolean {
  if (a.provider === 'gcp' || b.provider === 'gcp') {
    return a.provider === 'gcp' && b.provider === 'gcp' && a.name === b.name && sameGcpProject(a.project, b.project);
  }
  if (a.provider === 'azure' || b.provider === 'azure') {
    return a.provider === b.provider && secretIdentityKey(a) === secretIdentityKey(b);
  }
  const agree = (x?: string, y?: string) => x === undefined || y === undefined || x === y;
  return (
    a.name === b.name && agree(a.region, b.region) && agree(a.accountId, b.accountId) && agree(a.arnSuffix, b.arnSuffix)
  );
}

const PROJECT_NUMBER = /^\d+$/;

/**
 * Notifications name a project by number, configs often by id, and nothing here maps one to the other without the
 * Resource Manager API: an id and a number are taken as the same project, so the secret's name decides (two
 * projects of one deployment holding equally named secrets are told apart only when both sides use the same form).
 */
function sameGcpProject(a: string, b: string): boolean {
  return a === b || PROJECT_NUMBER.test(a) !== PROJECT_NUMBER.test(b);
}
