import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SQSBatchResponse } from 'aws-lambda';
import type { HandledSummary } from '#app/handled-summary';
import { LOCAL_IN_PROCESS_ENV, LOCAL_QUEUES, LOCAL_WEBHOOK_TOKEN, startAwsLambdaStack } from './aws-lambda-stack';
import {
  type AzureFunctions,
  deliverToEventGridTrigger,
  loadAzureFunctions,
  rotationQueuePoller,
  rotationQueueTrigger,
  startAzureFunctionsStack,
} from './azure-functions-stack';
import { envFileText } from './env-file';
import { withGcpEstate } from './gcp-estate';
import { serveGcpFunctions, startGcpFunctionsStack } from './gcp-functions-stack';
import {
  type LambdaHandler,
  lambdaContext,
  loadRecoveryHandlers,
  loadRotationHandler,
  loadRotationRetryHandler,
} from './lambda-invoker';
import { LOCAL_CONFLUENT_KEY, startLocalCloud } from './local-cloud';
import { seedEstate } from './seed-estate';
import type { LocalQueueTrigger, QueueRun } from './storage-queue-host';

/** Fixed ports, so `serverless invoke local --stage local` and the CLI find the local cloud without discovery. */
export const LOCAL_PORTS = {
  confluent: 4510,
  secretsManager: 4511,
  dynamodb: 4520,
  eventBridge: 4521,
  sqs: 4522,
  keyVault: 4530,
  keyVaultGateway: 4531,
  azuriteTable: 10002,
  azuriteQueue: 10001,
  /** Secret Manager, then Cloud Storage, Cloud Tasks and one port per Cloud Run function. */
  gcpBase: 4540,
} as const;
export const LOCAL_ENV_FILE = path.resolve(__dirname, '../.local-cloud/env');
/** The local Key Vault's certificate (public part only), for NODE_EXTRA_CA_CERTS in other processes. */
const LOCAL_KEY_VAULT_CERTIFICATE = path.resolve(__dirname, '../.local-cloud/key-vault-ca.pem');

/**
 * `npm start`: the local cloud until Ctrl-C. Rotations in the local Secrets Manager are delivered, like EventBridge
 * would, to the rotation handler; the CLI and manual invokes use the printed environment.
 */
