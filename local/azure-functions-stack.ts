import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { InvocationContext } from '@azure/functions';
import { type QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { HandledSummary } from '#app/handled-summary';
import {
  ROTATION_POISON_QUEUE,
  ROTATION_QUEUE,
  rotationPoisonOutput,
  rotationQueueOutput,
} from '#functions/azure/rotation-queue';
import { type AzuriteQueue, startAzuriteQueue } from './azurite-queue';
import { type AzuriteTable, startAzuriteTable } from './azurite-table';
import type { ConfluentEmulator } from './confluent-emulator';
import { installFunctionsHost, registeredFunction } from './functions-host';
import {
  type EventGridDeliveryOptions,
  type EventGridSubscriber,
  type KeyVaultEmulator,
  startKeyVaultEmulator,
  trustInThisProcess,
} from './key-vault-emulator';
import { SEED_SECRETS } from './seed-estate';
import type { QueueHandler } from './storage-queue-host';
import { LocalQueueTrigger, type LocalQueueTriggerOptions } from './storage-queue-host';
import { StorageQueuePoller, type StorageQueuePollerOptions } from './storage-queue-poller';

/** The seeded estate's Key Vault secret, with the version its connector configs pin. */
export const SEEDED_KEY_VAULT_SECRET = { vault: 'contoso-analytics', name: 'analytics-db-password' } as const;
const SEEDED_VERSION = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
/** The Function App's own Confluent API key lives in a vault of its own, as in infra/azure/main.bicep. */
export const LOCAL_AZURE_CREDENTIALS = { vault: 'contoso-reloader', name: 'confluent-cloud-api-key' } as const;
export const LOCAL_STATE_TABLE = 'connectorreloaderstate';
/** The failure webhook's URL token, a fresh random value per start, in the app's vault (WEBHOOK_TOKEN_SECRET). */
export const LOCAL_AZURE_WEBHOOK_TOKEN = { vault: 'contoso-reloader', name: 'failure-webhook-token' } as const;

export interface AzureFunctionsStackOptions {
  readonly keyVaultPort?: number;
  readonly gatewayPort?: number;
  readonly tablePort?: number;
  readonly queuePort?: number;
  /** Marks connectors stale when the secret they read gets a new version, as on Confluent Cloud. */
  readonly confluent: ConfluentEmulator;
  readonly confluentKey: { readonly apiKey: string; readonly apiSecret: string };
  /** Value of the seeded analytics secret (tests use canaries). */
  readonly analyticsSecretValue?: string;
  /** The Event Grid subscription: every SecretNewVersionCreated delivery (an array with one event). */
  readonly onSecretNewVersion?: EventGridSubscriber;
  /** Event Grid's delivery contract (30 s deadline, its retry schedule), scaled for tests. */
  readonly eventGrid?: EventGridDeliveryOptions;
  /** The failure webhook token to seed (tests use canaries); a random one otherwise. */
  readonly webhookToken?: string;
  /** Where to write the vault's certificate for NODE_EXTRA_CA_CERTS in other processes (npm start). */
  readonly certificateFile?: string;
}

export interface AzureFunctionsStack {
  readonly keyVault: KeyVaultEmulator;
  readonly tables: AzuriteTable;
  /** Azurite's Queue service: the rotation queue coalescing rotations wait on (AZURE_QUEUE_CONNECTION_STRING). */
  readonly queues: AzuriteQueue;
  /** `secret-rotations` and its poison queue there, as Bicep creates them. */
  readonly rotationQueue: QueueClient;
  readonly rotationPoisonQueue: QueueClient;
  /** For the env file and the CLI: the standard Azure SDK variables, the state table and the local-only extras. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * The Azure side of the local cloud: Azurite (Table state, and the queues a coalescing rotation waits on), the local
 * Key Vault with its Event Grid topic, and the seeded secrets. The vault's certificate is trusted in this process;
 * other processes get NODE_EXTRA_CA_CERTS.
 */
export async function startAzureFunctionsStack(options: AzureFunctionsStackOptions): Promise<AzureFunctionsStack> {
  const tables = await startAzuriteTable({ port: options.tablePort ?? 0 });
  const queues = await startAzuriteQueue({ port: options.queuePort ?? 0 });
  // Bicep creates the queues in Azure; Azurite starts empty.
  const queueService = QueueServiceClient.fromConnectionString(queues.connectionString);
  const rotationQueue = queueService.getQueueClient(ROTATION_QUEUE);
  const rotationPoisonQueue = queueService.getQueueClient(ROTATION_POISON_QUEUE);
  await Promise.all([rotationQueue.create(), rotationPoisonQueue.create()]);
  // Bicep creates the table in Azure; Azurite starts empty.
  await TableClient.fromConnectionString(tables.connectionString, LOCAL_STATE_TABLE, {
    allowInsecureConnection: true,
  }).createTable();
  const keyVault = await startKeyVaultEmulator({
    port: options.keyVaultPort ?? 0,
    gatewayPort: options.gatewayPort ?? 0,
    ...(options.eventGrid ? { eventGrid: options.eventGrid } : {}),
    onSecretNewVersion: async (delivery) => {
      for (const event of delivery) {
        options.confluent.control.rotateSecret(
          `https://${event.data.VaultName}.vault.azure.net/secrets/${event.data.ObjectName}`,
          event.data.Version,
        );
      }
      return options.onSecretNewVersion?.(delivery);
    },
  });
  trustInThisProcess(keyVault.certificate);
  if (options.certificateFile) {
    mkdirSync(path.dirname(options.certificateFile), { recursive: true });
    writeFileSync(options.certificateFile, keyVault.certificate);
  }
  keyVault.control.seed(SEEDED_KEY_VAULT_SECRET.vault, SEEDED_KEY_VAULT_SECRET.name, {
    value: options.analyticsSecretValue ?? '{"password":"local-analytics-password-v1"}',
    version: SEEDED_VERSION,
    created: Math.floor(Date.now() / 1000) - 86_400,
  });
  keyVault.control.seed(LOCAL_AZURE_CREDENTIALS.vault, LOCAL_AZURE_CREDENTIALS.name, {
    value: JSON.stringify(options.confluentKey),
    contentType: 'application/json',
  });
  keyVault.control.seed(LOCAL_AZURE_WEBHOOK_TOKEN.vault, LOCAL_AZURE_WEBHOOK_TOKEN.name, {
    value: options.webhookToken ?? randomUUID(),
  });
  return {
    keyVault,
    tables,
    queues,
    rotationQueue,
    rotationPoisonQueue,
    env: {
      ...keyVault.env,
      ...(options.certificateFile ? { NODE_EXTRA_CA_CERTS: options.certificateFile } : {}),
      AZURE_STATE_TABLE: LOCAL_STATE_TABLE,
      AZURE_STATE_TABLE_CONNECTION_STRING: tables.connectionString,
      AZURE_QUEUE_CONNECTION_STRING: queues.connectionString,
      // Local only: the Function App's CONFLUENT_CREDENTIALS_SECRET (the shared one names the AWS secret).
      LOCAL_AZURE_CREDENTIALS_SECRET: `https://${LOCAL_AZURE_CREDENTIALS.vault}.vault.azure.net/secrets/${LOCAL_AZURE_CREDENTIALS.name}`,
      LOCAL_AZURE_WEBHOOK_TOKEN_SECRET: `https://${LOCAL_AZURE_WEBHOOK_TOKEN.vault}.vault.azure.net/secrets/${LOCAL_AZURE_WEBHOOK_TOKEN.name}`,
    },
    close: async () => {
      await Promise.all([keyVault.close(), tables.close(), queues.close()]);
    },
  };
}

/** The seeded Key Vault secret as its canonical URI (what connector configs reference). */
export const SEEDED_KEY_VAULT_SECRET_URI = SEED_SECRETS.analyticsDb;

export type EventGridHandler = (event: unknown, context: InvocationContext) => Promise<HandledSummary[]>;
export type HttpHandler = (request: unknown, context: InvocationContext) => Promise<unknown>;

/**
 * Loads the Function App (`functions/azure/index.ts`) as the host does at a cold start, in this process: the
 * runtime reads process.env while loading, with CONFLUENT_CREDENTIALS_SECRET naming the Key Vault secret.
 * Returns the handlers exactly as `app.*` registered them. Product code never imports local/; this is the other way.
 */
export type { QueueHandler } from './storage-queue-host';
export type TimerHandler = (timer: unknown, context: InvocationContext) => Promise<unknown>;

export interface AzureFunctions {
  readonly onSecretEvent: EventGridHandler;
  readonly secretEventsWebhook: HttpHandler;
  readonly reloadRotatedSecret: QueueHandler;
  readonly connectorFailureWebhook: HttpHandler;
  readonly recoverReportedFailures: QueueHandler;
  readonly sweepFailedConnectors: TimerHandler;
}

/** Function App settings that name Key Vault secrets, where the shared local env names AWS ones. */
const AZURE_SECRET_SETTINGS = {
  CONFLUENT_CREDENTIALS_SECRET: 'LOCAL_AZURE_CREDENTIALS_SECRET',
  WEBHOOK_TOKEN_SECRET: 'LOCAL_AZURE_WEBHOOK_TOKEN_SECRET',
  ALERT_WEBHOOK_SECRET: 'LOCAL_AZURE_ALERT_WEBHOOK_SECRET',
} as const;

export function loadAzureFunctions(): AzureFunctions {
  installFunctionsHost();
  const shared = Object.fromEntries(Object.keys(AZURE_SECRET_SETTINGS).map((name) => [name, process.env[name]]));
  for (const [name, local] of Object.entries(AZURE_SECRET_SETTINGS)) {
    if (process.env[local] !== undefined) process.env[name] = process.env[local];
    else delete process.env[name];
  }
  try {
    require('#functions/azure/index');
  } finally {
    for (const [name, value] of Object.entries(shared)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  const handler = (name: string) => registeredFunction(name).handler as unknown;
  return {
    onSecretEvent: handler('onSecretEvent') as EventGridHandler,
    secretEventsWebhook: handler('secretEventsWebhook') as HttpHandler,
    reloadRotatedSecret: handler('reloadRotatedSecret') as QueueHandler,
    connectorFailureWebhook: handler('connectorFailureWebhook') as HttpHandler,
    recoverReportedFailures: handler('recoverReportedFailures') as QueueHandler,
    sweepFailedConnectors: handler('sweepFailedConnectors') as TimerHandler,
  };
}

/** The host's rotation queue in this process: what the Event Grid function queues goes to `reloadRotatedSecret`. */
export function rotationQueueTrigger(
  functions: AzureFunctions,
  options: Omit<LocalQueueTriggerOptions, 'handler' | 'functionName' | 'poisonOutput'> = {},
): LocalQueueTrigger {
  return new LocalQueueTrigger({
    ...options,
    handler: functions.reloadRotatedSecret,
    functionName: 'reloadRotatedSecret',
    poisonOutput: rotationPoisonOutput,
  });
}

/**
 * The host's rotation queue trigger on Azurite's `secret-rotations`: every visible message to `reloadRotatedSecret`,
 * so a rotation sent back with a visibility delay (coalescing) returns when it is due.
 */
export function rotationQueuePoller(
  functions: AzureFunctions,
  stack: Pick<AzureFunctionsStack, 'rotationQueue' | 'rotationPoisonQueue'>,
  options: Pick<StorageQueuePollerOptions, 'logHandler' | 'onRun'> = {},
): StorageQueuePoller {
  return new StorageQueuePoller({
    ...options,
    queue: stack.rotationQueue,
    poisonQueue: stack.rotationPoisonQueue,
    handler: functions.reloadRotatedSecret,
    functionName: 'reloadRotatedSecret',
    poisonOutput: rotationPoisonOutput,
  });
}

/**
 * One Event Grid delivery as the host runs it: the trigger answers (timed: Event Grid waits 30 s at most), then the
 * messages it queued go to the rotation queue; what it dead-lettered is returned beside its answer.
 */
export async function deliverToEventGridTrigger(
  functions: AzureFunctions,
  event: unknown,
  queue: LocalQueueTrigger,
  context: InvocationContext = invocationContext('onSecretEvent', () => {}),
): Promise<{ readonly answer: HandledSummary[]; readonly answeredInMs: number; readonly deadLetter?: unknown }> {
  const started = performance.now();
  const answer = await functions.onSecretEvent(event, context);
  const answeredInMs = performance.now() - started;
  queue.enqueue(context.extraOutputs.get(rotationQueueOutput));
  const deadLetter = context.extraOutputs.get(rotationPoisonOutput);
  return { answer, answeredInMs, ...(deadLetter === undefined ? {} : { deadLetter }) };
}

/** An InvocationContext like the host's, its log lines handed to `log` (the console unless told otherwise). */
export function invocationContext(
  functionName: string,
  log: (level: string, ...args: unknown[]) => void = (level, ...args) =>
    console.log(`[${functionName}] ${level}:`, ...args),
): InvocationContext {
  return new InvocationContext({ invocationId: randomUUID(), functionName, logHandler: log });
}
