import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { GCP_SEED_SECRET, GCP_SEED_SECRET_ID, LOCAL_GCP_PROJECT, withGcpEstate } from '#local/gcp-estate';
import {
  type GcpFunctionsStack,
  LOCAL_GCP_CREDENTIALS,
  LOCAL_GCP_TOPIC,
  LOCAL_GCP_WEBHOOK_TOKEN,
  serveGcpFunctions,
  startGcpFunctionsStack,
} from '#local/gcp-functions-stack';
import type { SecretManagerRequest } from '#local/gcp-secret-manager-emulator/index';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { seedEstate } from '#local/seed-estate';
import { secretManagerClient } from '#providers/gcp-secret-manager';
import { type AlertReceiver, startAlertReceiver } from '#test-helpers/alert-receiver';

/**
 * The functions with exactly the Secret Manager roles infra/gcp/main.tf grants their service account: the stack
 * reads the module's secret-level `google_secret_manager_secret_iam_member` resources (the watched secrets, the
 * functions' own ones, and the alert webhook secret `environment` names) into the local Secret Manager's bindings,
 * and the functions call it with their account's token. What a first deploy would meet, before any deploy.
 */
const ALERT_SECRET = `projects/${LOCAL_GCP_PROJECT.id}/secrets/connector-reloader-alert-webhook`;
/** A secret that notifies the functions' topic but is not in the module's `secrets`: someone else's. */
const UNWATCHED = 'payments-db-password';
const INVENTORY = ['env-prod01/lkc-gcinv1/inventory-cdc', 'env-prod01/lkc-gcinv1/inventory-bigquery-sink'];
const WEBHOOK_TOKEN = 'local-gcp-webhook-token-5d1c';

let cloud: LocalCloud;
let gcp: GcpFunctionsStack;
let client: SecretManagerServiceClient;
let alerts: AlertReceiver;
const stdout: string[] = [];
let writeSpy: jest.SpyInstance;

beforeAll(async () => {
  alerts = await startAlertReceiver();
  const confluentKey = { apiKey: 'local-api-key', apiSecret: 'local-api-secret' };
  cloud = await startLocalCloud({ provisioningMs: 200, confluentKey, estate: withGcpEstate(seedEstate()) });
  gcp = await startGcpFunctionsStack({
    confluent: cloud.confluent,
    confluentKey,
    webhookToken: WEBHOOK_TOKEN,
    environment: { ALERT_WEBHOOK_SECRET: ALERT_SECRET },
  });
  gcp.secretManager.control.seed(LOCAL_GCP_PROJECT.id, 'connector-reloader-alert-webhook', alerts.url('/hooks/gcp'));
  gcp.secretManager.control.seed(LOCAL_GCP_PROJECT.id, UNWATCHED, 'payments-v1', { topics: [LOCAL_GCP_TOPIC] });
  Object.assign(process.env, cloud.env, gcp.env, {
    LOCAL_GCP_ALERT_WEBHOOK_SECRET: ALERT_SECRET,
    ALERT_ON_SUCCESS: 'true',
    VERIFY_TIMEOUT_SECONDS: '20',
  });
  writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  serveGcpFunctions();
  client = secretManagerClient(gcp.secretManager.url);
}, 60_000);

afterAll(async () => {
  writeSpy.mockRestore();
  delete process.env.LOCAL_GCP_ALERT_WEBHOOK_SECRET;
  delete process.env.ALERT_ON_SUCCESS;
  await client.close();
  await gcp.close();
  await cloud.close();
  await alerts.close();
});

/** The Secret Manager calls the functions made (as their service account) from request `from` on. */
function functionCalls(from: number): SecretManagerRequest[] {
  return gcp.secretManager.control
    .requests()
    .slice(from)
    .filter((request) => request.caller === gcp.functionsMember);
}

/** `GET /versions/latest:access` and the like, per secret id: what each call asked of which secret. */
function callsBySecret(calls: readonly SecretManagerRequest[]): Record<string, string[]> {
  const by: Record<string, Set<string>> = {};
  for (const call of calls) {
    const [, secret = '', rest = ''] = /\/secrets\/([^/:]+)(.*)$/.exec(call.path) ?? [];
    const asked = by[secret] ?? new Set<string>();
    asked.add(`${call.method} ${rest.replace(/\/versions\/\d+/, '/versions/<n>')}`.trim());
    by[secret] = asked;
  }
  return Object.fromEntries(Object.entries(by).map(([secret, asked]) => [secret, [...asked].sort()]));
}

