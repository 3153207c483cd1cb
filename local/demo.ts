import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { HandledSummary } from '#app/handled-summary';
import type { RecoverySummary } from '#app/recovery-summary';
import { status } from '#cli/commands/status';
import { Output } from '#cli/output';
import { renderReport } from '#cli/render';
import { createCliRuntime } from '#cli/runtime';
import type { ReloadReport } from '#core/reload-plan';
import { secretManagerClient } from '#providers/gcp-secret-manager';
import { LOCAL_IN_PROCESS_ENV, startAwsLambdaStack } from './aws-lambda-stack';
import {
  type AzureFunctions,
  deliverToEventGridTrigger,
  loadAzureFunctions,
  rotationQueueTrigger,
  SEEDED_KEY_VAULT_SECRET,
  startAzureFunctionsStack,
} from './azure-functions-stack';
import { GCP_SEED_SECRET, LOCAL_GCP_PROJECT, withGcpEstate } from './gcp-estate';
import { serveGcpFunctions, startGcpFunctionsStack } from './gcp-functions-stack';
import { type LambdaHandler, lambdaContext, loadRecoveryHandlers, loadRotationHandler } from './lambda-invoker';
import { LOCAL_CONFLUENT_KEY, startLocalCloud } from './local-cloud';
import { reportFromOutcomeEvents } from './outcome-report';
import { PINNED_ANALYTICS_VERSION, SEED_SECRETS, seedEstate } from './seed-estate';
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
    estate: withGcpEstate(seedEstate()),
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
  // Google Cloud side: Secret Manager → Pub/Sub → Eventarc → onSecretVersionEvent on the real Functions Framework.
  const gcp = await startGcpFunctionsStack({ confluent: cloud.confluent, confluentKey: LOCAL_CONFLUENT_KEY });
  const gcpLogs: string[] = [];
  try {
    // The handler and the SDKs read their configuration from the process environment, as they do when deployed.
    Object.assign(process.env, cloud.env, stack.env, azure.env, gcp.env, LOCAL_IN_PROCESS_ENV);
    const env = process.env;
    handler = loadRotationHandler();
    azureFunctions = loadAzureFunctions();
    // At info, the functions log each handled event: the demo's table of the GCP story is drawn from those lines.
    process.env.LOG_LEVEL = 'info';
    serveGcpFunctions();
    process.env.LOG_LEVEL = LOCAL_IN_PROCESS_ENV.LOG_LEVEL;
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
      [
        "prod/payments-api-key: named by the secret's confluent-connectors tag; one connector holds its ARN as plain text",
        SEED_SECRETS.paymentsApiKey,
      ],
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
        for (const line of leftAlone(report)) out.line(out.colors.yellow(line));
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
    if (azureResults.some((r) => (r.outcomes ?? []).some((o) => o.reason === 'pinned-version'))) {
      out.line(
        out.colors.yellow(
          `found but left alone: analytics-audit-sink pins version ${PINNED_ANALYTICS_VERSION} of the secret, which a restart would fetch again`,
        ),
      );
    }

    const swept = await sweepFailedConnectors(out);

    out.line(
      out.colors.bold(
        `\nAdding a version to ${GCP_SEED_SECRET} in Google Cloud Secret Manager: referenced by project id and by number (Pub/Sub → Eventarc → Cloud Run function)`,
      ),
    );
    const gcpClient = secretManagerClient(gcp.secretManager.url);
    // The functions log to stdout as Cloud Logging would read it; the demo keeps the handled lines for its table.
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
      const text = String(chunk);
      if (text.startsWith('{"severity"')) {
        gcpLogs.push(text);
        return true;
      }
      return write(chunk, ...rest);
    }) as typeof process.stdout.write;
    try {
      await gcpClient.addSecretVersion({
        parent: `projects/${LOCAL_GCP_PROJECT.id}/secrets/${GCP_SEED_SECRET}`,
        payload: { data: Buffer.from(`{"password":"rotated-${Date.now()}"}`) },
      });
      await gcp.pubsub.settled();
    } finally {
      process.stdout.write = write;
      await gcpClient.close();
    }
    const gcpResults = gcpLogs
      .map((line) => JSON.parse(line) as { message: string } & HandledSummary)
      .filter((entry) => entry.message === 'secret event handled');
    for (const result of gcpResults) {
      out.line(`${result.secret} version ${result.version}`);
      for (const outcome of result.outcomes ?? [])
        out.line(`  ${outcome.connector}: ${outcome.result}${outcome.reason ? ` (${outcome.reason})` : ''}`);
    }
    azureResults.push(...gcpResults);

    out.line(out.colors.bold('\nThe estate afterwards:'));
    await status(out, createCliRuntime({}, env), {});
    const errors = [
      ...cloud.secretsManager.control.deliveryErrors(),
      ...azure.keyVault.control.deliveryErrors(),
      ...gcp.pubsub.deliveryErrors(),
      ...rotationQueue.poisoned().map((entry) => `secret-rotations-poison: ${JSON.stringify(entry.record)}`),
    ];
    for (const error of errors) out.error(`delivery failed: ${error}`);
    const outcomes = [
      ...reports.flatMap((r) => r.outcomes),
      ...azureResults.flatMap((r) => r.outcomes ?? []),
      ...gcpResults.flatMap((r) => r.outcomes ?? []),
    ];
    const verified = outcomes.filter((o) => o.result === 'restarted').length;
    const skippedCount = outcomes.filter((o) => o.result === 'skipped').length;
    out.line(`\n${verified} connector(s) restarted and verified RUNNING, ${skippedCount} skipped with a reason.`);
    const azureVerified = azureResults.flatMap((r) => r.outcomes ?? []).filter((o) => o.result === 'restarted').length;
    const gcpVerified = gcpResults.flatMap((r) => r.outcomes ?? []).filter((o) => o.result === 'restarted').length;
    // The story needs each of these: a plain-config holder found and left alone, restarts verified on every cloud.
    const plainConfigShown = outcomes.some((o) => o.reason === 'plain-config');
    return errors.length === 0 &&
      swept &&
      verified > 0 &&
      azureVerified > 0 &&
      gcpVerified > 0 &&
      skippedCount > 0 &&
      plainConfigShown &&
      outcomes.every((o) => o.result === 'restarted' || o.result === 'skipped')
      ? 0
      : 1;
  } finally {
    rotationQueue?.close();
    await Promise.all([cloud.close(), stack.close(), azure.close(), gcp.close()]);
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

/**
 * The scheduled sweep, invoked on the real `sweepFailedConnectors` handler with the schedule's event: one list call
 * per cluster finds the seeded FAILED stage connector (Confluent's FAILED: every task in error, or the connector
 * itself) and restarts it under its restart budget, verified RUNNING; the PAUSED one a person paused is left alone.
 * True when the stage connector came back.
 */
async function sweepFailedConnectors(out: Output): Promise<boolean> {
  out.line(
    out.colors.bold('\nThe scheduled sweep (sweepFailedConnectors, rate(5 minutes)): failed connectors in scope'),
  );
  const { sweepFailedConnectors: sweep } = loadRecoveryHandlers();
  const summary = (await sweep(SWEEP_EVENT, lambdaContext())) as RecoverySummary;
  out.table(
    ['connector', 'outcome', 'attempt'],
    summary.outcomes.map((o) => [
      o.connector,
      o.result === 'restarted'
        ? out.colors.green('restarted + verified RUNNING')
        : o.result === 'skipped'
          ? out.colors.yellow(`skipped: ${o.reason}`)
          : out.colors.red(o.result),
      o.attempt === undefined ? '' : `${o.attempt} of the restart budget`,
    ]),
  );
  return summary.outcomes.some((o) => o.connector === STAGE_FAILED && o.result === 'restarted');
}

const STAGE_FAILED = 'env-stage01/lkc-stage01/stage-datagen';
/** What the EventBridge schedule delivers (events/aws/sweep-schedule.json). */
const SWEEP_EVENT = {
  version: '0',
  id: 'demo-sweep',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: new Date().toISOString(),
  region: 'us-east-1',
  resources: ['arn:aws:events:us-east-1:123456789012:rule/connector-reloader-local-sweep'],
  detail: {},
};

/**
 * Connectors a rotation found and left alone because of how they reference the secret: named so that nobody
 * wonders why they kept the old value.
 */
function leftAlone(report: ReloadReport): string[] {
  return report.outcomes
    .filter((o) => o.reason === 'plain-config')
    .map(
      (o) =>
        `found but left alone: ${o.connector.name} holds the reference in plain config (no secret.manager.provider.integration.id), so Confluent never fetches the secret and a restart would change nothing`,
    );
}

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
