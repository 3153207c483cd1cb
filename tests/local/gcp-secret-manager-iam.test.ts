import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import {
  type GcpSecretManagerEmulator,
  LocalPubSub,
  startGcpSecretManagerEmulator,
} from '#local/gcp-secret-manager-emulator/index';
import { secretManagerClient } from '#providers/gcp-secret-manager';

/**
 * The local Secret Manager's IAM, on the wire the REST fallback speaks: a caller is the principal its bearer token
 * names, each method needs the permission Google's reference names, through a role on the secret or its project.
 */
const PROJECT = { id: 'acme-iam', number: '161803398874' };
const OWNER = 'user:owner@acme.example';
const APP = 'serviceAccount:app@acme-iam.iam.gserviceaccount.com';
const ROTATOR = 'serviceAccount:rotator@acme-iam.iam.gserviceaccount.com';
const TOKENS = { 'app-token': APP, 'rotator-token': ROTATOR, 'owner-token': OWNER };

let emulator: GcpSecretManagerEmulator;
let strict: GcpSecretManagerEmulator;
let owner: SecretManagerServiceClient;
let rotator: SecretManagerServiceClient;

const as = (token: string, base = emulator.url) => secretManagerClient(base.replace('http://', `http://${token}@`));
const secretName = (id: string) => `projects/${PROJECT.id}/secrets/${id}`;

beforeAll(async () => {
  const pubsub = new LocalPubSub({ now: Date.now });
  emulator = await startGcpSecretManagerEmulator({
    projects: [PROJECT],
    pubsub,
    iam: {
      tokens: TOKENS,
      callerWithoutToken: OWNER,
      bindings: [{ resource: `projects/${PROJECT.id}`, role: 'roles/secretmanager.admin', member: OWNER }],
    },
  });
  // No caller without a token here: Google's own answer to a request that carries none.
  strict = await startGcpSecretManagerEmulator({ projects: [PROJECT], pubsub, iam: { tokens: TOKENS, bindings: [] } });
  owner = secretManagerClient(emulator.url);
  rotator = as('rotator-token');
  for (const id of ['orders', 'billing']) {
    await owner.createSecret({
      parent: `projects/${PROJECT.id}`,
      secretId: id,
      secret: { replication: { automatic: {} } },
    });
    await owner.addSecretVersion({ parent: secretName(id), payload: { data: Buffer.from(`${id}-v1`) } });
  }
  emulator.control.grant({ resource: secretName('orders'), role: 'roles/secretmanager.secretAccessor', member: APP });
  emulator.control.grant({
    resource: secretName('orders'),
    role: 'roles/secretmanager.secretVersionAdder',
    member: ROTATOR,
  });
});

afterAll(async () => {
  await owner.close();
  await rotator.close();
  await emulator.close();
  await strict.close();
});

