import type { InvocationContext } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import type { HandledSummary } from '#app/handled-summary';
import { rotationQueueOutput } from '#functions/azure/rotation-queue';
import {
  type AzureFunctions,
  type AzureFunctionsStack,
  invocationContext,
  loadAzureFunctions,
  rotationQueuePoller,
  startAzureFunctionsStack,
} from '#local/azure-functions-stack';
import type { SecretNewVersionCreatedEvent } from '#local/key-vault-emulator/index';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { seedEstate } from '#local/seed-estate';
import type { StorageQueuePoller } from '#local/storage-queue-poller';
import { writeQueueOutput } from '#local/storage-queue-poller';
import { fakeDateOnly } from '#test-helpers/simulated-date';

// The Functions host's worker API, which @azure/functions registers with; the library itself is the real one.
jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
  virtual: true,
});

/**
 * Coalescing end to end on Azure, on a simulated clock (Date faked, timers real, so Azurite's visibility delays, Key
 * Vault's timestamps and the handlers all read it): two Key Vault secrets of one connector, a warehouse user and its
 * password, get new versions 5 s apart with a 30 s window → onSecretEvent queues each on `secret-rotations` (Azurite's
 * Storage Queue, base64 as the host writes it) → reloadRotatedSecret, run by a poller playing the host's queue
 * trigger, finds the connector's group waiting and sends the rotation back with a visibility delay until it is due →
 * one restart after the second rotation, every report naming it, the connector holding both new versions.
 */
const VAULT = 'contoso-analytics';
const USER = 'warehouse-db-user';
const PASSWORD = 'warehouse-db-password';
const uri = (name: string) => `https://${VAULT}.vault.azure.net/secrets/${name}`;
const WAREHOUSE = 'env-prod01/lkc-azan01/analytics-warehouse-sink';
const WINDOW_SECONDS = 30;

let cloud: LocalCloud;
let azure: AzureFunctionsStack;
let functions: AzureFunctions;
let host: StorageQueuePoller;
let sdk: SecretClient;
let start = 0;
const delivered: SecretNewVersionCreatedEvent[] = [];

/** The seeded estate plus one sink reading a user and a password from two Key Vault secrets. */
function estate() {
  const seeded = seedEstate();
  const template = seeded.connectors.find((c) => c.clusterId === 'lkc-azan01' && c.secretRefs.length > 0);
  if (!template) throw new Error('the seeded estate has no Azure connector');
  const config: Record<string, string> = { ...template.config, name: 'analytics-warehouse-sink' };
  for (const [key, value] of Object.entries(config)) if (value.includes('vault.azure.net')) delete config[key];
  return {
    ...seeded,
    connectors: [
      ...seeded.connectors,
      {
        ...template,
        name: 'analytics-warehouse-sink',
        id: 'lcc-warehouse01',
        config: { ...config, 'connection.user': uri(USER), 'connection.password': uri(PASSWORD) },
        secretRefs: [uri(USER), uri(PASSWORD)],
      },
    ],
  };
}

/** One Event Grid delivery to onSecretEvent, and what it queued written to Azurite's queue as the host's binding. */
async function deliver(event: SecretNewVersionCreatedEvent): Promise<HandledSummary[]> {
  const context: InvocationContext = invocationContext('onSecretEvent', () => {});
  const answer = await functions.onSecretEvent(structuredClone(event), context);
  await writeQueueOutput(azure.rotationQueue, context.extraOutputs.get(rotationQueueOutput));
  return answer;
}

beforeAll(async () => {
  // The vault's TLS certificate is checked against the real time: the simulated clock starts now and only runs ahead.
  start = Date.now();
  fakeDateOnly(start);
  const confluentKey = { apiKey: 'local-api-key', apiSecret: 'local-api-secret' };
  cloud = await startLocalCloud({ provisioningMs: 200, confluentKey, estate: estate() });
  azure = await startAzureFunctionsStack({
    confluent: cloud.confluent,
    confluentKey,
    onSecretNewVersion: async (events) => {
      for (const event of events) {
        delivered.push(event);
        await deliver(event);
      }
    },
  });
  for (const name of [USER, PASSWORD]) azure.keyVault.control.seed(VAULT, name, { value: `${name}-v1` });
  Object.assign(process.env, cloud.env, azure.env, {
    RESTART_COALESCE_SECONDS: String(WINDOW_SECONDS),
    RESTART_COALESCE_MAX_SECONDS: '300',
  });
  functions = loadAzureFunctions();
  host = rotationQueuePoller(functions, azure);
  sdk = new SecretClient(`https://${VAULT}.vault.azure.net`, new DefaultAzureCredential());
});

afterAll(async () => {
  await Promise.all([azure?.close(), cloud?.close()]);
  jest.useRealTimers();
});

const at = (ms: number) => jest.setSystemTime(start + ms);
const warehouse = () => cloud.confluent.control.connector(WAREHOUSE);

/** A new version of `name`, delivered by Event Grid and queued, then one pass of the host's queue trigger. */
async function rotate(name: string, value: string): Promise<string> {
  const written = await sdk.setSecret(name, value);
  await azure.keyVault.control.settled();
  await host.poll();
  if (!written.properties.version) throw new Error('Key Vault gave no version');
  return written.properties.version;
}

/** The host's queue trigger every 15 s of simulated time from `fromMs`, until the queue is empty. */
async function pollUntilEmpty(fromMs: number): Promise<void> {
  for (let ms = fromMs; ms <= fromMs + 120_000; ms += 15_000) {
    at(ms);
    await host.poll();
    if ((await azure.rotationQueue.getProperties()).approximateMessagesCount === 0) return;
  }
  throw new Error('the rotation queue never emptied');
}

