import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { InvocationContext } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { HandledSummary } from '#app/handled-summary';
import type { RecoverySummary } from '#app/recovery-summary';
import { rotationQueueOutput } from '#functions/azure/rotation-queue';
import {
  LOCAL_STATE_TABLE,
  loadAzureFunctions,
  SEEDED_KEY_VAULT_SECRET,
  SEEDED_KEY_VAULT_SECRET_URI,
  startAzureFunctionsStack,
} from '#local/azure-functions-stack';
import type { EventGridDelivery } from '#local/key-vault-emulator/index';
import { startLocalCloud } from '#local/local-cloud';
import { AzureTableStateStore } from '#state/azure-table-state-store';
import { describeCliOnDeployedState } from './support/deployed-state-scenarios';

// The Functions host's worker API, which @azure/functions registers with; the library itself is the real one.
jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
  virtual: true,
});

/**
 * The CLI and the Azure Functions on one Table Storage state table (Azurite): the real onSecretEvent (which queues),
 * reloadRotatedSecret (which the rotation queue triggers) and sweepFailedConnectors functions, the Confluent emulator, the local Key Vault with its Event Grid topic.
 */
const API_SECRET_CANARY = 'CANARY-azure-cli-api-secret-8d1f4b';
const ROTATED_CANARY = 'CANARY-azure-cli-rotated-2e6c9a';
const logs: string[] = [];
let close = async () => {};

function context(functionName: string, triggerMetadata?: Record<string, unknown>): InvocationContext {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    ...(triggerMetadata ? { triggerMetadata } : {}),
    logHandler: (level, ...args) => logs.push(`${level} ${args.map(String).join(' ')}`),
  });
}

afterAll(async () => {
  await close();
});

describeCliOnDeployedState('Azure: Table Storage on Azurite', async () => {
  const confluentKey = { apiKey: 'cli-azure-key', apiSecret: API_SECRET_CANARY };
  const cloud = await startLocalCloud({ provisioningMs: 200, confluentKey });
  // Event Grid's deliveries are kept, not handed to the function: each scenario delivers them itself.
  const deliveries: EventGridDelivery[] = [];
  const azure = await startAzureFunctionsStack({
    confluent: cloud.confluent,
    confluentKey,
    analyticsSecretValue: ROTATED_CANARY,
    onSecretNewVersion: async (delivery) => {
      deliveries.push(delivery);
    },
  });
  close = async () => {
    await azure.close();
    await cloud.close();
  };
  Object.assign(process.env, cloud.env, azure.env, { CONFLUENT_MAX_RETRIES: '1', LOG_LEVEL: 'warn' });
  const functions = loadAzureFunctions();
  const vault = new SecretClient(
    `https://${SEEDED_KEY_VAULT_SECRET.vault}.vault.azure.net`,
    new DefaultAzureCredential(),
  );
  const table = TableClient.fromConnectionString(azure.tables.connectionString, LOCAL_STATE_TABLE, {
    allowInsecureConnection: true,
  });
  let rotations = 0;
  return {
    confluent: cloud.confluent.control,
    store: new AzureTableStateStore(table),
    cliSecret: SEEDED_KEY_VAULT_SECRET_URI,
    secretKey: `azure:${SEEDED_KEY_VAULT_SECRET.vault}.vault.azure.net:${SEEDED_KEY_VAULT_SECRET.name}`,
    dependents: ['env-prod01/lkc-azan01/analytics-sql-sink', 'env-prod01/lkc-azan01/analytics-blob-sink'],
    pinned: 'env-prod01/lkc-azan01/analytics-audit-sink',
    async rotate() {
      rotations += 1;
      const written = await vault.setSecret(SEEDED_KEY_VAULT_SECRET.name, `${ROTATED_CANARY}-v${rotations + 1}`);
      await azure.keyVault.control.settled();
      return { version: written.properties.version ?? '', event: deliveries.at(-1)?.[0] };
    },
    async deliverRotation(rotation) {
      // Event Grid → onSecretEvent, which only queues; the host then runs reloadRotatedSecret on each message.
      const delivery = context('onSecretEvent');
      await functions.onSecretEvent(structuredClone(rotation.event), delivery);
      const outcomes = [];
      for (const message of (delivery.extraOutputs.get(rotationQueueOutput) as unknown[] | undefined) ?? []) {
        const run = context('reloadRotatedSecret', { dequeueCount: 1 });
        const result = (await functions.reloadRotatedSecret(message, run)) as { handled?: HandledSummary };
        outcomes.push(...(result.handled?.outcomes ?? []));
      }
      return outcomes;
    },
    async sweep() {
      const timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: {} };
      const summary = (await functions.sweepFailedConnectors(
        timer,
        context('sweepFailedConnectors'),
      )) as RecoverySummary;
      return summary.outcomes.map((outcome) => ({ ...outcome }));
    },
    everythingPrinted: () => logs.join('\n'),
    canaries: [API_SECRET_CANARY, ROTATED_CANARY],
  };
});
