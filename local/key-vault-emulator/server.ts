import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { closeServer, listenOnLoopback, readBody } from '#local/loopback';
import type { TlsCertificate } from './tls-certificate';
import { KeyVaultApiError, type StoredVersion, type VaultStore } from './vault-store';

/** The resource every Key Vault challenge names; the SDK checks it against the vault host it talks to. */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
const VAULT_HOST = /^([a-z0-9-]+)\.vault\.azure\.net(?::443)?$/i;
const PAGE_SIZE = 25;

export interface ServerDependencies {
  readonly store: VaultStore;
  readonly tenantId: string;
  /** Bearer tokens the local identity endpoint handed out. */
  readonly acceptsToken: (token: string) => boolean;
  /** Called after a new version's response is written, as Event Grid publishes after the write succeeded. */
  readonly onNewVersion: (stored: StoredVersion) => void;
  readonly log: RecordedRequest[];
  /** The next `throttleNext` requests get 429 with Retry-After, as Key Vault answers over its service limits. */
  readonly faults: { throttleNext: number; retryAfterSeconds: number };
}

/** One request as the emulator saw it: never the body, so no secret value. */
export interface RecordedRequest {
  readonly method: string;
  readonly vault: string;
  readonly path: string;
  status: number;
}

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

/** The Key Vault secrets REST API over HTTPS on 127.0.0.1, for vaults addressed by Host `<vault>.vault.azure.net`. */
export async function startVaultServer(
  port: number,
  certificate: TlsCertificate,
  deps: ServerDependencies,
): Promise<RunningServer> {
  const server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
    handle(req, res, deps).catch(() => res.destroy());
  });
  return { port: await listenOnLoopback(server, port), close: () => closeServer(server) };
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: ServerDependencies): Promise<void> {
  const body = await readBody(req);
  const url = new URL(req.url ?? '/', 'https://vault');
  const vault = VAULT_HOST.exec(req.headers.host ?? '')?.[1]?.toLowerCase() ?? '';
  const record: RecordedRequest = { method: req.method ?? 'GET', vault, path: url.pathname, status: 0 };
  deps.log.push(record);
  let created: StoredVersion | undefined;
  try {
    if (deps.faults.throttleNext > 0) {
      deps.faults.throttleNext -= 1;
      throw new KeyVaultApiError(
        429,
        'Throttled',
        'Request was not processed because too many requests were received.',
      );
    }
    authorize(req, deps);
    if (!url.searchParams.get('api-version')) {
      throw new KeyVaultApiError(400, 'BadParameter', 'The request URI must contain an api-version parameter.');
    }
    if (!vault)
      throw new KeyVaultApiError(400, 'BadParameter', 'Address the vault as https://<vault>.vault.azure.net.');
    const answer = route(req.method ?? 'GET', url, vault, parseJson(body), deps.store);
    created = answer.created;
    send(res, record, 200, answer.body);
  } catch (error) {
    const apiError =
      error instanceof KeyVaultApiError ? error : new KeyVaultApiError(500, 'InternalError', 'Internal server error.');
    const headers: Record<string, string> =
      apiError.status === 401
        ? {
            'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${deps.tenantId}", resource="${KEY_VAULT_RESOURCE}"`,
          }
        : apiError.status === 429
          ? { 'retry-after': String(deps.faults.retryAfterSeconds) }
          : {};
    const inner = apiError.innerCode ? { innererror: { code: apiError.innerCode } } : {};
    send(
      res,
      record,
      apiError.status,
      { error: { code: apiError.code, message: apiError.message, ...inner } },
      headers,
    );
  }
  if (created) deps.onNewVersion(created);
}

function authorize(req: IncomingMessage, deps: ServerDependencies): void {
  const header = req.headers.authorization ?? '';
  if (!header) throw new KeyVaultApiError(401, 'Unauthorized', 'AKV10000: Request is missing a Bearer or PoP token.');
  const token = /^Bearer (.+)$/.exec(header)?.[1];
  if (!token || !deps.acceptsToken(token)) {
    throw new KeyVaultApiError(
      401,
      'Unauthorized',
      'AKV10032: Invalid issuer. The token was not issued to this vault.',
    );
  }
}

interface Answer {
  readonly body: unknown;
  readonly created?: StoredVersion;
}