type Outcome = NonNullable<HandledSummary['outcomes']>[number];

/** What reloadRotatedSecret answered for the warehouse connector, per run of the queue trigger from `since`. */
function warehouseRuns(since: number): { secret?: string; kind: string; outcome?: Outcome }[] {
  return host
    .runs()
    .slice(since)
    .flatMap((run) => {
      const handled = (run.result as { handled?: HandledSummary } | undefined)?.handled;
      if (!handled) return [];
      const outcome = handled.outcomes?.find((o) => o.connector === WAREHOUSE);
      const waits = handled.waiting?.includes(WAREHOUSE);
      if (!outcome && !waits) return [];
      return [
        { ...(handled.secret ? { secret: handled.secret } : {}), kind: handled.kind, ...(outcome ? { outcome } : {}) },
      ];
    });
}

describe('coalescing on Azure: the rotation queue with a visibility delay', () => {
  it('two secrets with new versions 5 s apart, window 30 s: one restart after the second, and both reports name it', async () => {
    // Prepare
    const before = warehouse().restarts;
    const runsBefore = host.runs().length;

    // Act
    at(0);
    const user = await rotate(USER, 'warehouse-user-v2');
    const waitingAfterFirst = await azure.rotationQueue.peekMessages({ numberOfMessages: 32 });
    at(5_000);
    const password = await rotate(PASSWORD, 'warehouse-password-v2');
    const restartsWhileWaiting = warehouse().restarts;
    at(31_000);
    const atThirtyOne = await host.poll();
    const restartsAtThirtyOne = warehouse().restarts;
    at(37_000);
    const atThirtySeven = await host.poll();
    const restartsAtThirtySeven = warehouse().restarts;
    await pollUntilEmpty(52_000);

    // Assess: each rotation waited on the queue, invisible, instead of restarting.
    expect(waitingAfterFirst.peekedMessageItems).toEqual([]);
    expect(restartsWhileWaiting).toBe(before);
    // The user's rotation came back at its own due time, found the window moved by the password, and waited again.
    expect(atThirtyOne).toHaveLength(1);
    expect(restartsAtThirtyOne).toBe(before);
    // Both came back after the group's due time (35 s): one restart then, and only one ever.
    expect(atThirtySeven).toHaveLength(2);
    expect(restartsAtThirtySeven).toBe(before + 1);
    expect(warehouse().restarts).toBe(before + 1);
    expect(warehouse().state).toBe('RUNNING');
    expect(warehouse().heldVersions).toEqual({ [uri(USER)]: user, [uri(PASSWORD)]: password });
    const runs = warehouseRuns(runsBefore);
    expect(runs.slice(0, 2).map((r) => r.kind)).toEqual(['deferred', 'deferred']);
    const finals = [uri(USER), uri(PASSWORD)].map((secret) => runs.filter((r) => r.secret === secret).at(-1)?.outcome);
    expect(finals.map((o) => o?.result).sort()).toEqual(['restarted', 'skipped']);
    expect(finals.find((o) => o?.result === 'skipped')?.reason).toBe('already-covered');
    expect(finals[0]?.coalescedRestart).toMatch(/^env-prod01\/lkc-azan01\/analytics-warehouse-sink@/);
    expect(finals[1]?.coalescedRestart).toBe(finals[0]?.coalescedRestart);
    expect(host.poisoned()).toEqual([]);
  });

  it('a duplicate Event Grid delivery inside the group still makes one restart, named by every report', async () => {
    // Prepare: well after the first group, so this is a group of its own.
    const t0 = 300_000;
    const before = warehouse().restarts;
    const runsBefore = host.runs().length;

    // Act: the user's event delivered twice (Event Grid is at-least-once), the second time after the password's.
    at(t0);
    const user = await rotate(USER, 'warehouse-user-v3');
    const userEvent = delivered.at(-1);
    if (!userEvent) throw new Error('no Event Grid event');
    at(t0 + 5_000);
    const password = await rotate(PASSWORD, 'warehouse-password-v3');
    at(t0 + 8_000);
    const duplicateAnswer = await deliver(userEvent);
    await host.poll();
    const restartsWhileWaiting = warehouse().restarts;
    at(t0 + 37_000);
    await host.poll();
    const restartsAtThirtySeven = warehouse().restarts;
    await pollUntilEmpty(t0 + 52_000);

    // Assess
    expect(duplicateAnswer.map((a) => a.kind)).toEqual(['queued']);
    expect(restartsWhileWaiting).toBe(before);
    // A version already waiting is no new arrival: the window still counts from the password (due at 35 s).
    expect(restartsAtThirtySeven).toBe(before + 1);
    expect(warehouse().restarts).toBe(before + 1);
    expect(warehouse().heldVersions).toEqual({ [uri(USER)]: user, [uri(PASSWORD)]: password });
    const runs = warehouseRuns(runsBefore);
    expect(runs.slice(0, 3).map((r) => r.kind)).toEqual(['deferred', 'deferred', 'deferred']);
    const finals = runs.filter((r) => r.kind === 'reloaded').map((r) => r.outcome);
    expect(finals).toHaveLength(3);
    expect(finals.filter((o) => o?.result === 'restarted')).toHaveLength(1);
    expect(new Set(finals.map((o) => o?.coalescedRestart)).size).toBe(1);
    expect(finals[0]?.coalescedRestart).toMatch(/^env-prod01\/lkc-azan01\/analytics-warehouse-sink@/);
    expect(host.poisoned()).toEqual([]);
  });
});
