import { createHash } from 'node:crypto';

/**
 * Secret Manager's status codes (google.rpc.Code) with the HTTP status the REST API answers. Over REST the error's
 * `code` is the HTTP status (`{"error": {"code": 403, "message": …, "status": "PERMISSION_DENIED"}}`).
 */
export const RPC_STATUS = {
  INVALID_ARGUMENT: { code: 3, http: 400 },
  NOT_FOUND: { code: 5, http: 404 },
  ALREADY_EXISTS: { code: 6, http: 409 },
  PERMISSION_DENIED: { code: 7, http: 403 },
  FAILED_PRECONDITION: { code: 9, http: 400 },
  UNAUTHENTICATED: { code: 16, http: 401 },
} as const;
export type RpcStatus = keyof typeof RPC_STATUS;

export class SecretManagerApiError extends Error {
  constructor(
    readonly status: RpcStatus,
    message: string,
  ) {
    super(message);
  }
}

export type VersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED';

export interface StoredVersion {
  readonly number: number;
  state: VersionState;
  readonly createTime: string;
  destroyTime?: string;
  /** The payload; dropped when the version is destroyed. */
  data?: Buffer;
}

export interface StoredSecret {
  readonly projectNumber: string;
  readonly id: string;
  readonly createTime: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Pub/Sub topics notified of every change (`projects/<project>/topics/<topic>`, at most 10). */
  topics: string[];
  readonly versions: StoredVersion[];
  etagCounter: number;
}

export interface LocalProject {
  readonly id: string;
  readonly number: string;
}

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * The secrets of the projects the emulator hosts, kept as Secret Manager keeps them: versions numbered from 1, each
 * ENABLED, DISABLED or DESTROYED (payload gone), `latest` the most recently created version whatever its state.
 * A project is addressed by id or number; resource names always come back with the number, as the real API's do.
 */
export class GcpSecretStore {
  private readonly secrets = new Map<string, StoredSecret>();

  constructor(
    private readonly projects: readonly LocalProject[],
    private readonly now: () => number,
  ) {}

  projectNumber(project: string): string {
    const found = this.projects.find((candidate) => candidate.id === project || candidate.number === project);
    if (!found)
      throw new SecretManagerApiError('PERMISSION_DENIED', `Permission denied on resource project ${project}.`);
    return found.number;
  }

  create(project: string, id: string, fields: Partial<Pick<StoredSecret, 'labels' | 'annotations' | 'topics'>>) {
    const projectNumber = this.projectNumber(project);
    if (!SECRET_ID.test(id)) {
      throw new SecretManagerApiError('INVALID_ARGUMENT', `Invalid secret id ${JSON.stringify(id)}.`);
    }
    if ((fields.topics?.length ?? 0) > 10) {
      throw new SecretManagerApiError('INVALID_ARGUMENT', 'A secret may have at most 10 topics.');
    }
    const key = `${projectNumber}/${id}`;
    if (this.secrets.has(key)) {
      throw new SecretManagerApiError(
        'ALREADY_EXISTS',
        `Secret [projects/${projectNumber}/secrets/${id}] already exists.`,
      );
    }
    const secret: StoredSecret = {
      projectNumber,
      id,
      createTime: this.timestamp(),
      labels: { ...fields.labels },
      annotations: { ...fields.annotations },
      topics: [...(fields.topics ?? [])],
      versions: [],
      etagCounter: 1,
    };
    this.secrets.set(key, secret);
    return secret;
  }

  has(projectNumber: string, id: string): boolean {
    return this.secrets.has(`${projectNumber}/${id}`);
  }

  get(project: string, id: string): StoredSecret {
    const projectNumber = this.projectNumber(project);
    const secret = this.secrets.get(`${projectNumber}/${id}`);
    if (!secret)
      throw new SecretManagerApiError('NOT_FOUND', `Secret [projects/${projectNumber}/secrets/${id}] not found.`);
    return secret;
  }

  addVersion(project: string, id: string, data: Buffer): StoredVersion {
    const secret = this.get(project, id);
    const version: StoredVersion = {
      number: secret.versions.length + 1,
      state: 'ENABLED',
      createTime: this.timestamp(),
      data,
    };
    secret.versions.push(version);
    return version;
  }

  /** `latest` is the most recently created version in any state; a number names one version. */
  version(project: string, id: string, versionId: string): { secret: StoredSecret; version: StoredVersion } {
    const secret = this.get(project, id);
    const name = `projects/${secret.projectNumber}/secrets/${id}`;
    if (versionId === 'latest') {
      const latest = secret.versions.at(-1);
      if (!latest) throw new SecretManagerApiError('NOT_FOUND', `Secret [${name}] not found or has no versions.`);
      return { secret, version: latest };
    }
    if (!/^[1-9]\d*$/.test(versionId)) {
      throw new SecretManagerApiError('INVALID_ARGUMENT', `Invalid secret version id ${JSON.stringify(versionId)}.`);
    }
    const version = secret.versions[Number(versionId) - 1];
    if (!version)
      throw new SecretManagerApiError('NOT_FOUND', `Secret Version [${name}/versions/${versionId}] not found.`);
    return { secret, version };
  }

  setState(project: string, id: string, versionId: string, state: VersionState): StoredVersion {
    const { secret, version } = this.version(project, id, versionId);
    const name = `projects/${secret.projectNumber}/secrets/${id}/versions/${version.number}`;
    if (version.state === 'DESTROYED') {
      throw new SecretManagerApiError('FAILED_PRECONDITION', `SecretVersion [${name}] is in DESTROYED state.`);
    }
    version.state = state;
    if (state === 'DESTROYED') {
      version.destroyTime = this.timestamp();
      delete version.data;
    }
    return version;
  }

  private timestamp(): string {
    // Secret Manager answers with microseconds; the extra digits exercise the client's timestamp parsing.
    return new Date(this.now()).toISOString().replace('Z', '000Z');
  }
}

/** An etag that changes with every write, quoted as the API sends it. */
export function etagOf(secret: StoredSecret, version?: StoredVersion): string {
  const hash = createHash('sha256')
    .update(
      `${secret.projectNumber}/${secret.id}/${secret.etagCounter}/${version?.number ?? ''}/${version?.state ?? ''}`,
    )
    .digest('hex');
  return `"${hash.slice(0, 14)}"`;
}
