import { randomUUID } from 'node:crypto';

/** One version of a secret, as Key Vault keeps it: every version is kept, with its own attributes and tags. */
export interface StoredVersion {
  readonly vault: string;
  readonly name: string;
  readonly version: string;
  readonly value: string;
  enabled: boolean;
  tags: Record<string, string>;
  contentType?: string;
  /** Epoch seconds, as Key Vault reports them. */
  readonly created: number;
  updated: number;
  nbf?: number;
  exp?: number;
}

export interface NewVersion {
  readonly value: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly contentType?: string;
  readonly enabled?: boolean;
  readonly nbf?: number;
  readonly exp?: number;
  /** Fixed version ids for a repeatable seed; random 32 hex characters otherwise, as Key Vault makes them. */
  readonly version?: string;
  /** Epoch seconds; now otherwise. */
  readonly created?: number;
}

export class KeyVaultApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }
}

/** Secrets per vault name; names are case-insensitive in Key Vault, so they are kept lower-case. */
export class VaultStore {
  private readonly secrets = new Map<string, StoredVersion[]>();

  constructor(private readonly now: () => number) {}

  set(vault: string, name: string, input: NewVersion): StoredVersion {
    const key = secretKey(vault, name);
    const versions = this.secrets.get(key) ?? [];
    const created = input.created ?? Math.floor(this.now() / 1000);
    const stored: StoredVersion = {
      vault: vault.toLowerCase(),
      name,
      version: input.version ?? randomUUID().replaceAll('-', ''),
      value: input.value,
      enabled: input.enabled ?? true,
      tags: { ...input.tags },
      created,
      updated: created,
      ...(input.contentType === undefined ? {} : { contentType: input.contentType }),
      ...(input.nbf === undefined ? {} : { nbf: input.nbf }),
      ...(input.exp === undefined ? {} : { exp: input.exp }),
    };
    versions.push(stored);
    this.secrets.set(key, versions);
    return stored;
  }

  /** The latest version when `version` is omitted: Key Vault does not fall back to an older enabled one. */
  get(vault: string, name: string, version?: string): StoredVersion {
    const versions = this.versions(vault, name);
    const found = version ? versions.find((v) => v.version === version) : versions.at(-1);
    if (!found) throw notFound(name, version);
    return found;
  }

  versions(vault: string, name: string): StoredVersion[] {
    const versions = this.secrets.get(secretKey(vault, name));
    if (!versions || versions.length === 0) throw notFound(name);
    return versions;
  }

  /** The latest version of every secret in a vault. */
  latest(vault: string): StoredVersion[] {
    const prefix = `${vault.toLowerCase()}/`;
    return [...this.secrets.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .flatMap(([, versions]) => (versions.length > 0 ? [versions.at(-1) as StoredVersion] : []));
  }

  update(
    vault: string,
    name: string,
    version: string | undefined,
    patch: { enabled?: boolean; tags?: Record<string, string>; contentType?: string; nbf?: number; exp?: number },
  ): StoredVersion {
    const stored = this.get(vault, name, version);
    if (patch.enabled !== undefined) stored.enabled = patch.enabled;
    if (patch.tags !== undefined) stored.tags = { ...patch.tags };
    if (patch.contentType !== undefined) stored.contentType = patch.contentType;
    if (patch.nbf !== undefined) stored.nbf = patch.nbf;
    if (patch.exp !== undefined) stored.exp = patch.exp;
    stored.updated = Math.floor(this.now() / 1000);
    return stored;
  }
}

function secretKey(vault: string, name: string): string {
  return `${vault.toLowerCase()}/${name.toLowerCase()}`;
}

function notFound(name: string, version?: string): KeyVaultApiError {
  return new KeyVaultApiError(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${name}${version ? `/${version}` : ''} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`,
  );
}
