import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import type { InvocationContext } from '@azure/functions';
import { rotationQueueOutput } from '#functions/azure/rotation-queue';
import { type AwsLambdaStack, LOCAL_TABLES, startAwsLambdaStack } from '#local/aws-lambda-stack';
import type { AzureFunctions } from '#local/azure-functions-stack';
import { type AzuriteTable, startAzuriteTable } from '#local/azurite-table';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import {
  type EventGridDeliveryOptions,
  type EventGridSubscriber,
  type KeyVaultEmulator,
  type SecretNewVersionCreatedEvent,
  startKeyVaultEmulator,
  trustInThisProcess,
} from '#local/key-vault-emulator/index';
import type { LambdaHandler, loadRecoveryHandlers } from '#local/lambda-invoker';
import {
  type SecretLabelUpdatedEvent,
  type SecretsManagerEmulator,
  startSecretsManagerEmulator,
} from '#local/secrets-manager-emulator/index';
import { CANARY_CONFLUENT_KEY, CANARY_CONFLUENT_SECRET, CANARY_WEBHOOK_TOKEN, rotatedCanary } from './canaries';
import {
  CREDENTIALS_VAULT,
  type GeneratedEstate,
  generateEstate,
  RELIABILITY_ENV,
  SECRETS_VAULT,
} from './generated-estate';

/**
 * The local cloud for the reliability scenarios, on 127.0.0.1: the Confluent emulator serving a generated estate,
 * Secrets Manager and Key Vault holding canary values, dynalite (both Lambda tables) with the EventBridge emulator,
 * and Azurite's Table service. Handlers are loaded from it as separate cold starts (`jest.isolateModules`), so
 * several instances share only the real state stores, as concurrent Lambda / Functions instances do.
 */
export const AZURE_STATE_TABLE = 'connectorreloaderstate';
export const CREDENTIALS_SECRET_NAME = 'connector-reloader/confluent-cloud';
/** What both credentials secrets hold: the key the emulator accepts unless a scenario starts it with another. */
export const CANARY_CREDENTIALS = { apiKey: CANARY_CONFLUENT_KEY, apiSecret: CANARY_CONFLUENT_SECRET } as const;

export interface ReliabilityStackOptions {
  /** Secrets per cloud (each read by one or two connectors). */
  readonly count: number;
  readonly provisioningMs?: number;
  /** Settings for every handler loaded, over the suite's defaults. */
  readonly env?: Readonly<Record<string, string>>;
  /** The Confluent API key the emulator accepts; the credentials secrets hold the canary key unless told. */
  readonly confluentKey?: { readonly apiKey: string; readonly apiSecret: string };
  /** Every native label event after Confluent has learnt of it, as the default bus would receive it. */
  readonly onAwsLabelUpdated?: (event: SecretLabelUpdatedEvent) => void;
  /** The Key Vault's Event Grid subscription: its endpoint (none unless given) and delivery contract. */
  readonly eventGrid?: { readonly subscriber?: EventGridSubscriber; readonly delivery?: EventGridDeliveryOptions };
}

export interface ReliabilityStack {
  readonly generated: GeneratedEstate;
  readonly confluent: ConfluentEmulator;
  readonly secretsManager: SecretsManagerEmulator;
  readonly keyVault: KeyVaultEmulator;
  readonly aws: AwsLambdaStack;
  readonly tables: AzuriteTable;
  readonly credentialsArn: string;
  /** The settings every handler is loaded with (CLI runs take them too). */
  readonly env: Readonly<Record<string, string>>;
  /** Every line an InvocationContext logged, in every Azure invocation of the stack. */
  readonly invocationLogs: string[];
  /** Rotates an AWS secret (a rotation Lambda's label move) and returns its `Secret Label Updated` event. */
  rotateAws(index: number, version?: number): Promise<SecretLabelUpdatedEvent>;
  /** Writes a new Key Vault version and returns the SecretNewVersionCreated event Event Grid delivers. */
  rotateAzure(index: number, version?: number): Promise<SecretNewVersionCreatedEvent>;
  /** A fresh cold start of `onSecretRotated` (its own reloader, clients, caches and lease owner). */
  loadAwsHandler(env?: Readonly<Record<string, string>>): LambdaHandler;
  /** A fresh cold start of the failed-connector Lambdas (webhook, queue function, sweep). */
  loadAwsRecoveryHandlers(env?: Readonly<Record<string, string>>): ReturnType<typeof loadRecoveryHandlers>;
  /** A fresh cold start of `retryPendingRotations`, the rotation retry queue's function. */
  loadAwsRetryHandler(env?: Readonly<Record<string, string>>): LambdaHandler;
  /** A fresh cold start of the Function App (every function it registers). */
  loadAzureFunctions(env?: Readonly<Record<string, string>>): AzureFunctions;
  /** An InvocationContext like the host's, its log lines kept in `invocationLogs`. */
  context(functionName: string, triggerMetadata?: Record<string, unknown>): InvocationContext;
  /** Event Grid → onSecretEvent of `functions`: the messages it queued for reloadRotatedSecret. */
  queueEvent(functions: AzureFunctions, event: unknown): Promise<unknown[]>;
  /** Every record in both DynamoDB tables and every entity of every Azurite table, as JSON text. */
  stateRecords(): Promise<string>;
  close(): Promise<void>;
}

