import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { parseSecretRef } from '#core/secret-ref';
import {
  type EventGridDelivery,
  type KeyVaultEmulator,
  startKeyVaultEmulator,
  trustInThisProcess,
} from '#local/key-vault-emulator/index';
import { REDACTED, redact } from '#observability/redaction';
import { AzureKeyVault, keyVaultClientFactory } from '#providers/azure-key-vault';
import { SecretAccessDeniedError, SecretNotFoundError, SecretProviderError } from '#providers/secret-provider-errors';

const VAULT = 'contoso-tests';
const VAULT_URL = `https://${VAULT}.vault.azure.net`;
/** A value that must never show up outside GetSecret responses. */
const CANARY = 'canary-Kv7!value-2b9d4e11';

let emulator: KeyVaultEmulator;
let credential: DefaultAzureCredential;
let sdk: SecretClient;
const deliveries: EventGridDelivery[] = [];
let counter = 0;

beforeAll(async () => {
  emulator = await startKeyVaultEmulator({ onSecretNewVersion: (delivery) => void deliveries.push(delivery) });
  // The same standard variables a deployed Function App gets (managed identity) plus the local proxy and CA.
  Object.assign(process.env, emulator.env);
  trustInThisProcess(emulator.certificate);
  credential = new DefaultAzureCredential();
  sdk = new SecretClient(VAULT_URL, credential);
});

afterAll(async () => {
  await emulator.close();
});

function uniqueName(): string {
  counter += 1;
  return `secret-${counter}`;
}

function vault(factory = keyVaultClientFactory(credential)): AzureKeyVault {
  return new AzureKeyVault({ clientFactory: factory });
}

describe('AzureKeyVault against the local Key Vault (real SecretClient, HTTPS, challenge auth)', () => {
  it('describes the latest version with its tags and creation time, never its value', async () => {
    // Prepare
    const name = uniqueName();
    await sdk.setSecret(name, `${CANARY}-old`);
    const written = await sdk.setSecret(name, CANARY, { tags: { 'confluent-connectors': 'env-a/lkc-a/sink' } });

    // Act
    const snapshot = await vault().describe(parseSecretRef(`${VAULT_URL}/secrets/${name}`));

    // Assess
    expect(snapshot.currentVersion).toBe(written.properties.version);
    expect(snapshot.pendingVersions).toEqual([]);
    expect(snapshot.tags).toEqual({ 'confluent-connectors': 'env-a/lkc-a/sink' });
    expect(snapshot.secret).toEqual({ provider: 'azure', vaultHost: `${VAULT}.vault.azure.net`, name });
    const created = written.properties.createdOn?.getTime() ?? 0;
    expect(snapshot.currentSince?.getTime()).toBe(created);
    expect(JSON.stringify(snapshot)).not.toContain(CANARY);
  });

  it('emits SecretNewVersionCreated as Event Grid delivers it: an array with one event, no value', async () => {
    // Prepare
    const name = uniqueName();
    deliveries.length = 0;

    // Act
    const written = await sdk.setSecret(name, CANARY);
    await emulator.control.settled();

    // Assess
    expect(deliveries).toHaveLength(1);
    const [delivery] = deliveries;
    expect(delivery).toHaveLength(1);
    expect(delivery?.[0]).toMatchObject({
      eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
      subject: name,
      data: { VaultName: VAULT, ObjectName: name, Version: written.properties.version, ObjectType: 'Secret' },
    });
    expect(JSON.stringify(deliveries)).not.toContain(CANARY);
  });

  it('counts a disabled latest version as pending and the newest enabled one as current, across pages', async () => {
    // Prepare: 30 versions (two pages of versions), the newest written disabled.
    const name = uniqueName();
    const created = Math.floor(Date.now() / 1000) - 100;
    for (let i = 0; i < 29; i++) emulator.control.seed(VAULT, name, { value: CANARY, created: created + i });
    const enabledVersion = emulator.control.seed(VAULT, name, {
      value: CANARY,
      created: created + 29,
      tags: { t: 'v' },
    });
    const pending = await sdk.setSecret(name, CANARY, { enabled: false });

    // Act
    const snapshot = await vault().describe(parseSecretRef(`${VAULT_URL}/secrets/${name}`));

    // Assess
    expect(snapshot.currentVersion).toBe(enabledVersion);
    expect(snapshot.pendingVersions).toEqual([pending.properties.version]);
    expect(snapshot.tags).toEqual({ t: 'v' });
    expect(snapshot.currentSince?.getTime()).toBe((created + 29) * 1000);
  });

  it('reads a value for the reloader itself and registers it for redaction', async () => {
    // Prepare
    const name = uniqueName();
    const value = `${CANARY}-credentials`;
    await sdk.setSecret(name, value);

    // Act
    const read = await vault().readSecretValue(parseSecretRef(`${VAULT_URL}/secrets/${name}`));

    // Assess
    expect(read).toBe(value);
    expect(redact(`leaked ${value}`)).toBe(`leaked ${REDACTED}`);
  });

  it('reports a missing secret as SecretNotFoundError naming the secret', async () => {
    // Act
    const error = await vault()
      .describe(parseSecretRef(`${VAULT_URL}/secrets/does-not-exist`))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).message).toContain(`${VAULT_URL}/secrets/does-not-exist`);
    expect((error as SecretNotFoundError).httpStatus).toBe(404);
  });

  it('reports a token the vault rejects as SecretAccessDeniedError', async () => {
    // Prepare: a credential whose token the local vault never issued.
    const stranger: TokenCredential = {
      getToken: async () => ({ token: 'not-issued-by-this-identity', expiresOnTimestamp: Date.now() + 3_600_000 }),
    };
    const name = uniqueName();
    await sdk.setSecret(name, CANARY);

    // Act
    const error = await vault(keyVaultClientFactory(stranger, { retryOptions: { maxRetries: 0 } }))
      .describe(parseSecretRef(`${VAULT_URL}/secrets/${name}`))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(SecretAccessDeniedError);
    expect(String(error)).not.toContain(CANARY);
  });

  it('refuses an AWS secret', async () => {
    // Act
    const error = await vault()
      .describe(parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/x-Ab12Cd'))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(SecretProviderError);
    expect((error as SecretProviderError).code).toBe('NotAKeyVaultSecret');
  });
});
