import { randomInt, randomUUID } from 'node:crypto';
import { invalidParameter, invalidRequest, notFound, resourceExists } from './api-error';

export const AWSCURRENT = 'AWSCURRENT';
export const AWSPENDING = 'AWSPENDING';
export const AWSPREVIOUS = 'AWSPREVIOUS';

/** SecretBinary travels base64-encoded in AWS JSON, so it is kept as that text. */
export type SecretPayload =
  | { readonly kind: 'string'; readonly text: string }
  | { readonly kind: 'binary'; readonly base64: string };

export interface StoredVersion {
  readonly id: string;
  readonly payload: SecretPayload;
  readonly createdAt: number;
  readonly stages: Set<string>;
}

export interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  readonly region: string;
  readonly description?: string;
  readonly tags: Map<string, string>;
  /** Versions without labels stay readable by id (AWS keeps them until it deprecates them). */
  readonly versions: Map<string, StoredVersion>;
  readonly createdAt: number;
  lastChangedAt: number;
}

/** A label that landed on a version: what Secrets Manager turns into a `Secret Label Updated` event. */
export interface LabelMove {
  readonly secret: StoredSecret;
  readonly label: string;
  readonly versionId: string;
}

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Secrets per region and the staging-label rules of Secrets Manager, with no HTTP in sight. */
export class SecretStore {
  private readonly regions = new Map<string, Map<string, StoredSecret>>();
  private moves: LabelMove[] = [];

  constructor(
    private readonly accountId: string,
    private readonly now: () => number,
  ) {}

  create(
    region: string,
    name: string,
    init: {
      payload?: SecretPayload;
      versionId?: string;
      tags?: ReadonlyMap<string, string>;
      description?: string;
      /** A fixed ARN suffix, so seeded estates can reference secrets by full ARN; random otherwise, as in AWS. */
      arnSuffix?: string;
    } = {},
  ): { secret: StoredSecret; versionId?: string } {
    if (!SECRET_NAME.test(name)) throw invalidParameter(`Invalid name: ${name}`);
    const secrets = this.secretsIn(region);
    if (secrets.has(name)) throw resourceExists(`The operation failed because the secret ${name} already exists.`);
    const now = this.now();
    const secret: StoredSecret = {
      arn: `arn:aws:secretsmanager:${region}:${this.accountId}:secret:${name}-${init.arnSuffix ?? randomSuffix()}`,
      name,
      region,
      ...(init.description === undefined ? {} : { description: init.description }),
      tags: new Map(init.tags ?? []),
      versions: new Map(),
      createdAt: now,
      lastChangedAt: now,
    };
    secrets.set(name, secret);
    if (!init.payload) return { secret };
    const version = this.putValue(secret, init.payload, init.versionId ?? randomUUID());
    return { secret, versionId: version.id };
  }

  /** Finds a secret by full ARN, partial ARN (no suffix) or name, in the region the request was signed for. */
  resolve(region: string, secretId: string | undefined): StoredSecret {
    if (!secretId) throw invalidParameter('SecretId is required.');
    const secrets = this.secretsIn(region);
    if (!secretId.startsWith('arn:')) return secrets.get(secretId) ?? throwNotFound();
    const parts = /^arn:[a-z-]+:secretsmanager:([a-z0-9-]+):(\d{12}):secret:(.+)$/.exec(secretId);
    if (!parts) throw invalidParameter(`Invalid ARN: ${secretId}`);
    const [, arnRegion, account, resource] = parts as unknown as [string, string, string, string];
    // A regional endpoint only knows its own region's secrets: a client for the wrong region must not find them.
    if (arnRegion !== region || account !== this.accountId) throw notFound();
    for (const secret of secrets.values()) if (secret.arn === secretId) return secret;
    return secrets.get(resource) ?? throwNotFound();
  }

  list(region: string): StoredSecret[] {
    return [...this.secretsIn(region).values()];
  }

  /**
   * Adds a version (PutSecretValue). `stages` defaults to AWSCURRENT; the first version always gets AWSCURRENT.
   * Repeating a version id with the same value is a no-op, with another value an error.
   */
  putValue(secret: StoredSecret, payload: SecretPayload, versionId: string, stages?: readonly string[]): StoredVersion {
    if (versionId.length < 32 || versionId.length > 64) {
      throw invalidParameter('ClientRequestToken must be 32 to 64 characters long.');
    }
    if (stages !== undefined && stages.length === 0) throw invalidParameter('VersionStages must not be empty.');
    const existing = secret.versions.get(versionId);
    if (existing) {
      if (samePayload(existing.payload, payload)) return existing;
      throw resourceExists("You can't modify an existing version, you can only create a new version.");
    }
    const labels = new Set(stages ?? [AWSCURRENT]);
    if (!this.holderOf(secret, AWSCURRENT)) labels.add(AWSCURRENT);
    const version: StoredVersion = { id: versionId, payload, createdAt: this.now(), stages: new Set() };
    secret.versions.set(versionId, version);
    for (const label of labels) this.attach(secret, label, version);
    secret.lastChangedAt = this.now();
    return version;
  }

