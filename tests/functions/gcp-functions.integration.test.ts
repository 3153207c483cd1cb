import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { GCP_SEED_SECRET, GCP_SEED_SECRET_ID, LOCAL_GCP_PROJECT, withGcpEstate } from '#local/gcp-estate';
import { type GcpFunctionsStack, serveGcpFunctions, startGcpFunctionsStack } from '#local/gcp-functions-stack';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { seedEstate } from '#local/seed-estate';
import { secretManagerClient } from '#providers/gcp-secret-manager';

/** Values that must never leave Secret Manager: the rotated secret and the functions' own Confluent API secret. */
const CANARY = 'canary-Gcp4!rotated-8a2f6d1e';
const API_SECRET_CANARY = 'canary-Gcp4!api-secret-3b9e7c5a';
const WEBHOOK_TOKEN = 'local-gcp-webhook-token-7f3a';
const INVENTORY = ['env-prod01/lkc-gcinv1/inventory-cdc', 'env-prod01/lkc-gcinv1/inventory-bigquery-sink'];

let cloud: LocalCloud;
let gcp: GcpFunctionsStack;
let client: SecretManagerServiceClient;
const stdout: string[] = [];
let writeSpy: jest.SpyInstance;

beforeAll(async () => {
  const confluentKey = { apiKey: 'local-api-key', apiSecret: API_SECRET_CANARY };
  cloud = await startLocalCloud({ provisioningMs: 200, confluentKey, estate: withGcpEstate(seedEstate()) });
  gcp = await startGcpFunctionsStack({ confluent: cloud.confluent, confluentKey, webhookToken: WEBHOOK_TOKEN });
  Object.assign(process.env, cloud.env, gcp.env, { VERIFY_TIMEOUT_SECONDS: '20' });
  // Cloud Logging reads the functions' stdout: kept here to check it for values.
  writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  serveGcpFunctions();
  client = secretManagerClient(gcp.secretManager.url);
}, 60_000);

afterAll(async () => {
  writeSpy.mockRestore();
  await client.close();
  await gcp.close();
  await cloud.close();
});

function restartsOf(keys: readonly string[]): number[] {
  return keys.map((key) => cloud.confluent.control.connector(key).restarts);
}

describe('Google Cloud functions on the real Functions Framework, end to end', () => {
  it('restarts and verifies the connectors of a secret when a version is added, and only once when delivered twice', async () => {
    // Prepare
    const before = restartsOf(INVENTORY);

    // Act: a new version through the real client; Secret Manager → Pub/Sub → Eventarc → onSecretVersionEvent.
    await client.addSecretVersion({
      parent: `projects/${LOCAL_GCP_PROJECT.id}/secrets/${GCP_SEED_SECRET}`,
      payload: { data: Buffer.from(CANARY) },
    });
    await gcp.pubsub.settled();
    const afterFirst = restartsOf(INVENTORY);
    const [message] = gcp.pubsub.messages().slice(-1);
    gcp.pubsub.redeliver(message?.messageId ?? '');
    await gcp.pubsub.settled();

    // Assess
    expect(afterFirst).toEqual(before.map((n) => n + 1));
    expect(restartsOf(INVENTORY)).toEqual(afterFirst);
    for (const key of INVENTORY) {
      const view = cloud.confluent.control.connector(key);
      expect(view.state).toBe('RUNNING');
      expect(view.heldVersions[GCP_SEED_SECRET_ID]).toBe('2');
    }
    expect(cloud.confluent.control.connector('env-prod01/lkc-gcinv1/inventory-datagen').restarts).toBe(0);
    // Same-cloud rule: no connector on the AWS or Azure clusters was touched.
    expect(cloud.confluent.control.connectors().filter((c) => !c.key.includes('lkc-gcinv1') && c.restarts > 0)).toEqual(
      [],
    );
    expect(
      gcp
        .deliveries()
        .slice(-2)
        .map((d) => d.status),
    ).toEqual([200, 200]);
    const handled = stdout.filter((line) => line.includes('"secret event handled"'));
    expect(handled.at(-2)).toMatch(/"result":"restarted"/);
    expect(handled.at(-1)).not.toMatch(/"result":"restarted"/);
  }, 60_000);

  it('ignores a disabled version with the reason, restarting nothing', async () => {
    // Prepare
    const before = restartsOf(INVENTORY);

    // Act
    await client.disableSecretVersion({ name: `${GCP_SEED_SECRET_ID}/versions/1` });
    await gcp.pubsub.settled();

    // Assess
    expect(restartsOf(INVENTORY)).toEqual(before);
    expect(stdout.join('')).toMatch(/"event ignored".*"reason":"a disabled version is not served/);
  });

  it('hands a Confluent failure from the webhook to Cloud Tasks, and recovers it in recoverReportedFailures', async () => {
    // Prepare
    cloud.confluent.control.failConnector('env-prod01/lkc-gcinv1/inventory-cdc');
    const before = cloud.confluent.control.connector('env-prod01/lkc-gcinv1/inventory-cdc').restarts;
    const body = JSON.stringify({
      id: 'n-1',
      title: 'Connector failed',
      message: 'Connector inventory-cdc in environment env-prod01, cluster lkc-gcinv1 is FAILED',
      resource:
        'crn://confluent.cloud/organization=o/environment=env-prod01/cloud-cluster=lkc-gcinv1/connector=inventory-cdc',
    });

    // Act
    const refused = await fetch(`${gcp.urls.connectorFailureWebhook}/connector-failures/wrong`, {
      method: 'POST',
      body,
    });
    const accepted = await fetch(`${gcp.urls.connectorFailureWebhook}/connector-failures/${WEBHOOK_TOKEN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await gcp.tasks.control.settled();

    // Assess
    expect(refused.status).toBe(401);
    expect(accepted.status).toBe(202);
    const view = cloud.confluent.control.connector('env-prod01/lkc-gcinv1/inventory-cdc');
    expect(view.restarts).toBe(before + 1);
    expect(view.state).toBe('RUNNING');
    expect(gcp.tasks.control.attempts().at(-1)).toMatchObject({ url: gcp.urls.recoverReportedFailures, status: 200 });
  }, 60_000);

  it('runs the sweep as Cloud Scheduler calls it', async () => {
    // Act
    const response = await fetch(gcp.urls.sweepFailedConnectors, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const summary = (await response.json()) as { trigger: string; clustersListed: number };

    // Assess
    expect(response.status).toBe(200);
    expect(summary).toMatchObject({ trigger: 'sweep' });
    expect(summary.clustersListed).toBeGreaterThan(0);
  }, 60_000);

  it('keeps every secret value out of the logs', () => {
    // Assess
    const logs = stdout.join('');
    expect(logs).not.toContain(CANARY);
    expect(logs).not.toContain(API_SECRET_CANARY);
    expect(logs).not.toContain(WEBHOOK_TOKEN);
  });
});
