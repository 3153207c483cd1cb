import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { OAuth2Client, PassThroughClient } from 'google-auth-library';
import type { SecretSnapshot, SecretSource } from '#core/ports';
import { canonicalSecretId, type GcpSecretRef, type SecretRef } from '#core/secret-ref';
import { redact, registerSensitiveValue } from '#observability/redaction';
import type { SecretValueReader } from './secret-credentials';
import {
  SecretAccessDeniedError,
  SecretNotFoundError,
  SecretProviderError,
  type SecretProviderFailure,
} from './secret-provider-errors';

type Client = Pick<SecretManagerServiceClient, 'getSecret' | 'listSecretVersionsAsync' | 'accessSecretVersion'>;

/**
 * The client on the REST transport (`fallback: true`), in Google Cloud too: HTTP/1.1 JSON, no gRPC stack in the
 * bundle, and the same wire the local emulator serves. `endpoint` (`http://[<token>@]127.0.0.1:<port>`, local only)
 * points it at the emulator, sending the URL's user part as the bearer token the local IAM checks (the caller's
 * identity there) and nothing without one; otherwise Application Default Credentials (the function's service
 * account).
 */
export function secretManagerClient(endpoint?: string): SecretManagerServiceClient {
  if (!endpoint) return new SecretManagerServiceClient({ fallback: true });
  const url = new URL(endpoint);
  return new SecretManagerServiceClient({
    fallback: true,
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'http:' ? 80 : 443)),
    protocol: url.protocol.replace(':', ''),
    ...(url.protocol === 'http:' ? { authClient: localAuthClient(decodeURIComponent(url.username)) } : {}),
  } as ConstructorParameters<typeof SecretManagerServiceClient>[0]);
}

/** A fixed bearer token (never refreshed) for a local endpoint, or no credentials at all. */
function localAuthClient(token: string): OAuth2Client | PassThroughClient {
  if (token === '') return new PassThroughClient();
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, token_type: 'Bearer' });
  return client;
}

/** gRPC codes the client's errors carry (google.rpc.Code), by name for the provider error. */
const RPC_CODE_NAMES: Readonly<Record<number, string>> = {
  1: 'CANCELLED',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  9: 'FAILED_PRECONDITION',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};
/** The version states as the REST fallback decodes them (numbers with `enum-encoding=int`, names otherwise). */
const ENABLED = new Set<unknown>(['ENABLED', 1]);
const DISABLED = new Set<unknown>(['DISABLED', 2]);

/**
 * Google Cloud Secret Manager as the reloader sees it. The current version is the newest ENABLED one: versions are
 * listed newest first and the walk stops at the first enabled one, so DISABLED versions written after it count as
 * pending (as on Key Vault). The connectors a secret names live in its **annotations** (`<SECRET_TAG_KEY>`,
 * `…-2`, …): label values allow 63 lower-case characters and no `/`, too little for `env/lkc/name` lists.
 */
export class GcpSecretManager implements SecretSource, SecretValueReader {
  constructor(private readonly client: Client) {}

  async describe(secret: SecretRef): Promise<SecretSnapshot> {
    const ref = gcpRef(secret, 'GetSecret');
    const id = canonicalSecretId(ref);
    const [found] = await this.call('GetSecret', ref, () => this.client.getSecret({ name: id }));
    const pending: string[] = [];
    let current: { version: string; createdAt?: Date } | undefined;
    await this.call('ListSecretVersions', ref, async () => {
      for await (const version of this.client.listSecretVersionsAsync(
        { parent: id, pageSize: 25 },
        { autoPaginate: false },
      )) {
        const number = version.name?.split('/').at(-1);
        if (!number) continue;
        if (ENABLED.has(version.state)) {
          current = { version: number, ...(version.createTime ? { createdAt: timestampOf(version.createTime) } : {}) };
          break;
        }
        if (DISABLED.has(version.state)) pending.push(number);
      }
    });
    return {
      // As Secret Manager names it: by project number, whether asked by number (a notification) or by id (a person,
      // a config). The versions applied per connector are recorded under this secret, so the CLI and the functions
      // read and write one key.
      secret: { provider: 'gcp', project: projectOf(found.name) ?? ref.project, name: ref.name },
      currentVersion: current?.version ?? null,
      ...(current?.createdAt ? { currentSince: current.createdAt } : {}),
      pendingVersions: current ? pending : [],
      tags: { ...(found.annotations ?? {}) },
    };
  }

  async readSecretValue(secret: SecretRef): Promise<string> {
    const ref = gcpRef(secret, 'AccessSecretVersion');
    const name = `${canonicalSecretId(ref)}/versions/${ref.version ?? 'latest'}`;
    const [response] = await this.call('AccessSecretVersion', ref, () => this.client.accessSecretVersion({ name }));
    const data = response.payload?.data;
    if (data === undefined || data === null) {
      throw new SecretProviderError({
        secretId: canonicalSecretId(ref),
        operation: 'AccessSecretVersion',
        code: 'NoValue',
      });
    }
    const value = typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    registerSensitiveValue(value);
    return value;
  }

  private async call<T>(operation: string, ref: GcpSecretRef, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw mapSecretManagerError(error, canonicalSecretId(ref), operation);
    }
  }
}

/** Maps a client failure (GoogleError with a gRPC code, network error) to a typed provider error. */
export function mapSecretManagerError(error: unknown, secretId: string, operation: string): SecretProviderError {
  if (error instanceof SecretProviderError) return error;
  const fields = (error ?? {}) as { code?: unknown; message?: unknown };
  const rpc = typeof fields.code === 'number' ? RPC_CODE_NAMES[fields.code] : undefined;
  const code =
    rpc ?? (typeof fields.code === 'string' ? fields.code : error instanceof Error ? error.name : 'UnknownError');
  const message = typeof fields.message === 'string' ? fields.message.split('\n')[0] : undefined;
  const failure: SecretProviderFailure = { secretId, operation, code, ...(message ? { detail: redact(message) } : {}) };
  if (rpc === 'NOT_FOUND') return new SecretNotFoundError(failure);
  if (rpc === 'PERMISSION_DENIED') return new SecretAccessDeniedError(failure, 'not-permitted');
  if (rpc === 'UNAUTHENTICATED') return new SecretAccessDeniedError(failure, 'unauthenticated');
  return new SecretProviderError(failure);
}

/** The project of a resource name Secret Manager returns (`projects/<number>/secrets/<id>`). */
function projectOf(name: string | null | undefined): string | undefined {
  return /^projects\/([^/]+)\/secrets\//.exec(name ?? '')?.[1];
}

function timestampOf(value: { seconds?: unknown; nanos?: unknown }): Date {
  return new Date(Number(value.seconds ?? 0) * 1000 + Math.floor(Number(value.nanos ?? 0) / 1e6));
}

function gcpRef(secret: SecretRef, operation: string): GcpSecretRef {
  if (secret.provider === 'gcp') return secret;
  throw new SecretProviderError({
    secretId: canonicalSecretId(secret),
    operation,
    code: 'NotASecretManagerSecret',
    detail: `Google Cloud Secret Manager was asked about an ${secret.provider} secret`,
  });
}
