import tls from 'node:tls';
import {
  type DeadLetteredEvent,
  type DeliveryAttempt,
  type EventGridDeliveryOptions,
  type EventGridSubscriber,
  type EventGridTopic,
  SecretEventTopic,
} from './event-grid';
import { type RecordedRequest, startVaultServer } from './server';
import { generateVaultCertificate } from './tls-certificate';
import { startVaultGateway } from './vault-gateway';
import { type NewVersion, VaultStore } from './vault-store';

export {
  type DeadLetteredEvent,
  type DeliveryAttempt,
  EVENT_GRID_DEADLINE_MS,
  EVENT_GRID_RETRY_SCHEDULE_MS,
  type EventGridDelivery,
  type EventGridDeliveryOptions,
  type EventGridSubscriber,
  type SecretNewVersionCreatedEvent,
} from './event-grid';
export type { RecordedRequest } from './server';
export type { NewVersion } from './vault-store';

export interface KeyVaultEmulatorOptions {
  /** HTTPS port of the vault itself (0: any free port). */
  readonly port?: number;
  /** Port of the gateway: CONNECT proxy for `*.vault.azure.net` plus the managed-identity endpoint. */
  readonly gatewayPort?: number;
  readonly tenantId?: string;
  readonly topic?: EventGridTopic;
  /** The Event Grid subscription: receives every SecretNewVersionCreated delivery (an array with one event). */
  readonly onSecretNewVersion?: EventGridSubscriber;
  /** The subscription's delivery contract: 30 s deadline and Event Grid's retry schedule unless told otherwise. */
  readonly eventGrid?: EventGridDeliveryOptions;
  readonly now?: () => number;
}

export interface KeyVaultControl {
  /** Setup, not an API call: stores a version without an event. */
  seed(vault: string, name: string, version: NewVersion): string;
  /** A new version as the API would make it, event included (tests that need no SDK). */
  setSecret(vault: string, name: string, version: NewVersion): string;
  setEnabled(vault: string, name: string, version: string, enabled: boolean): void;
  events(): ReturnType<SecretEventTopic['events']>;
  /** Resolves once every delivery is done (retries included) and every handler it started has returned. */
  settled(): Promise<void>;
  deliveryErrors(): string[];
  /** Every delivery attempt: when (Event Grid time), how fast it was answered, and how it ended. */
  deliveryAttempts(): DeliveryAttempt[];
  /** What the subscription's dead-letter container received. */
  deadLettered(): DeadLetteredEvent[];
  requests(): RecordedRequest[];
  /** The next `count` requests get 429 Throttled with `Retry-After: retryAfterSeconds` (default 1). */
  setThrottle(count: number, retryAfterSeconds?: number): void;
}

export interface KeyVaultEmulator {
  /** The environment that points Azure SDK clients in a process at this vault (see startKeyVaultEmulator). */
  readonly env: Readonly<Record<string, string>>;
  /** PEM of the self-signed certificate the vault serves: the trust anchor clients need. */
  readonly certificate: string;
  readonly vaultPort: number;
  readonly control: KeyVaultControl;
  close(): Promise<void>;
}

/**
 * A stateful Azure Key Vault (secrets) on 127.0.0.1 for the real SecretClient with DefaultAzureCredential. The
 * returned `env` uses only standard mechanisms: HTTPS_PROXY/NO_PROXY (the SDK's proxy support) to reach the vault
 * names, IDENTITY_ENDPOINT/IDENTITY_HEADER (managed identity, as on Azure Functions) for the token, and
 * NODE_EXTRA_CA_CERTS for the certificate in processes started later; `trustInThisProcess` covers this one.
 */
export async function startKeyVaultEmulator(options: KeyVaultEmulatorOptions = {}): Promise<KeyVaultEmulator> {
  const now = options.now ?? Date.now;
  const store = new VaultStore(now);
  const topic = new SecretEventTopic(
    options.topic ?? { subscriptionId: '00000000-0000-0000-0000-000000000000', resourceGroup: 'rg-local' },
    now,
    options.onSecretNewVersion,
    options.eventGrid,
  );
  const certificate = await generateVaultCertificate();
  const log: RecordedRequest[] = [];
  const faults = { throttleNext: 0, retryAfterSeconds: 1 };
  let issues: (token: string) => boolean = () => false;
  const vault = await startVaultServer(options.port ?? 0, certificate, {
    store,
    tenantId: options.tenantId ?? '00000000-0000-0000-0000-00000000000a',
    acceptsToken: (token) => issues(token),
    onNewVersion: (stored) => topic.publish(stored),
    log,
    faults,
  });
  const gateway = await startVaultGateway(options.gatewayPort ?? 0, vault.port);
  issues = gateway.issues;

  const control: KeyVaultControl = {
    seed: (vaultName, name, version) => store.set(vaultName, name, version).version,
    setSecret(vaultName, name, version) {
      const stored = store.set(vaultName, name, version);
      topic.publish(stored);
      return stored.version;
    },
    setEnabled(vaultName, name, version, enabled) {
      store.update(vaultName, name, version, { enabled });
    },
    events: () => topic.events(),
    settled: () => topic.settled(),
    deliveryErrors: () => topic.deliveryErrors(),
    deliveryAttempts: () => topic.deliveryAttempts(),
    deadLettered: () => topic.deadLettered(),
    requests: () => log.map((entry) => ({ ...entry })),
    setThrottle(count, retryAfterSeconds = 1) {
      faults.throttleNext = count;
      faults.retryAfterSeconds = retryAfterSeconds;
    },
  };
  return {
    env: {
      HTTPS_PROXY: gateway.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      IDENTITY_ENDPOINT: gateway.identityEndpoint,
      IDENTITY_HEADER: gateway.identityHeader,
    },
    certificate: certificate.cert,
    vaultPort: vault.port,
    control,
    close: async () => {
      topic.close();
      await Promise.all([vault.close(), gateway.close()]);
    },
  };
}

/**
 * Trusts the vault's certificate in this process, for clients made from now on (NODE_EXTRA_CA_CERTS is read only
 * when a process starts, too late for an emulator started inside it).
 */
export function trustInThisProcess(certificatePem: string): void {
  const current = tls.getCACertificates('default');
  if (!current.includes(certificatePem)) tls.setDefaultCACertificates([...current, certificatePem]);
}
