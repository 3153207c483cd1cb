import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { parseSecretRef } from '#core/secret-ref';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTrigger } from '#events/parse-trigger';
import {
  type GcpSecretManagerEmulator,
  LocalPubSub,
  type PubSubMessage,
  startGcpSecretManagerEmulator,
} from '#local/gcp-secret-manager-emulator/index';
import { REDACTED, redact } from '#observability/redaction';
import { GcpSecretManager, secretManagerClient } from '#providers/gcp-secret-manager';
import { SecretAccessDeniedError, SecretNotFoundError, SecretProviderError } from '#providers/secret-provider-errors';

const PROJECT = { id: 'acme-tests', number: '271828182845' };
/** The tests create and rotate secrets as a project admin (no token); the reloader calls with its own token. */
const ADMIN = 'user:admin@acme.example';
const RELOADER = 'serviceAccount:reloader@acme-tests.iam.gserviceaccount.com';
const RELOADER_TOKEN = 'local-reloader-token';
const TOPIC = 'projects/acme-tests/topics/secret-events';
/** A value that must never show up outside AccessSecretVersion responses. */
const CANARY = 'canary-Gsm7!value-5c1e9a02';

let emulator: GcpSecretManagerEmulator;
let pubsub: LocalPubSub;
let client: SecretManagerServiceClient;
let source: GcpSecretManager;
let reloaderClient: SecretManagerServiceClient;
let asReloader: GcpSecretManager;
const notifications: PubSubMessage[] = [];
let counter = 0;

beforeAll(async () => {
  pubsub = new LocalPubSub({ now: Date.now });
  pubsub.subscribe(TOPIC, async (message) => void notifications.push(message));
  emulator = await startGcpSecretManagerEmulator({
    projects: [PROJECT],
    pubsub,
    iam: {
      tokens: { [RELOADER_TOKEN]: RELOADER },
      callerWithoutToken: ADMIN,
      bindings: [{ resource: `projects/${PROJECT.id}`, role: 'roles/secretmanager.admin', member: ADMIN }],
    },
  });
  client = secretManagerClient(emulator.url);
  source = new GcpSecretManager(client);
  reloaderClient = secretManagerClient(emulator.url.replace('http://', `http://${RELOADER_TOKEN}@`));
  asReloader = new GcpSecretManager(reloaderClient);
});

afterAll(async () => {
  await client.close();
  await reloaderClient.close();
  await emulator.close();
});

function uniqueId(): string {
  counter += 1;
  return `secret-${counter}`;
}

/** A secret made through the real client (REST fallback), notifying TOPIC. */
async function createSecret(annotations: Record<string, string> = {}): Promise<string> {
  const secretId = uniqueId();
  await client.createSecret({
    parent: `projects/${PROJECT.id}`,
    secretId,
    secret: { replication: { automatic: {} }, annotations, topics: [{ name: TOPIC }] },
  });
  return secretId;
}

async function addVersion(secretId: string, value: string): Promise<string> {
  const [version] = await client.addSecretVersion({
    parent: `projects/${PROJECT.id}/secrets/${secretId}`,
    payload: { data: Buffer.from(value) },
  });
  return version.name?.split('/').at(-1) ?? '';
}