  /** UpdateSecretVersionStage: move `label` to `moveTo`, or only take it off `removeFrom`. */
  updateStage(secret: StoredSecret, label: string, moveTo?: string, removeFrom?: string): void {
    if (!label) throw invalidParameter('VersionStage is required.');
    if (moveTo === undefined && removeFrom === undefined) {
      throw invalidParameter('Specify MoveToVersionId, RemoveFromVersionId or both.');
    }
    const holder = this.holderOf(secret, label);
    if (removeFrom !== undefined && holder?.id !== removeFrom) {
      throw invalidParameter(`The staging label ${label} is not attached to version ${removeFrom}.`);
    }
    if (moveTo === undefined) {
      if (label === AWSCURRENT) throw invalidRequest('You can only move AWSCURRENT to another version, not remove it.');
      holder?.stages.delete(label);
    } else {
      const target = secret.versions.get(moveTo);
      if (!target) throw notFound(`Secrets Manager can't find the specified secret version: ${moveTo}`);
      if (holder && holder !== target && removeFrom === undefined) {
        throw invalidParameter(
          `The staging label ${label} is currently attached to version ${holder.id}. ` +
            'To move the label to a different version, specify the version ID in RemoveFromVersionId.',
        );
      }
      this.attach(secret, label, target);
    }
    secret.lastChangedAt = this.now();
  }

  /** GetSecretValue's choice of version: by id, by label (default AWSCURRENT), or both, which must agree. */
  version(secret: StoredSecret, versionId?: string, stage?: string): StoredVersion {
    if (versionId !== undefined) {
      const version = secret.versions.get(versionId);
      if (!version || (stage !== undefined && !version.stages.has(stage))) {
        throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      }
      return version;
    }
    const label = stage ?? AWSCURRENT;
    const holder = this.holderOf(secret, label);
    if (!holder) throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${label}`);
    return holder;
  }

  tag(secret: StoredSecret, tags: ReadonlyMap<string, string>): void {
    for (const [key, value] of tags) secret.tags.set(key, value);
  }

  untag(secret: StoredSecret, keys: readonly string[]): void {
    for (const key of keys) secret.tags.delete(key);
  }

  /** VersionIdsToStages: only versions that carry at least one label. */
  stagesOf(secret: StoredSecret): Record<string, string[]> {
    const stages: Record<string, string[]> = {};
    for (const version of secret.versions.values()) {
      if (version.stages.size > 0) stages[version.id] = [...version.stages];
    }
    return stages;
  }

  /** The label moves since the last call, for the caller to publish once its operation has answered. */
  drainMoves(): LabelMove[] {
    const moves = this.moves;
    this.moves = [];
    return moves;
  }

  private attach(secret: StoredSecret, label: string, target: StoredVersion): void {
    const holder = this.holderOf(secret, label);
    if (holder === target) return;
    holder?.stages.delete(label);
    target.stages.add(label);
    // "Whenever you move AWSCURRENT, Secrets Manager automatically moves the label AWSPREVIOUS to the version that
    // AWSCURRENT was removed from." (UpdateSecretVersionStage API docs)
    if (label === AWSCURRENT && holder) {
      this.holderOf(secret, AWSPREVIOUS)?.stages.delete(AWSPREVIOUS);
      holder.stages.add(AWSPREVIOUS);
    }
    this.moves.push({ secret, label, versionId: target.id });
  }

  private holderOf(secret: StoredSecret, label: string): StoredVersion | undefined {
    for (const version of secret.versions.values()) if (version.stages.has(label)) return version;
    return undefined;
  }

  private secretsIn(region: string): Map<string, StoredSecret> {
    let secrets = this.regions.get(region);
    if (!secrets) {
      secrets = new Map();
      this.regions.set(region, secrets);
    }
    return secrets;
  }
}

function throwNotFound(): never {
  throw notFound();
}

function samePayload(a: SecretPayload, b: SecretPayload): boolean {
  return a.kind === 'string' && b.kind === 'string'
    ? a.text === b.text
    : a.kind === 'binary' && b.kind === 'binary' && a.base64 === b.base64;
}

function randomSuffix(): string {
  let suffix = '';
  for (let i = 0; i < 6; i++) suffix += SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)];
  return suffix;
}
