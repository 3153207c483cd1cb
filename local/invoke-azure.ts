import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { failureQueueOutput } from '../functions/azure/failure-queue';
import { type AzureFunctions, invocationContext, loadAzureFunctions } from './azure-functions-stack';
import { parseEnvFile } from './env-file';
import { trustInThisProcess } from './key-vault-emulator';

const ENV_FILE = path.resolve(__dirname, '../.local-cloud/env');
const USAGE =
  'usage: npm run invoke:azure -- events/azure/<file>.json [--webhook] | events/confluent/<file>.json --failure-webhook | --sweep';

/**
 * `npm run invoke:azure -- <event file> [--webhook]`: runs the registered Azure function on a sample payload against
 * the running `npm start`, as the host would: the Event Grid trigger once per event of the array (the default), or
 * the webhook with the file as the POST body. `--failure-webhook` posts a Confluent notification to the failure
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
    const response = await functions.secretEventsWebhook(request, invocationContext('secretEventsWebhook'));
    console.log(JSON.stringify(response, null, 2));
    return 0;
  }
  const payload: unknown = JSON.parse(text);
  // The host splits Event Grid's array and invokes the trigger once per event.
  for (const event of Array.isArray(payload) ? payload : [payload]) {
    const result = await functions.onSecretEvent(event, invocationContext('onSecretEvent'));
    console.log(JSON.stringify(result, null, 2));
  }
  return 0;
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
