import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { status } from '../cli/commands/status';
import { Output } from '../cli/output';
import { renderReport } from '../cli/render';
import { createCliRuntime } from '../cli/runtime';
import type { HandledSummary } from '../functions/azure/handled-summary';
import type { ReloadReport } from '../shared/core/reload-plan';
import { LOCAL_IN_PROCESS_ENV, startAwsLambdaStack } from './aws-lambda-stack';
import {
  type AzureFunctions,
  deliverToEventGridTrigger,
  loadAzureFunctions,
  rotationQueueTrigger,
  SEEDED_KEY_VAULT_SECRET,
  startAzureFunctionsStack,
} from './azure-functions-stack';
import { type LambdaHandler, lambdaContext, loadRotationHandler } from './lambda-invoker';
import { LOCAL_CONFLUENT_KEY, startLocalCloud } from './local-cloud';
import { reportFromOutcomeEvents } from './outcome-report';
import { SEED_SECRETS, seedEstate } from './seed-estate';
import type { LocalQueueTrigger } from './storage-queue-host';

/**
 * `npm run demo`: the whole story in one command. Secrets rotate in the local Secrets Manager; each rotation's native
 * EventBridge event is invoked on the real Lambda handler (`functions/aws/on-secret-rotated.ts`, DynamoDB on
 * dynalite); affected connectors are restarted and verified in the Confluent emulator, the rest are skipped with
 * reasons, and each outcome is published to the local EventBridge, from which the tables below are drawn.
 */
