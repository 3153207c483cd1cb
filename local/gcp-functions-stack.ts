import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type CloudTasksEmulator, startCloudTasksEmulator } from './cloud-tasks-emulator';
import type { ConfluentEmulator } from './confluent-emulator';
import { GCP_SEED_SECRET, LOCAL_GCP_PROJECT } from './gcp-estate';
import {
  type GcpSecretManagerEmulator,
  type IamBinding,
  LocalPubSub,
  type PubSubMessage,
  startGcpSecretManagerEmulator,
} from './gcp-secret-manager-emulator';
import {
  functionsServiceAccount,
  type GcpTerraformVariables,
  readGcpTerraformModule,
  secretGrantsOf,
} from './gcp-terraform-grants';
import { type GcsEmulator, startGcsEmulator } from './gcs-emulator';
import { closeServer, listenOnLoopback } from './loopback';

export const LOCAL_GCP_TOPIC = `projects/${LOCAL_GCP_PROJECT.id}/topics/secret-events`;
export const LOCAL_GCP_BUCKET = `${LOCAL_GCP_PROJECT.id}-connector-reloader-state`;
export const LOCAL_GCP_QUEUE = `projects/${LOCAL_GCP_PROJECT.id}/locations/us-central1/queues/connector-reloader`;
const EVENTARC_SUBSCRIPTION = `projects/${LOCAL_GCP_PROJECT.id}/subscriptions/eventarc-us-central1-on-secret-version-event-sub-1`;
/** The functions' own secrets, as infra/gcp/ names them. */
export const LOCAL_GCP_CREDENTIALS = `projects/${LOCAL_GCP_PROJECT.id}/secrets/connector-reloader-confluent-cloud`;
export const LOCAL_GCP_WEBHOOK_TOKEN = `projects/${LOCAL_GCP_PROJECT.id}/secrets/connector-reloader-webhook-token`;
/**
 * Who calls Secret Manager without a token locally: the developer (tests, the demo, a person rotating a secret), an
 * admin of the project as its owner would be. The functions call with their service account's token.
 */
export const LOCAL_GCP_DEVELOPER = 'user:developer@acme.example';

/** The functions infra/gcp deploys, each served by the real Functions Framework on a loopback port of its own. */
export const GCP_FUNCTION_NAMES = [
  'onSecretVersionEvent',
  'reloadRotatedSecret',
  'connectorFailureWebhook',
  'recoverReportedFailures',
  'sweepFailedConnectors',
] as const;
export type GcpFunctionName = (typeof GCP_FUNCTION_NAMES)[number];

export interface GcpFunctionsStackOptions {
  readonly confluent: ConfluentEmulator;
  readonly confluentKey: { readonly apiKey: string; readonly apiSecret: string };
  /** Fixed ports for npm start, in the order: Secret Manager, Cloud Storage, Cloud Tasks, then one per function. */
  readonly basePort?: number;
  /** Value of the seeded inventory secret (tests use canaries). */
  readonly inventorySecretValue?: string;
  readonly webhookToken?: string;
  /** Seen before the Eventarc delivery of each notification (the demo's log). */
  readonly onNotification?: (message: PubSubMessage) => void;
  /** Eventarc's trigger delivers nothing by itself: a test hands each notification over with `deliverToEventarc`. */
  readonly holdEventarc?: boolean;
  /** The module's `secrets` variable, the watched secrets (default: the seeded inventory secret). */
  readonly secrets?: readonly string[];
  /** The module's `environment` variable, as far as its grants read it (`ALERT_WEBHOOK_SECRET`, `TARGET_MAPPING`). */
  readonly environment?: Readonly<Record<string, string>>;
  /** The module's text (default: infra/gcp/main.tf): the Secret Manager roles the functions get come from it. */
  readonly terraform?: string;
}

export interface GcpFunctionsStack {
  readonly secretManager: GcpSecretManagerEmulator;
  /** The functions' service account (`serviceAccount:<email>`), the caller of every Secret Manager call they make. */
  readonly functionsMember: string;
  /** The secret-level role bindings the module makes, as the local Secret Manager enforces them. */
  readonly grants: readonly IamBinding[];
  readonly pubsub: LocalPubSub;
  readonly storage: GcsEmulator;
  readonly tasks: CloudTasksEmulator;
  /** Each function's local URL. */
  readonly urls: Readonly<Record<GcpFunctionName, string>>;
  /** What the functions read at load (GCP_* settings, STORAGE_EMULATOR_HOST, the Secret Manager names). */
  readonly env: Readonly<Record<string, string>>;
  /** Everything delivered, with the function's HTTP status (Eventarc acks 2xx, redelivers the rest). */
  deliveries(): { messageId: string; status: number }[];
  /** One delivery of a notification through the Eventarc trigger, as it does for each message on the topic. */
  deliverToEventarc(message: PubSubMessage): Promise<number>;
  close(): Promise<void>;
}

