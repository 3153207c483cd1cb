import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, startLoopbackHttp } from '#local/loopback';
import { type IamBinding, SecretManagerIam, type SecretManagerIamOptions } from './iam';
import type { LocalPubSub, PubSubMessage } from './pubsub-topic';
import {
  etagOf,
  GcpSecretStore,
  type LocalProject,
  RPC_STATUS,
  SecretManagerApiError,
  type StoredSecret,
  type StoredVersion,
  type VersionState,
} from './secret-store';

export type { IamBinding, SecretManagerIamOptions } from './iam';
export { SECRET_MANAGER_ROLES } from './iam';
export type { PubSubMessage, PubSubSubscriber } from './pubsub-topic';
export { LocalPubSub } from './pubsub-topic';
export type { LocalProject } from './secret-store';

export interface GcpSecretManagerEmulatorOptions {
  readonly port?: number;
  readonly projects: readonly LocalProject[];
  /** Where notifications go: the topics named on each secret. */
  readonly pubsub: LocalPubSub;
  /** Who may call what: the tokens the emulator accepts and the role bindings each call is checked against. */
  readonly iam: SecretManagerIamOptions;
  readonly now?: () => number;
}

export interface SecretManagerRequest {
  readonly method: string;
  readonly path: string;
  /** The principal the call was made as; absent when it was refused before one was known (401). */
  caller?: string;
  status?: number;
}

export interface GcpSecretManagerControl {
  /** Setup, not an API call: a secret with one version and no notification. Returns the version number. */
  seed(
    project: string,
    id: string,
    value: string,
    fields?: { annotations?: Record<string, string>; labels?: Record<string, string>; topics?: string[] },
  ): number;
  /** Setup, not an API call: one more role binding, as `gcloud secrets add-iam-policy-binding` makes one. */
  grant(binding: IamBinding): void;
  requests(): SecretManagerRequest[];
}

export interface GcpSecretManagerEmulator {
  /** `http://127.0.0.1:<port>`: the REST endpoint the client reaches with its REST fallback. */
  readonly url: string;
  readonly control: GcpSecretManagerControl;
  close(): Promise<void>;
}

/** Enum numbers of google.cloud.secretmanager.v1.SecretVersion.State, for `$alt=json;enum-encoding=int`. */
const STATE_NUMBER: Record<VersionState, number> = { ENABLED: 1, DISABLED: 2, DESTROYED: 3 };
const SECRET_PATH = /^\/v1\/projects\/([^/]+)\/secrets(?:\/([^/:]+)(?::(addVersion))?)?$/;
const VERSION_PATH =
  /^\/v1\/projects\/([^/]+)\/secrets\/([^/]+)\/versions(?:\/([^/:]+)(?::(access|enable|disable|destroy))?)?$/;
const EVENT_OF = {
  enable: 'SECRET_VERSION_ENABLE',
  disable: 'SECRET_VERSION_DISABLE',
  destroy: 'SECRET_VERSION_DESTROY',
};
const STATE_OF = { enable: 'ENABLED', disable: 'DISABLED', destroy: 'DESTROYED' } as const;

/**
 * Google Cloud Secret Manager's REST API (v1, the surface @google-cloud/secret-manager's REST fallback calls) on
 * 127.0.0.1: secrets with annotations, labels and topics; versions added, read (`latest` resolves), listed newest
 * first, accessed, enabled, disabled and destroyed. Every call is made as the principal its bearer token names and
 * needs the IAM permission Google's method reference names, through a role on the secret or its project (iam.ts).
 * Errors are google.rpc.Status JSON (`{error: {code, message, status}}`, `code` the HTTP status): UNAUTHENTICATED,
 * PERMISSION_DENIED, NOT_FOUND, FAILED_PRECONDITION for a version not ENABLED. Every change publishes Secret
 * Manager's notification to the secret's topics.
 */