function route(method: string, url: URL, vault: string, input: Record<string, unknown>, store: VaultStore): Answer {
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  if (segments[0] !== 'secrets') throw new KeyVaultApiError(404, 'NotFound', `No route for ${url.pathname}.`);
  const [, name, versionOrList] = segments;
  if (name === undefined) {
    if (method !== 'GET') throw methodNotAllowed(method);
    return { body: page(store.latest(vault), url, vault, '/secrets') };
  }
  if (versionOrList === 'versions') {
    if (method !== 'GET') throw methodNotAllowed(method);
    return { body: page(store.versions(vault, name), url, vault, `/secrets/${name}/versions`) };
  }
  switch (method) {
    case 'PUT': {
      if (versionOrList !== undefined) throw methodNotAllowed(method);
      if (typeof input.value !== 'string')
        throw new KeyVaultApiError(400, 'BadParameter', 'Property value is required.');
      const attributes = record(input.attributes);
      const stored = store.set(vault, name, {
        value: input.value,
        ...(isStringMap(input.tags) ? { tags: input.tags } : {}),
        ...(typeof input.contentType === 'string' ? { contentType: input.contentType } : {}),
        ...(typeof attributes.enabled === 'boolean' ? { enabled: attributes.enabled } : {}),
        ...(typeof attributes.nbf === 'number' ? { nbf: attributes.nbf } : {}),
        ...(typeof attributes.exp === 'number' ? { exp: attributes.exp } : {}),
      });
      return { body: bundle(stored, true), created: stored };
    }
    case 'GET': {
      const stored = store.get(vault, name, versionOrList || undefined);
      if (!stored.enabled) {
        throw new KeyVaultApiError(
          403,
          'Forbidden',
          'Operation get is not allowed on a disabled secret.',
          'SecretDisabled',
        );
      }
      return { body: bundle(stored, true) };
    }
    case 'PATCH': {
      const attributes = record(input.attributes);
      const stored = store.update(vault, name, versionOrList || undefined, {
        ...(typeof attributes.enabled === 'boolean' ? { enabled: attributes.enabled } : {}),
        ...(typeof attributes.nbf === 'number' ? { nbf: attributes.nbf } : {}),
        ...(typeof attributes.exp === 'number' ? { exp: attributes.exp } : {}),
        ...(isStringMap(input.tags) ? { tags: input.tags } : {}),
        ...(typeof input.contentType === 'string' ? { contentType: input.contentType } : {}),
      });
      return { body: bundle(stored, false) };
    }
    default:
      throw methodNotAllowed(method);
  }
}

/** A SecretBundle (with the value) or a SecretItem (without), in the REST API's field names. */
function bundle(stored: StoredVersion, withValue: boolean): Record<string, unknown> {
  return {
    ...(withValue ? { value: stored.value } : {}),
    id: `https://${stored.vault}.vault.azure.net/secrets/${stored.name}/${stored.version}`,
    attributes: {
      enabled: stored.enabled,
      created: stored.created,
      updated: stored.updated,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
      ...(stored.nbf === undefined ? {} : { nbf: stored.nbf }),
      ...(stored.exp === undefined ? {} : { exp: stored.exp }),
    },
    tags: stored.tags,
    ...(stored.contentType === undefined ? {} : { contentType: stored.contentType }),
  };
}

/** A list page in Key Vault's shape; `nextLink` carries the offset as `$skiptoken`, as the service does. */
function page(items: StoredVersion[], url: URL, vault: string, path: string): Record<string, unknown> {
  const size = Math.min(Number(url.searchParams.get('maxresults')) || PAGE_SIZE, PAGE_SIZE);
  const offset = Number(url.searchParams.get('$skiptoken')) || 0;
  const slice = items.slice(offset, offset + size);
  const next = offset + size < items.length ? offset + size : undefined;
  const nextLink =
    next === undefined
      ? null
      : `https://${vault}.vault.azure.net${path}?api-version=${url.searchParams.get('api-version')}&maxresults=${size}&$skiptoken=${next}`;
  return {
    value: slice.map((stored) => {
      const { id, attributes, tags, contentType } = bundle(stored, false);
      // List items name the secret without its version, except in a versions listing.
      const itemId = path.endsWith('/versions') ? id : `https://${vault}.vault.azure.net/secrets/${stored.name}`;
      return { id: itemId, attributes, tags, ...(contentType === undefined ? {} : { contentType }) };
    }),
    nextLink,
  };
}

function send(
  res: ServerResponse,
  record: RecordedRequest,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  record.status = status;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    'x-ms-request-id': randomUUID(),
    ...headers,
  });
  res.end(payload);
}

function methodNotAllowed(method: string): KeyVaultApiError {
  return new KeyVaultApiError(405, 'MethodNotAllowed', `${method} is not supported here.`);
}

function parseJson(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    return record(JSON.parse(text));
  } catch {
    throw new KeyVaultApiError(400, 'BadParameter', 'The request body is not valid JSON.');
  }
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function isStringMap(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => typeof item === 'string')
  );
}