describe('GcpSecretManager against the local Secret Manager (REST fallback)', () => {
  it('describes the newest enabled version and the annotations, naming the project by number however asked', async () => {
    // Prepare
    const secretId = await createSecret({ 'confluent-connectors': 'env-a/lkc-gc1/orders-cdc' });
    await addVersion(secretId, 'v1');
    await addVersion(secretId, 'v2');

    // Act
    const byId = await source.describe(parseSecretRef(`projects/${PROJECT.id}/secrets/${secretId}`));
    const byNumber = await source.describe(parseSecretRef(`projects/${PROJECT.number}/secrets/${secretId}`));

    // Assess
    // Secret Manager answers with the project number (gcloud secrets describe shows it too).
    expect(byId).toMatchObject({
      secret: { provider: 'gcp', project: PROJECT.number, name: secretId },
      currentVersion: '2',
      pendingVersions: [],
      tags: { 'confluent-connectors': 'env-a/lkc-gc1/orders-cdc' },
    });
    expect(byId.currentSince).toEqual(expect.any(Date));
    expect(Math.abs((byId.currentSince?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(byNumber).toMatchObject({ secret: { project: PROJECT.number }, currentVersion: '2' });
  });

  it('counts disabled versions newer than the newest enabled one as pending, and destroyed ones as gone', async () => {
    // Prepare
    const secretId = await createSecret();
    for (const value of ['v1', 'v2', 'v3', 'v4']) await addVersion(secretId, value);
    const name = (n: number) => `projects/${PROJECT.id}/secrets/${secretId}/versions/${n}`;
    await client.disableSecretVersion({ name: name(4) });
    await client.destroySecretVersion({ name: name(3) });

    // Act
    const snapshot = await source.describe(parseSecretRef(`projects/${PROJECT.id}/secrets/${secretId}`));

    // Assess
    expect(snapshot.currentVersion).toBe('2');
    expect(snapshot.pendingVersions).toEqual(['4']);
  });

  it('reads the latest value (or a pinned version) and registers it for redaction', async () => {
    // Prepare
    const secretId = await createSecret();
    await addVersion(secretId, 'first');
    await addVersion(secretId, CANARY);

    // Act
    const latest = await source.readSecretValue(parseSecretRef(`projects/${PROJECT.number}/secrets/${secretId}`));
    const pinned = await source.readSecretValue(
      parseSecretRef(`projects/${PROJECT.id}/secrets/${secretId}/versions/1`),
    );

    // Assess
    expect(latest).toBe(CANARY);
    expect(pinned).toBe('first');
    expect(redact(`leaked ${CANARY}`)).toBe(`leaked ${REDACTED}`);
  });

  it('maps NOT_FOUND and PERMISSION_DENIED to typed errors that name the secret, never a value', async () => {
    // Prepare: the reloader may read this one's payload, and nothing else.
    const denied = await createSecret();
    await addVersion(denied, CANARY);
    emulator.control.grant({
      resource: `projects/${PROJECT.id}/secrets/${denied}`,
      role: 'roles/secretmanager.secretAccessor',
      member: RELOADER,
    });
    const other = await createSecret();
    await addVersion(other, CANARY);

    // Act
    const missing = await source
      .describe(parseSecretRef(`projects/${PROJECT.id}/secrets/no-such-secret`))
      .catch((e: unknown) => e);
    const described = await asReloader
      .describe(parseSecretRef(`projects/${PROJECT.id}/secrets/${denied}`))
      .catch((e: unknown) => e);
    const refused = await asReloader
      .readSecretValue(parseSecretRef(`projects/${PROJECT.id}/secrets/${other}`))
      .catch((e: unknown) => e);
    const hidden = await asReloader
      .describe(parseSecretRef(`projects/${PROJECT.id}/secrets/no-such-secret`))
      .catch((e: unknown) => e);

    // Assess
    expect(missing).toBeInstanceOf(SecretNotFoundError);
    expect((missing as Error).message).toMatch(
      /^GetSecret of secret projects\/acme-tests\/secrets\/no-such-secret failed: NOT_FOUND/,
    );
    // secretAccessor holds versions.access only: describing the secret needs secrets.get (viewer).
    expect(described).toBeInstanceOf(SecretAccessDeniedError);
    expect(described).toMatchObject({ operation: 'GetSecret', code: 'PERMISSION_DENIED' });
    expect((described as Error).message).toContain(
      `Permission 'secretmanager.secrets.get' denied for resource 'projects/${PROJECT.id}/secrets/${denied}' (or it may not exist).`,
    );
    expect(refused).toBeInstanceOf(SecretAccessDeniedError);
    expect((refused as SecretProviderError).code).toBe('PERMISSION_DENIED');
    expect((refused as Error).message).toContain(
      `Permission 'secretmanager.versions.access' denied for resource 'projects/${PROJECT.id}/secrets/${other}/versions/latest'`,
    );
    // Without a permission a missing secret is denied too, not NOT_FOUND: the caller learns nothing of what exists.
    expect(hidden).toBeInstanceOf(SecretAccessDeniedError);
    for (const error of [described, refused, hidden]) {
      expect(JSON.stringify({ message: (error as Error).message })).not.toContain(CANARY);
    }
  });

  it('maps UNAUTHENTICATED (a token Secret Manager does not accept) to access denied too, naming the code', async () => {
    // Prepare
    const secretId = await createSecret();
    await addVersion(secretId, CANARY);
    const stale = secretManagerClient(emulator.url.replace('http://', 'http://expired-token@'));

    // Act
    const error = await new GcpSecretManager(stale)
      .describe(parseSecretRef(`projects/${PROJECT.id}/secrets/${secretId}`))
      .catch((e: unknown) => e);
    await stale.close();

    // Assess
    expect(error).toBeInstanceOf(SecretAccessDeniedError);
    expect(error).toMatchObject({ operation: 'GetSecret', code: 'UNAUTHENTICATED' });
    expect((error as Error).message).toContain('Request had invalid authentication credentials');
  });

  it('describes with roles/secretmanager.viewer alone, which reads no payload', async () => {
    // Prepare
    const secretId = await createSecret({ 'confluent-connectors': 'env-a/lkc-gc1/orders-cdc' });
    await addVersion(secretId, CANARY);
    emulator.control.grant({
      resource: `projects/${PROJECT.id}/secrets/${secretId}`,
      role: 'roles/secretmanager.viewer',
      member: RELOADER,
    });
    const ref = parseSecretRef(`projects/${PROJECT.id}/secrets/${secretId}`);

    // Act
    const snapshot = await asReloader.describe(ref);
    const value = await asReloader.readSecretValue(ref).catch((e: unknown) => e);

    // Assess
    expect(snapshot).toMatchObject({
      currentVersion: '1',
      tags: { 'confluent-connectors': 'env-a/lkc-gc1/orders-cdc' },
    });
    expect(value).toBeInstanceOf(SecretAccessDeniedError);
    expect(value).toMatchObject({ operation: 'AccessSecretVersion', code: 'PERMISSION_DENIED' });
    expect(
      emulator.control
        .requests()
        .filter((request) => request.caller === RELOADER && request.path.includes(secretId))
        .map((request) => [request.method, request.path.replace(/^.*\/secrets\/[^/]+/, ''), request.status]),
    ).toEqual([
      ['GET', '', 200],
      ['GET', '/versions', 200],
      ['GET', '/versions/latest:access', 403],
    ]);
  });

  it('refuses to read a disabled latest version with FAILED_PRECONDITION, as Secret Manager does', async () => {
    // Prepare
    const secretId = await createSecret();
    await addVersion(secretId, 'v1');
    await client.disableSecretVersion({ name: `projects/${PROJECT.id}/secrets/${secretId}/versions/1` });

    // Act
    const error = await source
      .readSecretValue(parseSecretRef(`projects/${PROJECT.id}/secrets/${secretId}`))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(SecretProviderError);
    expect((error as SecretProviderError).code).toBe('FAILED_PRECONDITION');
    expect((error as Error).message).toMatch(/is in DISABLED state/);
  });

  it('publishes Secret Manager notifications the parser turns into rotations, naming the project number', async () => {
    // Prepare
    const secretId = await createSecret();
    const before = notifications.length;

    // Act
    const version = await addVersion(secretId, 'v1');
    await client.disableSecretVersion({ name: `projects/${PROJECT.id}/secrets/${secretId}/versions/${version}` });
    await client.enableSecretVersion({ name: `projects/${PROJECT.id}/secrets/${secretId}/versions/${version}` });
    await pubsub.settled();
    const published = notifications.slice(before);
    const events = published.flatMap((message) =>
      parseTrigger({ message, subscription: 'projects/acme-tests/subscriptions/push' }, DEFAULT_PARSERS),
    );

    // Assess
    expect(published.map((m) => m.attributes.eventType)).toEqual([
      'SECRET_VERSION_ADD',
      'SECRET_VERSION_DISABLE',
      'SECRET_VERSION_ENABLE',
    ]);
    expect(published[0]?.attributes).toEqual({
      eventType: 'SECRET_VERSION_ADD',
      secretId: `projects/${PROJECT.number}/secrets/${secretId}`,
      versionId: `projects/${PROJECT.number}/secrets/${secretId}/versions/1`,
      dataFormat: 'JSON_API_V1',
      timestamp: expect.any(String),
    });
    expect(JSON.parse(Buffer.from(published[0]?.data ?? '', 'base64').toString())).toMatchObject({
      name: `projects/${PROJECT.number}/secrets/${secretId}/versions/1`,
      state: 'ENABLED',
    });
    expect(events.map((e) => e.kind)).toEqual(['secret-rotated', 'ignored', 'secret-rotated']);
    // The notification carries the version's metadata, never its payload.
    for (const m of published) expect(Buffer.from(m.data ?? '', 'base64').toString()).not.toContain('payload');
  });
});
