import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { Storage } from '@google-cloud/storage';
import { GCP_SEED_SECRET, LOCAL_GCP_PROJECT, withGcpEstate } from '#local/gcp-estate';
import {
  type GcpFunctionsStack,
  LOCAL_GCP_BUCKET,
  serveGcpFunctions,
  startGcpFunctionsStack,
} from '#local/gcp-functions-stack';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { seedEstate } from '#local/seed-estate';
import { secretManagerClient } from '#providers/gcp-secret-manager';

const INVENTORY = ['env-prod01/lkc-gcinv1/inventory-cdc', 'env-prod01/lkc-gcinv1/inventory-bigquery-sink'];

let cloud: LocalCloud;
let gcp: GcpFunctionsStack;
let client: SecretManagerServiceClient;
let writeSpy: jest.SpyInstance;

beforeAll(async () => {
  const confluentKey = { apiKey: 'local-api-key', apiSecret: 'local-api-secret' };
  cloud = await startLocalCloud({ provisioningMs: 200, confluentKey, estate: withGcpEstate(seedEstate()) });
  gcp = await startGcpFunctionsStack({ confluent: cloud.confluent, confluentKey });
  // A 30 s deadline against a worst case of 20 + 10 + 6 × 10 s: every rotation goes through Cloud Tasks.
  Object.assign(process.env, cloud.env, gcp.env, {
    VERIFY_TIMEOUT_SECONDS: '20',
    GCP_EVENT_FUNCTION_TIMEOUT_SECONDS: '30',
    GCP_TASK_MAX_ATTEMPTS: '2',
    // A Confluent outage fails a try at once rather than after the backoff.
    CONFLUENT_MAX_RETRIES: '0',
  });
  writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  serveGcpFunctions();
  client = secretManagerClient(gcp.secretManager.url);
}, 60_000);

afterAll(async () => {
  writeSpy.mockRestore();
  await client.close();
  await gcp.close();
  await cloud.close();
});

describe('onSecretVersionEvent when a reload can outlast its delivery deadline', () => {
  it('acknowledges at once and has reloadRotatedSecret restart and verify through Cloud Tasks', async () => {
    // Prepare
    const before = INVENTORY.map((key) => cloud.confluent.control.connector(key).restarts);

    // Act
    await client.addSecretVersion({
      parent: `projects/${LOCAL_GCP_PROJECT.id}/secrets/${GCP_SEED_SECRET}`,
      payload: { data: Buffer.from('rotated') },
    });
    await gcp.pubsub.settled();
    const restartsAtAck = INVENTORY.map((key) => cloud.confluent.control.connector(key).restarts);
    await gcp.tasks.control.settled();

    // Assess
    expect(gcp.deliveries().at(-1)?.status).toBe(200);
    expect(restartsAtAck).toEqual(before);
    expect(gcp.tasks.control.attempts().at(-1)).toMatchObject({ url: gcp.urls.reloadRotatedSecret, status: 200 });
    expect(INVENTORY.map((key) => cloud.confluent.control.connector(key).restarts)).toEqual(before.map((n) => n + 1));
    for (const key of INVENTORY) expect(cloud.confluent.control.connector(key).state).toBe('RUNNING');
  }, 60_000);

  it('dead-letters a malformed task at once, and a failing one on its last attempt, with the cause', async () => {
    // Prepare: a rotation while Confluent answers every call with a 500 (every attempt fails), and one with a broken
    // versionId. (A secret the functions hold no role on is not a failure: PERMISSION_DENIED, ignored, acknowledged.)
    const post = (body: unknown, retryCount: number) =>
      fetch(gcp.urls.reloadRotatedSecret, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cloudtasks-taskretrycount': String(retryCount) },
        body: JSON.stringify(body),
      });
    const rotation = {
      message: {
        attributes: {
          eventType: 'SECRET_VERSION_ADD',
          secretId: `projects/${LOCAL_GCP_PROJECT.number}/secrets/${GCP_SEED_SECRET}`,
          versionId: `projects/${LOCAL_GCP_PROJECT.number}/secrets/${GCP_SEED_SECRET}/versions/1`,
        },
        messageId: '77',
      },
      subscription: 'projects/acme-prod/subscriptions/s',
    };

    // Act
    const malformed = await post(
      { ...rotation, message: { attributes: { ...rotation.message.attributes, versionId: 'v' } } },
      0,
    );
    cloud.confluent.control.setFaults({ errorRate: 1, random: () => 0 });
    const firstTry = await post(rotation, 0);
    const lastTry = await post(rotation, 1);
    cloud.confluent.control.clearFaults();
    const letter = (await lastTry.json()) as { deadLettered?: string; object?: string };
    const [stored] = await new Storage()
      .bucket(LOCAL_GCP_BUCKET)
      .file(letter.object ?? '')
      .download();

    // Assess
    expect(malformed.status).toBe(200);
    expect(((await malformed.json()) as { deadLettered: string }).deadLettered).toMatch(/versionId is not a version/);
    expect(firstTry.status).toBe(500);
    expect(lastTry.status).toBe(200);
    expect(letter.object).toMatch(/^dead-letters\/reloadRotatedSecret\//);
    expect(JSON.parse(stored.toString())).toMatchObject({
      function: 'reloadRotatedSecret',
      attempts: 2,
      cause: expect.stringMatching(
        /^ConfluentServerError: Confluent list-connectors of env-prod01\/lkc-gcinv1 failed: HTTP 500/,
      ),
      payload: rotation,
    });
  });
});