async function start(): Promise<void> {
  let handler: LambdaHandler | undefined;
  let retryHandler: LambdaHandler | undefined;
  let recovery: ReturnType<typeof loadRecoveryHandlers> | undefined;
  const cloud = await startLocalCloud({
    confluentPort: LOCAL_PORTS.confluent,
    secretsManagerPort: LOCAL_PORTS.secretsManager,
    estate: withGcpEstate(seedEstate()),
    onRotation: async (event) => {
      console.log(`EventBridge: ${event['detail-type']} ${event.resources[0]} → onSecretRotated (Lambda handler)`);
      try {
        await handler?.(event, lambdaContext());
      } catch (error) {
        // On AWS: Lambda retries, then the on-failure queue.
        console.log(`  invocation failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
  });
  // AWS side: DynamoDB (state, idempotency), the bus outcome events go to (printed as they arrive), and the failure
  // queue, whose messages go to recoverReportedFailures as Lambda's SQS poller would hand them over.
  const stack = await startAwsLambdaStack({
    dynamoPort: LOCAL_PORTS.dynamodb,
    eventBridgePort: LOCAL_PORTS.eventBridge,
    sqsPort: LOCAL_PORTS.sqs,
    secretsManager: cloud.secretsManager,
    onOutcome: ({ detailType, detail }) =>
      console.log(`  ${detailType}: ${detail.connector ?? detail.secret}${detail.reason ? ` (${detail.reason})` : ''}`),
    onFailureQueued: () => {
      setImmediate(() => void pollFailureQueue());
    },
  });
  const pollFailureQueue = async () => {
    const event = stack.sqs.control.receiveEvent(LOCAL_QUEUES.failures);
    if (event.Records.length === 0 || !recovery) return;
    console.log(`SQS: ${event.Records.length} reported failure(s) → recoverReportedFailures (Lambda handler)`);
    try {
      const response = (await recovery.recoverReportedFailures(event, lambdaContext())) as SQSBatchResponse;
      const retried = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
      const done = event.Records.filter((record) => !retried.has(record.messageId));
      stack.sqs.control.deleteReceived(
        LOCAL_QUEUES.failures,
        done.map((record) => record.receiptHandle),
      );
      // On AWS: retried after the visibility timeout, then the dead-letter queue.
      if (retried.size > 0) console.log(`  ${retried.size} left on the queue for a retry`);
    } catch (error) {
      console.log(`  invocation failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  // The rotation retry queue (a rotation pending on a locked connector, or waiting for its coalesced restart) goes to
  // retryPendingRotations one message at a time (its batch size), once its DelaySeconds are over: polled every second,
  // as Lambda's SQS poller would, since a delayed message becomes visible with no send to announce it.
  let pollingRetries = false;
  const pollRetryQueue = async () => {
    if (pollingRetries || !retryHandler) return;
    pollingRetries = true;
    try {
      for (;;) {
        const event = stack.sqs.control.receiveEvent(LOCAL_QUEUES.rotationRetries, 1);
        if (event.Records.length === 0) return;
        console.log('SQS: a queued rotation is due → retryPendingRotations (Lambda handler)');
        const response = (await retryHandler(event, lambdaContext())) as SQSBatchResponse;
        // On AWS: a failed one is retried after the visibility timeout, then the dead-letter queue.
        if (response.batchItemFailures.length > 0) continue;
        stack.sqs.control.deleteReceived(
          LOCAL_QUEUES.rotationRetries,
          event.Records.map((record) => record.receiptHandle),
        );
      }
    } catch (error) {
      console.log(`  invocation failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      pollingRetries = false;
    }
  };
  setInterval(() => void pollRetryQueue(), 1_000).unref();
  // Azure side: Azurite (Table state) and the local Key Vault, whose Event Grid deliveries go to onSecretEvent; what
  // it queues goes to reloadRotatedSecret as the host's queue trigger would hand it over (retries, poison queue).
  let azureFunctions: AzureFunctions | undefined;
  let rotations: LocalQueueTrigger | undefined;
  const azure = await startAzureFunctionsStack({
    keyVaultPort: LOCAL_PORTS.keyVault,
    gatewayPort: LOCAL_PORTS.keyVaultGateway,
    tablePort: LOCAL_PORTS.azuriteTable,
    queuePort: LOCAL_PORTS.azuriteQueue,
    confluent: cloud.confluent,
    confluentKey: LOCAL_CONFLUENT_KEY,
    certificateFile: LOCAL_KEY_VAULT_CERTIFICATE,
    onSecretNewVersion: async (delivery) => {
      if (!azureFunctions || !rotations) return;
      for (const event of delivery) {
        console.log(`Event Grid: ${event.eventType} ${event.data.Id} → onSecretEvent (Azure Function)`);
        // A throw fails the delivery: Event Grid retries it (10 s, 30 s, 1 min, …), then the dead-letter container.
        const { answer, answeredInMs } = await deliverToEventGridTrigger(azureFunctions, event, rotations);
        for (const summary of answer)
          console.log(
            `  ${summary.kind} in ${answeredInMs.toFixed(0)} ms${summary.reason ? ` (${summary.reason})` : ''}`,
          );
      }
    },
  });
  // Google Cloud side: Secret Manager → Pub/Sub → Eventarc → the Cloud Run functions on the Functions Framework.
  const gcp = await startGcpFunctionsStack({
    confluent: cloud.confluent,
    confluentKey: LOCAL_CONFLUENT_KEY,
    basePort: LOCAL_PORTS.gcpBase,
    onNotification: (message) =>
      console.log(
        `Pub/Sub: ${message.attributes.eventType} ${message.attributes.versionId ?? message.attributes.secretId} → Eventarc → onSecretVersionEvent`,
      ),
  });
  // The real Lambda handler, in process, configured from the environment like a cold start.
  Object.assign(process.env, cloud.env, stack.env, azure.env, gcp.env, LOCAL_IN_PROCESS_ENV);
  handler = loadRotationHandler();
  retryHandler = loadRotationRetryHandler();
  recovery = loadRecoveryHandlers();
  azureFunctions = loadAzureFunctions();
  serveGcpFunctions();
  const printRotationRun = ({ result, error, dequeueCount }: QueueRun) => {
    if (error) {
      console.log(`Storage Queue: reloadRotatedSecret try ${dequeueCount} failed (retried, then poisoned): ${error}`);
      return;
    }
    const handled = (result as { handled?: HandledSummary; deadLettered?: string }) ?? {};
    if (handled.deadLettered)
      console.log(`Storage Queue: dead-lettered to secret-rotations-poison: ${handled.deadLettered}`);
    if (handled.handled?.kind === 'deferred')
      console.log(`Storage Queue: ${handled.handled.secret} waits on secret-rotations until ${handled.handled.dueAt}`);
    for (const outcome of handled.handled?.outcomes ?? [])
      console.log(`  ${outcome.connector}: ${outcome.result}${outcome.reason ? ` (${outcome.reason})` : ''}`);
  };
  rotations = rotationQueueTrigger(azureFunctions, { onRun: printRotationRun });
  // With RESTART_COALESCE_SECONDS on, a waiting rotation is sent back to Azurite's secret-rotations with a visibility
  // delay: polled every second, as the host's queue trigger would, so it comes back when its restart is due.
  const deferredRotations = rotationQueuePoller(azureFunctions, azure, { onRun: printRotationRun });
  deferredRotations.start();

  mkdirSync(path.dirname(LOCAL_ENV_FILE), { recursive: true });
  writeFileSync(LOCAL_ENV_FILE, envFileText({ ...cloud.env, ...stack.env, ...azure.env, ...gcp.env }));
  console.log(`Local cloud is up (Ctrl-C to stop):
  Confluent Cloud API   ${cloud.confluent.url}   (${estateSummary()})
  AWS Secrets Manager   ${cloud.secretsManager.url}
  DynamoDB (dynalite)   ${stack.dynamo.endpoint}
  EventBridge           ${stack.eventBridge.url}   (outcome events are printed here)
  SQS                   ${stack.sqs.url}   (failure queue → recoverReportedFailures, token ${LOCAL_WEBHOOK_TOKEN};
                                                  rotation retries → retryPendingRotations, polled every second)
  Azure Key Vault       https://contoso-analytics.vault.azure.net (local, via HTTPS_PROXY ${azure.env.HTTPS_PROXY})
  Azurite (tables)      ${azure.tables.endpoint}
  Azurite (queues)      ${azure.queues.endpoint}   (secret-rotations: coalescing rotations wait here)
  GCP Secret Manager    ${gcp.secretManager.url}   (project acme-prod = 314159265358; Cloud Storage ${gcp.storage.url})
  Cloud Run functions   ${gcp.urls.onSecretVersionEvent} (onSecretVersionEvent) … ${gcp.urls.sweepFailedConnectors}

In another terminal:
  source ${path.relative(process.cwd(), LOCAL_ENV_FILE)}
  npx connector-reloader status
  npx connector-reloader plan --secret prod/orders-db
  aws --endpoint-url ${cloud.secretsManager.url} secretsmanager put-secret-value --secret-id prod/orders-db --secret-string '{"password":"new"}'
  npx serverless invoke local -f onSecretRotated -p events/aws/secret-label-updated.json --stage local
  npx serverless invoke local -f connectorFailureWebhook -p events/aws/connector-failure-webhook.json --stage local
  npx serverless invoke local -f sweepFailedConnectors -p events/aws/sweep-schedule.json --stage local
  npm run invoke:azure -- events/azure/secret-new-version-created.eventgrid.json
  npx connector-reloader plan --secret https://contoso-analytics.vault.azure.net/secrets/analytics-db-password
  npm run invoke:gcp -- events/gcp/secret-version-add.eventarc.json
`);
  const stop = async () => {
    rotations?.close();
    await deferredRotations.stop();
    await Promise.all([cloud.close(), stack.close(), azure.close(), gcp.close()]);
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

start().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});

/** What the seeded estate holds, counted rather than written down. */
function estateSummary(): string {
  const estate = seedEstate();
  const integrations = estate.providerIntegrations?.length ?? 0;
  return `${estate.environments.length} environments, ${estate.clusters.length} clusters, ${estate.connectors.length} connectors, ${integrations} provider integrations`;
}