/**
 * The Google Cloud side of the local cloud: Secret Manager publishing to its topic on a local Pub/Sub, an Eventarc
 * trigger on that topic delivering binary-mode CloudEvents to onSecretVersionEvent, Cloud Storage for state and
 * dead letters, Cloud Tasks for the hand-offs, and a loopback port per function. A notification of a new version
 * also marks the connectors that read the secret stale in the Confluent emulator, as Confluent Cloud would see it.
 * Secret Manager enforces the roles infra/gcp/main.tf grants the functions' service account (read from the module
 * for these variables), so the functions run with a deploy's permissions; the developer is a project admin.
 * The functions themselves are attached by `serveGcpFunctions` once the environment is in place.
 */
export async function startGcpFunctionsStack(options: GcpFunctionsStackOptions): Promise<GcpFunctionsStack> {
  const port = (offset: number) => (options.basePort === undefined ? 0 : options.basePort + offset);
  const pubsub = new LocalPubSub({ now: Date.now, retryDelayMs: 100 });
  const variables: GcpTerraformVariables = {
    project_id: LOCAL_GCP_PROJECT.id,
    name: 'connector-reloader',
    secrets: options.secrets ?? [GCP_SEED_SECRET],
    credentials_secret: LOCAL_GCP_CREDENTIALS.split('/').at(-1) ?? '',
    webhook_token_secret: LOCAL_GCP_WEBHOOK_TOKEN.split('/').at(-1) ?? '',
    environment: options.environment ?? {},
  };
  const terraform = options.terraform ?? readGcpTerraformModule();
  const functionsMember = `serviceAccount:${functionsServiceAccount(terraform, variables)}`;
  const grants = secretGrantsOf(terraform, variables);
  // An access token as the metadata server would hand the functions' account one.
  const functionsToken = `local-${randomUUID()}`;
  const secretManager = await startGcpSecretManagerEmulator({
    port: port(0),
    projects: [LOCAL_GCP_PROJECT],
    pubsub,
    iam: {
      tokens: { [functionsToken]: functionsMember },
      callerWithoutToken: LOCAL_GCP_DEVELOPER,
      bindings: [
        {
          resource: `projects/${LOCAL_GCP_PROJECT.id}`,
          role: 'roles/secretmanager.admin',
          member: LOCAL_GCP_DEVELOPER,
        },
        ...grants,
      ],
    },
  });
  const functionsEndpoint = new URL(secretManager.url);
  functionsEndpoint.username = functionsToken;
  const storage = await startGcsEmulator({ port: port(1), buckets: [LOCAL_GCP_BUCKET] });
  const tasks = await startCloudTasksEmulator({ port: port(2), queues: [LOCAL_GCP_QUEUE], retryDelayMs: 100 });
  const servers = new Map<GcpFunctionName, Server>();
  const urls = {} as Record<GcpFunctionName, string>;
  for (const [index, name] of GCP_FUNCTION_NAMES.entries()) {
    const server = createServer((req, res) => {
      const app = attachedApps.get(name);
      if (app) app.emit('request', req, res);
      else res.writeHead(503).end('function not loaded yet');
    });
    urls[name] = `http://127.0.0.1:${await listenOnLoopback(server, port(3 + index))}`;
    servers.set(name, server);
  }
  const delivered: { messageId: string; status: number }[] = [];

  pubsub.subscribe(LOCAL_GCP_TOPIC, async (message) => {
    const { eventType, versionId } = message.attributes;
    if ((eventType === 'SECRET_VERSION_ADD' || eventType === 'SECRET_VERSION_ENABLE') && versionId) {
      const name = message.attributes.secretId?.split('/').at(-1);
      options.confluent.control.rotateSecret(
        `projects/${LOCAL_GCP_PROJECT.id}/secrets/${name}`,
        versionId.split('/').at(-1) ?? '',
      );
    }
    options.onNotification?.(message);
  });
  // Eventarc's Pub/Sub trigger: a binary-mode CloudEvent whose body is the push body {message, subscription}.
  const deliverToEventarc = async (message: PubSubMessage): Promise<number> => {
    const response = await fetch(urls.onSecretVersionEvent, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'ce-specversion': '1.0',
        'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
        'ce-source': `//pubsub.googleapis.com/${LOCAL_GCP_TOPIC}`,
        'ce-id': message.messageId,
        'ce-time': message.publishTime,
      },
      body: JSON.stringify({ message, subscription: EVENTARC_SUBSCRIPTION }),
    });
    const text = await response.text();
    delivered.push({ messageId: message.messageId, status: response.status });
    if (!response.ok) throw new Error(`onSecretVersionEvent answered ${response.status}: ${text.slice(0, 200)}`);
    return response.status;
  };
  if (!options.holdEventarc) {
    pubsub.subscribe(LOCAL_GCP_TOPIC, async (message) => {
      await deliverToEventarc(message);
    });
  }

  secretManager.control.seed(
    LOCAL_GCP_PROJECT.id,
    GCP_SEED_SECRET,
    options.inventorySecretValue ?? '{"password":"local-inventory-v1"}',
    {
      topics: [LOCAL_GCP_TOPIC],
    },
  );
  secretManager.control.seed(
    LOCAL_GCP_PROJECT.id,
    LOCAL_GCP_CREDENTIALS.split('/').at(-1) ?? '',
    JSON.stringify(options.confluentKey),
  );
  secretManager.control.seed(
    LOCAL_GCP_PROJECT.id,
    LOCAL_GCP_WEBHOOK_TOKEN.split('/').at(-1) ?? '',
    options.webhookToken ?? randomUUID(),
  );
  return {
    secretManager,
    functionsMember,
    grants,
    pubsub,
    storage,
    tasks,
    urls,
    env: {
      GCP_STATE_BUCKET: LOCAL_GCP_BUCKET,
      GCP_TASK_QUEUE: LOCAL_GCP_QUEUE,
      GCP_RELOAD_URL: urls.reloadRotatedSecret,
      GCP_RECOVER_URL: urls.recoverReportedFailures,
      // The functions' token in the URL's user part: they call as their service account.
      GCP_SECRET_MANAGER_ENDPOINT: functionsEndpoint.href.replace(/\/$/, ''),
      GCP_CLOUD_TASKS_ENDPOINT: tasks.url,
      STORAGE_EMULATOR_HOST: storage.url,
      GCP_ON_SECRET_VERSION_EVENT_URL: urls.onSecretVersionEvent,
      // Local only: the functions' CONFLUENT_CREDENTIALS_SECRET and WEBHOOK_TOKEN_SECRET (the shared env names AWS's).
      LOCAL_GCP_CREDENTIALS_SECRET: LOCAL_GCP_CREDENTIALS,
      LOCAL_GCP_WEBHOOK_TOKEN_SECRET: LOCAL_GCP_WEBHOOK_TOKEN,
    },
    deliveries: () => [...delivered],
    deliverToEventarc,
    async close() {
      await Promise.all([...servers.values()].map((server) => closeServer(server)));
      await Promise.all([secretManager.close(), storage.close(), tasks.close()]);
      attachedApps.clear();
    },
  };
}