export async function startReliabilityStack(options: ReliabilityStackOptions): Promise<ReliabilityStack> {
  const generated = generateEstate(options.count);
  const confluentKey = options.confluentKey ?? CANARY_CREDENTIALS;
  const confluent = await startConfluentEmulator({
    ...confluentKey,
    estate: generated.estate,
    provisioningMs: options.provisioningMs ?? 100,
    pauseMs: 50,
  });
  const secretsManager = await startSecretsManagerEmulator({
    onLabelUpdated: (event) => {
      // Confluent learns of the new version the way connectors do: their next start fetches it.
      const [arn] = event.resources;
      if (event.detail.labelUpdated === 'AWSCURRENT' && arn)
        confluent.control.rotateSecret(arn, event.detail.versionId);
      options.onAwsLabelUpdated?.(event);
    },
  });
  for (const secret of generated.aws) {
    secretsManager.control.seed(secret.name, rotatedCanary(secret.index, 0), {}, { arnSuffix: secret.id.slice(-6) });
  }
  const credentialsArn = secretsManager.control.seed(CREDENTIALS_SECRET_NAME, JSON.stringify(CANARY_CREDENTIALS));
  const webhookTokenArn = secretsManager.control.seed('connector-reloader/webhook-token', CANARY_WEBHOOK_TOKEN);
  const aws = await startAwsLambdaStack();
  const tables = await startAzuriteTable();
  await TableClient.fromConnectionString(tables.connectionString, AZURE_STATE_TABLE, {
    allowInsecureConnection: true,
  }).createTable();
  const keyVault = await startKeyVaultEmulator({
    ...(options.eventGrid?.delivery ? { eventGrid: options.eventGrid.delivery } : {}),
    onSecretNewVersion: (delivery) => {
      for (const event of delivery) {
        const uri = `https://${event.data.VaultName}.vault.azure.net/secrets/${event.data.ObjectName}`;
        confluent.control.rotateSecret(uri, event.data.Version);
      }
      return options.eventGrid?.subscriber?.(delivery);
    },
  });
  trustInThisProcess(keyVault.certificate);
  const created = Math.floor(Date.now() / 1000) - 86_400;
  for (const secret of generated.azure) {
    keyVault.control.seed(SECRETS_VAULT, secret.name, { value: rotatedCanary(secret.index, 0), created });
  }
  keyVault.control.seed(CREDENTIALS_VAULT, 'confluent-cloud-api-key', {
    value: JSON.stringify(CANARY_CREDENTIALS),
    contentType: 'application/json',
  });
  keyVault.control.seed(CREDENTIALS_VAULT, 'failure-webhook-token', { value: CANARY_WEBHOOK_TOKEN });

  const baseEnv: Record<string, string> = {
    CONFLUENT_API_URL: confluent.url,
    CONFLUENT_CREDENTIALS_SECRET: credentialsArn,
    CONFLUENT_SCOPES: RELIABILITY_ENV,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
    ...aws.env,
    ...keyVault.env,
    AZURE_STATE_TABLE,
    AZURE_STATE_TABLE_CONNECTION_STRING: tables.connectionString,
    LOCAL_AZURE_CREDENTIALS_SECRET: `https://${CREDENTIALS_VAULT}.vault.azure.net/secrets/confluent-cloud-api-key`,
    WEBHOOK_TOKEN_SECRET: webhookTokenArn,
    LOCAL_AZURE_WEBHOOK_TOKEN_SECRET: `https://${CREDENTIALS_VAULT}.vault.azure.net/secrets/failure-webhook-token`,
    VERIFY_POLL_SECONDS: '0.2',
    VERIFY_SETTLE_SECONDS: '1',
    VERIFY_TIMEOUT_SECONDS: '30',
    PAUSE_TIMEOUT_SECONDS: '10',
    CONFLUENT_RATE_LIMIT_PER_SECOND: '500',
    CONFLUENT_MAX_CONCURRENCY: '16',
    LOG_LEVEL: 'info',
    ...options.env,
  };
  const savedEnv = { ...process.env };
  const invocationLogs: string[] = [];
  let sequence = 0;

  /** Loads a module graph afresh with `env` as the process environment, as a cold start reads it. */
  function coldStart<T>(env: Readonly<Record<string, string>> | undefined, load: () => T): T {
    Object.assign(process.env, baseEnv, env);
    let loaded: T | undefined;
    jest.isolateModules(() => {
      loaded = load();
    });
    return loaded as T;
  }

  return {
    generated,
    confluent,
    secretsManager,
    keyVault,
    aws,
    tables,
    credentialsArn,
    env: baseEnv,
    invocationLogs,
    async rotateAws(index, version = 1) {
      const secret = generated.aws[index];
      if (!secret) throw new Error(`no AWS secret ${index}`);
      const versionId = secretsManager.control.rotate(secret.name, rotatedCanary(index, version));
      await secretsManager.control.settled();
      const event = secretsManager.control
        .events()
        .find((e) => e.detail.versionId === versionId && e.detail.labelUpdated === 'AWSCURRENT');
      if (!event) throw new Error(`no label event for ${secret.name}`);
      return event;
    },
    async rotateAzure(index, version = 1) {
      const secret = generated.azure[index];
      if (!secret) throw new Error(`no Key Vault secret ${index}`);
      const id = keyVault.control.setSecret(SECRETS_VAULT, secret.name, { value: rotatedCanary(index, version) });
      await keyVault.control.settled();
      const event = keyVault.control.events().find((e) => e.data.Version === id);
      if (!event) throw new Error(`no Event Grid event for ${secret.name}`);
      return event;
    },
    loadAwsHandler(env) {
      return coldStart(env, () =>
        (require('#local/lambda-invoker') as typeof import('#local/lambda-invoker')).loadRotationHandler(),
      );
    },
    loadAwsRecoveryHandlers(env) {
      return coldStart(env, () =>
        (require('#local/lambda-invoker') as typeof import('#local/lambda-invoker')).loadRecoveryHandlers(),
      );
    },
    loadAwsRetryHandler(env) {
      return coldStart(env, () =>
        (require('#local/lambda-invoker') as typeof import('#local/lambda-invoker')).loadRotationRetryHandler(),
      );
    },
    loadAzureFunctions(env) {
      return coldStart(env, () =>
        (require('#local/azure-functions-stack') as typeof import('#local/azure-functions-stack')).loadAzureFunctions(),
      );
    },
    context(functionName, triggerMetadata = {}) {
      const { InvocationContext } = require('@azure/functions') as typeof import('@azure/functions');
      sequence += 1;
      return new InvocationContext({
        invocationId: `${functionName}-${sequence}`,
        functionName,
        triggerMetadata,
        logHandler: (level, ...args) => invocationLogs.push(`${level} ${args.map(String).join(' ')}`),
      });
    },
    async queueEvent(functions, event) {
      const { InvocationContext } = require('@azure/functions') as typeof import('@azure/functions');
      sequence += 1;
      const trigger = new InvocationContext({
        invocationId: `onSecretEvent-${sequence}`,
        functionName: 'onSecretEvent',
        logHandler: (level, ...args) => invocationLogs.push(`${level} ${args.map(String).join(' ')}`),
      });
      await functions.onSecretEvent(structuredClone(event), trigger);
      return (trigger.extraOutputs.get(rotationQueueOutput) as unknown[] | undefined) ?? [];
    },
    async stateRecords() {
      const dynamo = new DynamoDBClient({
        region: 'us-east-1',
        endpoint: aws.dynamo.endpoint,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      try {
        const scans = await Promise.all(
          [LOCAL_TABLES.state, LOCAL_TABLES.idempotency].map((table) =>
            dynamo.send(new ScanCommand({ TableName: table })),
          ),
        );
        const entities: unknown[] = [];
        const service = TableServiceClient.fromConnectionString(tables.connectionString, {
          allowInsecureConnection: true,
        });
        for await (const table of service.listTables()) {
          const client = TableClient.fromConnectionString(tables.connectionString, table.name ?? '', {
            allowInsecureConnection: true,
          });
          for await (const entity of client.listEntities()) entities.push(entity);
        }
        return JSON.stringify({ dynamo: scans.map((scan) => scan.Items ?? []), azure: entities });
      } finally {
        dynamo.destroy();
      }
    },
    async close() {
      process.env = savedEnv;
      await Promise.all([confluent.close(), secretsManager.close(), keyVault.close(), aws.close(), tables.close()]);
    },
  };
}