async function demo(): Promise<number> {
  const out = new Output();
  const reports: ReloadReport[] = [];
  let handler: LambdaHandler | undefined;
  const stack = await startAwsLambdaStack();
  const cloud = await startLocalCloud({
    provisioningMs: 1_500,
    onRotation: async (event) => {
      if (!handler) throw new Error('rotation before the handler was loaded');
      const published = stack.eventBridge.control.events().length;
      await handler(event, lambdaContext());
      const report = reportFromOutcomeEvents(stack.eventBridge.control.events().slice(published));
      if (report) reports.push(report);
    },
  });
  // Azure side: the local Key Vault's Event Grid deliveries go to the real onSecretEvent function, which queues them
  // for reloadRotatedSecret (the host's queue trigger, in process; Azurite state).
  let azureFunctions: AzureFunctions | undefined;
  let rotationQueue: LocalQueueTrigger | undefined;
  const azureResults: HandledSummary[] = [];
  const azure = await startAzureFunctionsStack({
    confluent: cloud.confluent,
    confluentKey: LOCAL_CONFLUENT_KEY,
    onSecretNewVersion: async (delivery) => {
      if (!azureFunctions || !rotationQueue) throw new Error('rotation before the Azure functions were loaded');
      for (const event of delivery) await deliverToEventGridTrigger(azureFunctions, event, rotationQueue);
    },
  });
  try {
    // The handler and the SDKs read their configuration from the process environment, as they do when deployed.
    Object.assign(process.env, cloud.env, stack.env, azure.env, LOCAL_IN_PROCESS_ENV);
    const env = process.env;
    handler = loadRotationHandler();
    azureFunctions = loadAzureFunctions();
    rotationQueue = rotationQueueTrigger(azureFunctions, {
      onRun: ({ result }) => {
        const handled = (result as { handled?: HandledSummary } | undefined)?.handled;
        if (handled) azureResults.push(handled);
      },
    });
    const sdk = new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: cloud.secretsManager.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });

    out.line(out.colors.bold('\nThe estate before any rotation (npx connector-reloader status):'));
    await status(out, createCliRuntime({}, env), {});

    const rotations = [
      ['prod/orders-db: referenced by ARN, partial ARN and name in connector configs', SEED_SECRETS.ordersDb],
      ["prod/payments-api-key: named by the secret's confluent-connectors tag", SEED_SECRETS.paymentsApiKey],
      ['prod/crm-token: named only by the mapping file', SEED_SECRETS.crmToken],
    ] as const;
    for (const [title, secretId] of rotations) {
      out.line(out.colors.bold(`\nRotating ${title}`));
      await sdk.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: `{"password":"rotated-${Date.now()}"}` }),
      );
      await cloud.secretsManager.control.settled();
      const report = reports.at(-1);
      if (report) {
        renderReport(out, report);
        out.line(
          out.colors.dim(`not affected (no tag, mapping entry or config reference): ${unaffected(report).join(', ')}`),
        );
      }
    }

    out.line(out.colors.bold('\nThe first event delivered again (EventBridge delivers at least once):'));
    const [first] = cloud.secretsManager.control.events();
    if (first) {
      const again = (await handler(first, lambdaContext())) as {
        results: { handledBy?: string; restarted?: number }[];
      };
      for (const result of again.results)
        out.line(
          `answered from the idempotency record of invocation ${result.handledBy}: nothing restarted again (it restarted ${result.restarted} the first time)`,
        );
    }

    out.line(
      out.colors.bold(
        '\nRotating analytics-db-password in Azure Key Vault: referenced by Key Vault URI (Event Grid → onSecretEvent → secret-rotations queue → reloadRotatedSecret)',
      ),
    );
    const vault = new SecretClient(
      `https://${SEEDED_KEY_VAULT_SECRET.vault}.vault.azure.net`,
      new DefaultAzureCredential(),
    );
    await vault.setSecret(SEEDED_KEY_VAULT_SECRET.name, `{"password":"rotated-${Date.now()}"}`);
    await azure.keyVault.control.settled();
    await rotationQueue.settled();
    for (const result of azureResults) {
      out.line(`${result.secret} version ${result.version}`);
      for (const outcome of result.outcomes ?? [])
        out.line(`  ${outcome.connector}: ${outcome.result}${outcome.reason ? ` (${outcome.reason})` : ''}`);
    }

    out.line(out.colors.bold('\nThe estate afterwards:'));
    await status(out, createCliRuntime({}, env), {});
    const errors = [
      ...cloud.secretsManager.control.deliveryErrors(),
      ...azure.keyVault.control.deliveryErrors(),
      ...rotationQueue.poisoned().map((entry) => `secret-rotations-poison: ${JSON.stringify(entry.record)}`),
    ];
    for (const error of errors) out.error(`delivery failed: ${error}`);
    const outcomes = [...reports.flatMap((r) => r.outcomes), ...azureResults.flatMap((r) => r.outcomes ?? [])];
    const verified = outcomes.filter((o) => o.result === 'restarted').length;
    const skippedCount = outcomes.filter((o) => o.result === 'skipped').length;
    out.line(`\n${verified} connector(s) restarted and verified RUNNING, ${skippedCount} skipped with a reason.`);
    const azureVerified = azureResults.flatMap((r) => r.outcomes ?? []).filter((o) => o.result === 'restarted').length;
    return errors.length === 0 &&
      verified > 0 &&
      azureVerified > 0 &&
      skippedCount > 0 &&
      outcomes.every((o) => o.result === 'restarted' || o.result === 'skipped')
      ? 0
      : 1;
  } finally {
    rotationQueue?.close();
    await Promise.all([cloud.close(), stack.close(), azure.close()]);
  }
}

demo().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);

/** The seeded connectors a rotation left alone because nothing ties them to the secret. */
function unaffected(report: ReloadReport): string[] {
  const touched = new Set(
    report.outcomes.map((o) => `${o.connector.environmentId}/${o.connector.clusterId}/${o.connector.name}`),
  );
  return seedEstate()
    .connectors.map((c) => `${c.environmentId}/${c.clusterId}/${c.name}`)
    .filter((key) => !touched.has(key))
    .map((key) => key.split('/').at(-1) ?? key);
}