describe('the local Secret Manager checks IAM on every call', () => {
  it("answers a missing permission with Google's 403 google.rpc.Status, naming the permission and the resource", async () => {
    // Act
    const response = await fetch(`${emulator.url}/v1/${secretName('orders')}`, {
      headers: { authorization: 'Bearer app-token' },
    });

    // Assess
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      error: {
        code: 403,
        message: `Permission 'secretmanager.secrets.get' denied for resource '${secretName('orders')}' (or it may not exist).`,
        status: 'PERMISSION_DENIED',
      },
    });
  });

  it('answers 401 UNAUTHENTICATED to a request without a token or with one it did not issue', async () => {
    // Act
    const missing = await fetch(`${strict.url}/v1/${secretName('orders')}`);
    const invalid = await fetch(`${emulator.url}/v1/${secretName('orders')}`, {
      headers: { authorization: 'Bearer ya29.not-issued-here' },
    });

    // Assess
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      error: { code: 401, status: 'UNAUTHENTICATED', message: expect.stringMatching(/^Request is missing required/) },
    });
    expect(invalid.status).toBe(401);
    expect(await invalid.json()).toMatchObject({
      error: { status: 'UNAUTHENTICATED', message: expect.stringMatching(/^Request had invalid authentication/) },
    });
  });

  it('grants each method by its own permission: secretAccessor reads a payload, no metadata, and only on its secret', async () => {
    // Prepare
    const app = as('app-token');

    // Act
    const [accessed] = await app.accessSecretVersion({ name: `${secretName('orders')}/versions/latest` });
    const denied = await Promise.all([
      app.getSecret({ name: secretName('orders') }).catch((e: unknown) => e),
      app.listSecretVersions({ parent: secretName('orders') }).catch((e: unknown) => e),
      app.getSecretVersion({ name: `${secretName('orders')}/versions/1` }).catch((e: unknown) => e),
      app.accessSecretVersion({ name: `${secretName('billing')}/versions/latest` }).catch((e: unknown) => e),
      app
        .addSecretVersion({ parent: secretName('orders'), payload: { data: Buffer.from('x') } })
        .catch((e: unknown) => e),
    ]);
    await app.close();

    // Assess
    expect(Buffer.from(accessed.payload?.data ?? '').toString()).toBe('orders-v1');
    expect(
      denied.map((error) => /Permission '([^']+)' denied for resource '([^']+)'/.exec(String(error))?.slice(1)),
    ).toEqual([
      ['secretmanager.secrets.get', secretName('orders')],
      ['secretmanager.versions.list', secretName('orders')],
      ['secretmanager.versions.get', `${secretName('orders')}/versions/1`],
      ['secretmanager.versions.access', `${secretName('billing')}/versions/latest`],
      ['secretmanager.versions.add', secretName('orders')],
    ]);
    for (const error of denied) expect(error).toMatchObject({ code: 7 });
  });

  it('checks before it looks: without a permission a missing secret is denied, with one on the project NOT_FOUND', async () => {
    // Prepare: a secret's own policy goes with the secret, so a grant on one that is not there grants nothing.
    emulator.control.grant({ resource: secretName('not-yet'), role: 'roles/secretmanager.viewer', member: ROTATOR });

    // Act
    const denied = await rotator.getSecret({ name: secretName('no-such-secret') }).catch((e: unknown) => e);
    const grantedButMissing = await rotator.getSecret({ name: secretName('not-yet') }).catch((e: unknown) => e);
    const missing = await owner.getSecret({ name: secretName('no-such-secret') }).catch((e: unknown) => e);
    await owner.createSecret({
      parent: `projects/${PROJECT.id}`,
      secretId: 'not-yet',
      secret: { replication: { automatic: {} } },
    });
    const [created] = await rotator.getSecret({ name: secretName('not-yet') });

    // Assess
    expect(denied).toMatchObject({ code: 7 });
    expect(grantedButMissing).toMatchObject({ code: 7 });
    expect(missing).toMatchObject({ code: 5 });
    expect(created.name).toBe(`projects/${PROJECT.number}/secrets/not-yet`);
  });

  it('applies a role bound on the project to every secret in it, by project id or number', async () => {
    // Prepare
    const viewer = 'serviceAccount:auditor@acme-iam.iam.gserviceaccount.com';
    const local = await startGcpSecretManagerEmulator({
      projects: [PROJECT],
      pubsub: new LocalPubSub({ now: Date.now }),
      iam: {
        tokens: { 'auditor-token': viewer },
        callerWithoutToken: OWNER,
        bindings: [
          { resource: `projects/${PROJECT.id}`, role: 'roles/secretmanager.admin', member: OWNER },
          { resource: `projects/${PROJECT.number}`, role: 'roles/secretmanager.viewer', member: viewer },
        ],
      },
    });
    local.control.seed(PROJECT.id, 'ledger', 'ledger-v1');
    const auditor = as('auditor-token', local.url);

    // Act
    const [secret] = await auditor.getSecret({ name: secretName('ledger') });
    const [versions] = await auditor.listSecretVersions({ parent: `projects/${PROJECT.number}/secrets/ledger` });
    const payload = await auditor
      .accessSecretVersion({ name: `${secretName('ledger')}/versions/1` })
      .catch((e: unknown) => e);
    const created = await auditor
      .createSecret({ parent: `projects/${PROJECT.id}`, secretId: 'new', secret: { replication: { automatic: {} } } })
      .catch((e: unknown) => e);
    await auditor.close();
    await local.close();

    // Assess
    expect(secret.name).toBe(`projects/${PROJECT.number}/secrets/ledger`);
    expect(versions).toHaveLength(1);
    expect(String(payload)).toContain("Permission 'secretmanager.versions.access' denied");
    expect(String(created)).toContain(
      `Permission 'secretmanager.secrets.create' denied for resource 'projects/${PROJECT.id}' (or it may not exist).`,
    );
  });

  it('records who made each call, lets a version adder add one, and refuses a role it does not know', async () => {
    // Prepare
    const from = emulator.control.requests().length;

    // Act
    await rotator.addSecretVersion({ parent: secretName('orders'), payload: { data: Buffer.from('orders-v2') } });
    const unknownRole = () =>
      emulator.control.grant({ resource: secretName('orders'), role: 'roles/secretmanager.reader', member: APP });

    // Assess
    expect(emulator.control.requests().slice(from)).toEqual([
      { method: 'POST', path: `/v1/${secretName('orders')}:addVersion`, caller: ROTATOR, status: 200 },
    ]);
    expect(unknownRole).toThrow(/knows no role roles\/secretmanager\.reader/);
  });
});
