import { Storage } from '@google-cloud/storage';
import type { HandledSummary } from '#app/handled-summary';
import type { RecoverySummary } from '#app/recovery-summary';
import { GCP_SEED_SECRET, GCP_SEED_SECRET_ID, LOCAL_GCP_PROJECT, withGcpEstate } from '#local/gcp-estate';
import {
  LOCAL_GCP_BUCKET,
  LOCAL_GCP_TOPIC,
  serveGcpFunctions,
  startGcpFunctionsStack,
} from '#local/gcp-functions-stack';
import type { PubSubMessage } from '#local/gcp-secret-manager-emulator/index';
import { startLocalCloud } from '#local/local-cloud';
import { seedEstate } from '#local/seed-estate';
import { secretManagerClient } from '#providers/gcp-secret-manager';
import { GcsStateStore } from '#state/gcs-state-store';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';
import { type DeliveredOutcome, describeCliOnDeployedState } from './support/deployed-state-scenarios';

/**
 * The CLI and the Cloud Run functions on one Cloud Storage state bucket (the local GCS, reached by both through
 * STORAGE_EMULATOR_HOST): the real onSecretVersionEvent and sweepFailedConnectors on the Functions Framework, the
 * Confluent emulator, the local Secret Manager publishing to its topic. Eventarc's deliveries are held, so each
 * scenario delivers a rotation when it wants to; what the function did is read from its log lines, as Cloud Logging
 * would show them.
 */
const API_SECRET_CANARY = 'CANARY-gcp-cli-api-secret-5d8e2b';
const ROTATED_CANARY = 'CANARY-gcp-cli-rotated-9f4c1a';

let output: ReturnType<typeof captureProcessOutput>;
let close = async () => {};

afterAll(async () => {
  output?.restore();
  await close();
});

describeCliOnDeployedState('Google Cloud: Cloud Storage on the local GCS', async () => {
  output = captureProcessOutput();
  const confluentKey = { apiKey: 'cli-gcp-key', apiSecret: API_SECRET_CANARY };
  const cloud = await startLocalCloud({ provisioningMs: 200, confluentKey, estate: withGcpEstate(seedEstate()) });
  const gcp = await startGcpFunctionsStack({
    confluent: cloud.confluent,
    confluentKey,
    inventorySecretValue: `${ROTATED_CANARY}-v1`,
    holdEventarc: true,
  });
  // LOG_LEVEL unset: the functions log at info (their outcome lines), the CLI at warn.
  Object.assign(process.env, cloud.env, gcp.env, { CONFLUENT_MAX_RETRIES: '1' });
  serveGcpFunctions();
  const client = secretManagerClient(gcp.secretManager.url);
  close = async () => {
    await client.close();
    await gcp.close();
    await cloud.close();
  };
  let rotations = 0;
  return {
    confluent: cloud.confluent.control,
    store: new GcsStateStore(new Storage().bucket(LOCAL_GCP_BUCKET)),
    // As a person types it, by project id; the notifications name the project by number.
    cliSecret: GCP_SEED_SECRET_ID,
    secretKey: `gcp:${LOCAL_GCP_PROJECT.number}:${GCP_SEED_SECRET}`,
    dependents: ['env-prod01/lkc-gcinv1/inventory-cdc', 'env-prod01/lkc-gcinv1/inventory-bigquery-sink'],
    async rotate() {
      rotations += 1;
      const [version] = await client.addSecretVersion({
        parent: GCP_SEED_SECRET_ID,
        payload: { data: Buffer.from(`${ROTATED_CANARY}-v${rotations + 1}`) },
      });
      await gcp.pubsub.settled();
      const event = gcp.pubsub.messages(LOCAL_GCP_TOPIC).at(-1);
      return { version: version.name?.split('/').at(-1) ?? '', event };
    },
    async deliverRotation(rotation) {
      const message = rotation.event as PubSubMessage;
      const logged = output.lines().length;
      await gcp.deliverToEventarc(message);
      return output
        .lines()
        .slice(logged)
        .filter((line) => line.message === 'secret event handled' && line.eventId === message.messageId)
        .flatMap((line) => (line as unknown as HandledSummary).outcomes ?? [])
        .map((outcome): DeliveredOutcome => ({ ...outcome }));
    },
    async sweep() {
      // As Cloud Scheduler calls it: an (OIDC-signed, in Google Cloud) POST.
      const response = await fetch(gcp.urls.sweepFailedConnectors, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cloudscheduler-jobname': 'connector-reloader-sweep' },
        body: '{}',
      });
      const summary = (await response.json()) as RecoverySummary;
      return summary.outcomes.map((outcome) => ({ ...outcome }));
    },
    everythingPrinted: () => output.text(),
    canaries: [API_SECRET_CANARY, ROTATED_CANARY],
  };
});