/** The Functions Framework's per-function servers (never listening themselves), by function name. */
const attachedApps = new Map<GcpFunctionName, Server>();

/** Function settings that name Secret Manager secrets, where the shared local env names AWS ones. */
const GCP_SECRET_SETTINGS = {
  CONFLUENT_CREDENTIALS_SECRET: 'LOCAL_GCP_CREDENTIALS_SECRET',
  WEBHOOK_TOKEN_SECRET: 'LOCAL_GCP_WEBHOOK_TOKEN_SECRET',
  ALERT_WEBHOOK_SECRET: 'LOCAL_GCP_ALERT_WEBHOOK_SECRET',
} as const;

/**
 * Loads the functions (`functions/gcp/index.ts`) as a Cloud Run instance does at a cold start, in this process,
 * with the Secret Manager names in place of the shared AWS ones, and serves each on its loopback port through the
 * Functions Framework's own server (`getTestServer`: the framework's middleware, CloudEvent decoding included).
 */
export function serveGcpFunctions(): void {
  const shared = Object.fromEntries(Object.keys(GCP_SECRET_SETTINGS).map((name) => [name, process.env[name]]));
  for (const [name, local] of Object.entries(GCP_SECRET_SETTINGS)) {
    if (process.env[local] !== undefined) process.env[name] = process.env[local];
    else delete process.env[name];
  }
  try {
    require('#functions/gcp/index');
  } finally {
    for (const [name, value] of Object.entries(shared)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  const { getTestServer } = require('@google-cloud/functions-framework/testing') as {
    getTestServer: (name: string) => Server;
  };
  for (const name of GCP_FUNCTION_NAMES) attachedApps.set(name, getTestServer(name));
}
