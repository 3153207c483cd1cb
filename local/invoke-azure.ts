import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { failureQueueOutput } from '#functions/azure/failure-queue';
import { rotationQueueOutput } from '#functions/azure/rotation-queue';
import {
  type AzureFunctions,
  deliverToEventGridTrigger,
  invocationContext,
  loadAzureFunctions,
  rotationQueueTrigger,
} from './azure-functions-stack';
import { parseEnvFile } from './env-file';
import { trustInThisProcess } from './key-vault-emulator';

const ENV_FILE = path.resolve(__dirname, '../.local-cloud/env');
const USAGE =
  'usage: npm run invoke:azure -- events/azure/<file>.json [--webhook] | events/confluent/<file>.json --failure-webhook | --sweep';

/**
 * `npm run invoke:azure -- <event file> [--webhook]`: runs the registered Azure function on a sample payload against
 * the running `npm start`, as the host would: the Event Grid trigger once per event of the array (the default), or
 * the webhook with the file as the POST body; what either queued then goes to `reloadRotatedSecret` (one try: a
 * failure is printed, where the host would retry it). `--failure-webhook` posts a Confluent notification to the failure
 * webhook (with the token from the local vault) and hands what it queued to the queue function; `--sweep` runs the
 * timer once. Prints each result; exits 1 when an invocation fails.
 */
async function invoke(args: string[]): Promise<number> {
  const webhook = args.includes('--webhook');
  const failureWebhook = args.includes('--failure-webhook');
  const sweep = args.includes('--sweep');
  const file = args.find((arg) => !arg.startsWith('--'));
  if (!file && !sweep) {
    console.error(USAGE);
    return 2;
  }
  if (!existsSync(ENV_FILE)) {
    console.error(`${path.relative(process.cwd(), ENV_FILE)} is missing: run \`npm start\` in another terminal first`);
    return 2;
  }
  Object.assign(process.env, parseEnvFile(readFileSync(ENV_FILE, 'utf8')));
  // NODE_EXTRA_CA_CERTS works only for processes started with it; this one reads the vault certificate itself.
  const certificate = process.env.NODE_EXTRA_CA_CERTS;
  if (certificate && existsSync(certificate)) trustInThisProcess(readFileSync(certificate, 'utf8'));
  const functions = loadAzureFunctions();
  if (sweep) {
    const timer = { isPastDue: false, schedule: { adjustForDST: true }, scheduleStatus: {} };
    console.log(
      JSON.stringify(await functions.sweepFailedConnectors(timer, invocationContext('sweepFailedConnectors')), null, 2),
    );
    return 0;
  }
  if (!file) return 2;
  const text = readFileSync(file, 'utf8');
  if (failureWebhook) return postFailure(functions, text);

  if (webhook) {
    const request = new HttpRequest({
      method: 'POST',
      url: 'http://localhost:7071/api/secret-events',
      body: { string: text },
      headers: { 'content-type': 'application/json' },
    });
    const context = invocationContext('secretEventsWebhook');
    const response = await functions.secretEventsWebhook(request, context);
    console.log(JSON.stringify(response, null, 2));
    return reloadQueued(functions, (queue) => queue.enqueue(context.extraOutputs.get(rotationQueueOutput)));
  }
  const payload: unknown = JSON.parse(text);
  return reloadQueued(functions, async (queue) => {
    // The host splits Event Grid's array and invokes the trigger once per event.
    for (const event of Array.isArray(payload) ? payload : [payload]) {
      const { answer, answeredInMs, deadLetter } = await deliverToEventGridTrigger(functions, event, queue);
      console.log(JSON.stringify({ answer, answeredInMs: Math.round(answeredInMs), deadLetter }, null, 2));
    }
  });
}

/** Runs `queueUp`, then the rotation queue's function on each message it queued, once each; exits 1 on a failure. */
async function reloadQueued(
  functions: AzureFunctions,
  queueUp: (queue: ReturnType<typeof rotationQueueTrigger>) => void | Promise<void>,
): Promise<number> {
  let failed = false;
  const queue = rotationQueueTrigger(functions, {
    maxDequeueCount: 1,
    logHandler: (level, ...rest) => console.log(`[reloadRotatedSecret] ${level}:`, ...rest),
    onRun: ({ result, error }) => {
      failed ||= error !== undefined;
      console.log(JSON.stringify(error ? { error } : result, null, 2));
    },
  });
  await queueUp(queue);
  await queue.settled();
  return failed ? 1 : 0;
}

/** The failure webhook, then the queue function on each message it queued (the host's Storage Queue in between). */
async function postFailure(functions: AzureFunctions, body: string): Promise<number> {
  const tokenSecret = process.env.LOCAL_AZURE_WEBHOOK_TOKEN_SECRET;
  if (!tokenSecret) {
    console.error('LOCAL_AZURE_WEBHOOK_TOKEN_SECRET is missing from .local-cloud/env: restart `npm start`');
    return 2;
  }
  const { origin, pathname } = new URL(tokenSecret);
  const name = pathname.split('/').at(-1) ?? '';
  const token = (await new SecretClient(origin, new DefaultAzureCredential()).getSecret(name)).value ?? '';
  const webhookContext = invocationContext('connectorFailureWebhook');
  const response = await functions.connectorFailureWebhook(
    new HttpRequest({
      method: 'POST',
      url: `http://localhost:7071/api/connector-failures/${encodeURIComponent(token)}`,
      body: { string: body },
      headers: { 'content-type': 'application/json' },
    }),
    webhookContext,
  );
  console.log(JSON.stringify(response, null, 2));
  const queued = (webhookContext.extraOutputs.get(failureQueueOutput) as unknown[] | undefined) ?? [];
  for (const message of queued) {
    const queueContext = new InvocationContext({
      invocationId: randomUUID(),
      functionName: 'recoverReportedFailures',
      triggerMetadata: { dequeueCount: 1 },
      logHandler: (level, ...rest) => console.log(`[recoverReportedFailures] ${level}:`, ...rest),
    });
    console.log(JSON.stringify(await functions.recoverReportedFailures(message, queueContext), null, 2));
  }
  return 0;
}

invoke(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`invoke failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