describe("Google Cloud functions with infra/gcp/main.tf's Secret Manager roles", () => {
  it("binds roles on the watched secret and the functions' own ones (the alert webhook's too) to their account", () => {
    // Act
    const resources = gcp.grants.map((grant) => grant.resource);

    // Assess
    expect(gcp.functionsMember).toBe(
      `serviceAccount:connector-reloader@${LOCAL_GCP_PROJECT.id}.iam.gserviceaccount.com`,
    );
    expect(new Set(resources)).toEqual(
      new Set([GCP_SEED_SECRET_ID, LOCAL_GCP_CREDENTIALS, LOCAL_GCP_WEBHOOK_TOKEN, ALERT_SECRET]),
    );
    expect(gcp.grants.every((grant) => grant.member === gcp.functionsMember)).toBe(true);
  });

  it('rotates end to end: every Secret Manager call of the functions is permitted, the connectors restart', async () => {
    // Prepare
    const from = gcp.secretManager.control.requests().length;
    const before = INVENTORY.map((key) => cloud.confluent.control.connector(key).restarts);

    // Act: a new version through the real client; Secret Manager → Pub/Sub → Eventarc → onSecretVersionEvent.
    await client.addSecretVersion({
      parent: GCP_SEED_SECRET_ID,
      payload: { data: Buffer.from('inventory-v2') },
    });
    await gcp.pubsub.settled();

    // Assess
    const refused = functionCalls(from).filter((call) => (call.status ?? 0) >= 400);
    expect(refused).toEqual([]);
    expect(INVENTORY.map((key) => cloud.confluent.control.connector(key).restarts)).toEqual(before.map((n) => n + 1));
    for (const key of INVENTORY)
      expect(cloud.confluent.control.connector(key).heldVersions[GCP_SEED_SECRET_ID]).toBe('2');
    expect(alerts.alerts.map((alert) => alert.path)).toContain('/hooks/gcp');
    expect(gcp.deliveries().at(-1)?.status).toBe(200);
  }, 60_000);

  it("asks of each secret only what the product needs: the watched one's metadata, its own ones' values", async () => {
    // Prepare: the webhook reads its token when a request comes (a wrong one here: refused, nothing queued).
    const refused = await fetch(`${gcp.urls.connectorFailureWebhook}/connector-failures/wrong`, {
      method: 'POST',
      body: '{}',
    });

    // Act
    const asked = callsBySecret(functionCalls(0));

    // Assess
    expect(refused.status).toBe(401);
    expect(asked).toEqual({
      [GCP_SEED_SECRET]: ['GET', 'GET /versions'],
      [LOCAL_GCP_CREDENTIALS.split('/').at(-1) ?? '']: ['GET /versions/latest:access'],
      [LOCAL_GCP_WEBHOOK_TOKEN.split('/').at(-1) ?? '']: ['GET /versions/latest:access'],
      [ALERT_SECRET.split('/').at(-1) ?? '']: ['GET /versions/latest:access'],
    });
  });

  it('ignores a rotation of a secret outside `secrets` as not permitted: PERMISSION_DENIED, acknowledged, no restart', async () => {
    // Prepare
    const from = gcp.secretManager.control.requests().length;
    const restarts = cloud.confluent.control.connectors().map((connector) => connector.restarts);
    const logged = stdout.length;

    // Act
    await client.addSecretVersion({
      parent: `projects/${LOCAL_GCP_PROJECT.id}/secrets/${UNWATCHED}`,
      payload: { data: Buffer.from('payments-v2') },
    });
    await gcp.pubsub.settled();

    // Assess
    expect(functionCalls(from).map((call) => [call.method, call.status])).toEqual([['GET', 403]]);
    expect(gcp.deliveries().at(-1)?.status).toBe(200);
    expect(cloud.confluent.control.connectors().map((connector) => connector.restarts)).toEqual(restarts);
    const lines = stdout.slice(logged).join('');
    expect(lines).toMatch(/"rotation ignored: secret not permitted".*"code":"PERMISSION_DENIED"/);
    expect(lines).toMatch(
      new RegExp(`"secret event handled".*"kind":"ignored".*"reason":"not permitted to read [^"]*${UNWATCHED}`),
    );
  }, 60_000);
});