export async function startGcpSecretManagerEmulator(
  options: GcpSecretManagerEmulatorOptions,
): Promise<GcpSecretManagerEmulator> {
  const now = options.now ?? Date.now;
  const store = new GcpSecretStore(options.projects, now);
  const iam = new SecretManagerIam(
    options.iam,
    (project) => store.projectNumber(project),
    (projectNumber, id) => store.has(projectNumber, id),
  );
  const log: SecretManagerRequest[] = [];

  const notify = (secret: StoredSecret, eventType: string, version?: StoredVersion) => {
    const secretName = `projects/${secret.projectNumber}/secrets/${secret.id}`;
    const resource = version ? versionJson(secret, version, false) : secretJson(secret);
    for (const topic of secret.topics) {
      options.pubsub.publish(
        topic,
        {
          eventType,
          secretId: secretName,
          ...(version ? { versionId: `${secretName}/versions/${version.number}` } : {}),
          dataFormat: 'JSON_API_V1',
          timestamp: new Date(now()).toISOString(),
        },
        Buffer.from(JSON.stringify(resource)).toString('base64'),
      );
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    const method = req.method ?? 'GET';
    const entry: SecretManagerRequest = { method, path };
    log.push(entry);
    const send = (status: number, body: unknown) => {
      entry.status = status;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(body));
    };
    const ints = (url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    try {
      const caller = iam.callerOf(req.headers.authorization);
      entry.caller = caller;
      const body = method === 'GET' ? {} : parseJson(await readBody(req));
      // Authorized before anything is looked up: a denied caller cannot tell a missing secret from a hidden one.
      const allow = (permission: string, resource: string) => iam.check(caller, permission, resource);
      const version = VERSION_PATH.exec(path);
      if (version) {
        const [, project = '', id = '', versionId] = version;
        const verb = version[4] as 'access' | 'enable' | 'disable' | 'destroy' | undefined;
        const secretName = `projects/${project}/secrets/${id}`;
        if (versionId === undefined && method === 'GET') {
          allow('secretmanager.versions.list', secretName);
          return send(200, listVersions(store.get(project, id), url, ints));
        }
        if (versionId === undefined) throw notAllowed(method, path);
        const versionName = `${secretName}/versions/${versionId}`;
        if (verb === undefined && method === 'GET') {
          allow('secretmanager.versions.get', versionName);
          const found = store.version(project, id, versionId);
          return send(200, versionJson(found.secret, found.version, ints));
        }
        if (verb === 'access' && method === 'GET') {
          allow('secretmanager.versions.access', versionName);
          return send(200, access(store, project, id, versionId));
        }
        if (verb && verb !== 'access' && method === 'POST') {
          allow(`secretmanager.versions.${verb}`, versionName);
          const changed = store.setState(project, id, versionId, STATE_OF[verb]);
          const secret = store.get(project, id);
          notify(secret, EVENT_OF[verb], changed);
          return send(200, versionJson(secret, changed, ints));
        }
        throw notAllowed(method, path);
      }
      const secretPath = SECRET_PATH.exec(path);
      if (secretPath) {
        const [, project = '', id, verb] = secretPath;
        if (id === undefined && method === 'POST') {
          allow('secretmanager.secrets.create', `projects/${project}`);
          const secretId = url.searchParams.get('secretId') ?? '';
          const created = store.create(project, secretId, {
            labels: record(body.labels),
            annotations: record(body.annotations),
            topics: topicsOf(body.topics),
          });
          notify(created, 'SECRET_CREATE');
          return send(200, secretJson(created));
        }
        if (id === undefined) throw notAllowed(method, path);
        const secretName = `projects/${project}/secrets/${id}`;
        if (verb === 'addVersion' && method === 'POST') {
          allow('secretmanager.versions.add', secretName);
          const payload = (body.payload ?? {}) as { data?: unknown };
          if (typeof payload.data !== 'string') {
            throw new SecretManagerApiError('INVALID_ARGUMENT', 'Secret Payload cannot be empty.');
          }
          const added = store.addVersion(project, id, Buffer.from(payload.data, 'base64'));
          const secret = store.get(project, id);
          notify(secret, 'SECRET_VERSION_ADD', added);
          return send(200, versionJson(secret, added, ints));
        }
        if (verb === undefined && method === 'GET') {
          allow('secretmanager.secrets.get', secretName);
          return send(200, secretJson(store.get(project, id)));
        }
        if (verb === undefined && method === 'PATCH') {
          allow('secretmanager.secrets.update', secretName);
          const secret = store.get(project, id);
          const mask = (url.searchParams.get('updateMask') ?? '').split(',').filter(Boolean);
          if (mask.length === 0) throw new SecretManagerApiError('INVALID_ARGUMENT', 'update_mask is required.');
          for (const field of mask) {
            if (field === 'annotations') secret.annotations = record(body.annotations);
            else if (field === 'labels') secret.labels = record(body.labels);
            else if (field === 'topics') secret.topics = topicsOf(body.topics);
            else throw new SecretManagerApiError('INVALID_ARGUMENT', `Unsupported update_mask path ${field}.`);
          }
          secret.etagCounter += 1;
          notify(secret, 'SECRET_UPDATE');
          return send(200, secretJson(secret));
        }
        throw notAllowed(method, path);
      }
      throw new SecretManagerApiError('NOT_FOUND', `The requested URL ${path} was not found on this server.`);
    } catch (error) {
      if (!(error instanceof SecretManagerApiError)) throw error;
      const { http } = RPC_STATUS[error.status];
      return send(http, { error: { code: http, message: error.message, status: error.status } });
    }
  };

  const server = await startLoopbackHttp(options.port ?? 0, (req, res) => handle(req, res));
  return {
    url: server.url,
    control: {
      seed(project, id, value, fields = {}) {
        store.create(project, id, fields);
        return store.addVersion(project, id, Buffer.from(value, 'utf8')).number;
      },
      grant: (binding) => iam.grant(binding),
      requests: () => log.map((entry) => ({ ...entry })),
    },
    close: () => server.close(),
  };
}

function secretJson(secret: StoredSecret) {
  return {
    name: `projects/${secret.projectNumber}/secrets/${secret.id}`,
    replication: { automatic: {} },
    createTime: secret.createTime,
    labels: secret.labels,
    topics: secret.topics.map((name) => ({ name })),
    etag: etagOf(secret),
    annotations: secret.annotations,
  };
}

function versionJson(secret: StoredSecret, version: StoredVersion, ints: boolean) {
  return {
    name: `projects/${secret.projectNumber}/secrets/${secret.id}/versions/${version.number}`,
    createTime: version.createTime,
    ...(version.destroyTime ? { destroyTime: version.destroyTime } : {}),
    state: ints ? STATE_NUMBER[version.state] : version.state,
    replicationStatus: { automatic: {} },
    etag: etagOf(secret, version),
  };
}

/** Newest first, paged by `pageSize` (default 25 here) and an opaque `pageToken`; `filter=state:ENABLED` works. */
function listVersions(secret: StoredSecret, url: URL, ints: boolean) {
  const filter = url.searchParams.get('filter')?.trim();
  const state = filter ? /^state\s*[:=]\s*(ENABLED|DISABLED|DESTROYED)$/i.exec(filter)?.[1]?.toUpperCase() : undefined;
  if (filter && !state)
    throw new SecretManagerApiError('INVALID_ARGUMENT', `Invalid filter ${JSON.stringify(filter)}.`);
  const all = [...secret.versions].reverse().filter((version) => !state || version.state === state);
  const pageSize = Math.min(Number(url.searchParams.get('pageSize')) || 25, 25_000);
  const start = Number(Buffer.from(url.searchParams.get('pageToken') ?? '', 'base64url').toString() || 0);
  const page = all.slice(start, start + pageSize);
  const next = start + pageSize < all.length ? Buffer.from(String(start + pageSize)).toString('base64url') : undefined;
  return {
    versions: page.map((version) => versionJson(secret, version, ints)),
    ...(next ? { nextPageToken: next } : {}),
    totalSize: all.length,
  };
}

function access(store: GcpSecretStore, project: string, id: string, versionId: string) {
  const { secret, version } = store.version(project, id, versionId);
  const name = `projects/${secret.projectNumber}/secrets/${id}/versions/${version.number}`;
  if (version.state !== 'ENABLED' || !version.data) {
    throw new SecretManagerApiError('FAILED_PRECONDITION', `SecretVersion [${name}] is in ${version.state} state.`);
  }
  return { name, payload: { data: version.data.toString('base64') } };
}

function notAllowed(method: string, path: string): SecretManagerApiError {
  return new SecretManagerApiError('NOT_FOUND', `${method} ${path} is not a Secret Manager method.`);
}

function parseJson(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Answered below.
  }
  throw new SecretManagerApiError('INVALID_ARGUMENT', 'Invalid JSON payload received.');
}

function record(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function topicsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((topic) =>
    typeof (topic as { name?: unknown })?.name === 'string' ? [(topic as { name: string }).name] : [],
  );
}

export type { PubSubMessage as SecretManagerNotification };
