import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { buildReloader } from '#app/build-reloader';
import { loadSettings } from '#config/settings';
import { StaticCredentials } from '#confluent/index';
import { connectorKey } from '#core/connector-ref';
import type { Logger } from '#core/ports';
import { parseSecretRef } from '#core/secret-ref';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import { type KeyVaultEmulator, startKeyVaultEmulator, trustInThisProcess } from '#local/key-vault-emulator/index';
import { type SecretsManagerEmulator, startSecretsManagerEmulator } from '#local/secrets-manager-emulator/index';
import { SEED_SECRETS } from '#local/seed-estate';
import { AwsSecretsManager, secretsManagerClientFactory } from '#providers/aws-secrets-manager';
import { AzureKeyVault, keyVaultClientFactory } from '#providers/azure-key-vault';
import { SecretSourceRouter } from '#providers/secret-source-router';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';

/**
 * TARGET_MAPPING read from a secret, as a deployed function reads it: the real Secrets Manager and Key Vault clients
 * against the local emulators, the mapping's connectors resolved by the reloader's own resolver against the
 * Confluent emulator (prod/crm-token is named by no config, only by the mapping), re-read after the TTL.
 */
const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-only' };
const VAULT_URL = 'https://contoso-reloader.vault.azure.net';
const CRM_TOKEN = parseSecretRef(SEED_SECRETS.crmToken);
const mappingOf = (...connectors: string[]) =>
  JSON.stringify({ secrets: { 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/crm-token': connectors } });

let secretsManager: SecretsManagerEmulator;
let keyVault: KeyVaultEmulator;
let confluent: ConfluentEmulator;
let sdk: SecretsManagerClient;
let vaultSdk: SecretClient;
let router: SecretSourceRouter;
let aws: AwsSecretsManager;

beforeAll(async () => {
  [secretsManager, keyVault, confluent] = await Promise.all([
    startSecretsManagerEmulator(),
    startKeyVaultEmulator(),
    startConfluentEmulator(),
  ]);
  Object.assign(process.env, keyVault.env);
  trustInThisProcess(keyVault.certificate);
  const credential = new DefaultAzureCredential();
  sdk = new SecretsManagerClient({ region: 'us-east-1', endpoint: secretsManager.url, credentials: CREDENTIALS });
  vaultSdk = new SecretClient(VAULT_URL, credential);
  aws = new AwsSecretsManager({
    defaultRegion: 'us-east-1',
    clientFactory: secretsManagerClientFactory({ endpoint: secretsManager.url, credentials: CREDENTIALS }),
  });
  router = new SecretSourceRouter({
    aws,
    azure: new AzureKeyVault({ clientFactory: keyVaultClientFactory(credential) }),
  });
});

afterAll(async () => {
  aws?.destroy();
  sdk?.destroy();
  await Promise.all([secretsManager?.close(), keyVault?.close(), confluent?.close()]);
});

function reloaderWith(targetMapping: string, clock: FakeClock, logger: Logger = silentLogs()) {
  const settings = loadSettings({
    CONFLUENT_API_URL: confluent.url,
    CONFLUENT_SCOPES: 'env-prod01',
    TARGET_MAPPING: targetMapping,
    TARGET_MAPPING_TTL_SECONDS: '60',
  });
  return buildReloader(settings, {
    secrets: router,
    credentials: new StaticCredentials('local-api-key', 'local-api-secret'),
    state: new MemoryStateStore(),
    logger,
    clock,
  });
}

function silentLogs(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (message) => void warnings.push(message), error() {} };
}

async function mappedConnectors(reloader: ReturnType<typeof reloaderWith>): Promise<string[]> {
  const resolved = await reloader.resolver.resolve(CRM_TOKEN, {});
  return resolved.candidates
    .filter((candidate) => candidate.sources.includes('mapping-file'))
    .map((candidate) => connectorKey(candidate.connector))
    .sort();
}

describe('TARGET_MAPPING from a secret', () => {
  it('reads the mapping from Secrets Manager and reads it again once the TTL is over', async () => {
    // Prepare
    await sdk.send(
      new CreateSecretCommand({
        Name: 'connector-reloader/mapping',
        SecretString: mappingOf('env-prod01/lkc-pay01/crm-sync'),
      }),
    );
    const clock = new FakeClock();
    const reloader = reloaderWith('connector-reloader/mapping', clock);
    const before = await mappedConnectors(reloader);
    await sdk.send(
      new PutSecretValueCommand({
        SecretId: 'connector-reloader/mapping',
        SecretString: mappingOf('env-prod01/lkc-pay01/crm-sync', 'env-prod01/lkc-orders1/orders-datagen'),
      }),
    );

    // Act
    const withinTtl = await mappedConnectors(reloader);
    clock.advance(61_000);
    const afterTtl = await mappedConnectors(reloader);

    // Assess
    expect(before).toEqual(['env-prod01/lkc-pay01/crm-sync']);
    expect(withinTtl).toEqual(before);
    expect(afterTtl).toEqual(['env-prod01/lkc-orders1/orders-datagen', 'env-prod01/lkc-pay01/crm-sync']);
  });

  it('reads the mapping from Key Vault, keeping the last good one when a re-read is invalid', async () => {
    // Prepare
    await vaultSdk.setSecret('target-mapping', mappingOf('env-prod01/lkc-pay01/crm-sync'));
    const clock = new FakeClock();
    const logger = silentLogs();
    const reloader = reloaderWith(`${VAULT_URL}/secrets/target-mapping`, clock, logger);
    const first = await mappedConnectors(reloader);
    await vaultSdk.setSecret('target-mapping', '{"secrets": not json');
    clock.advance(61_000);

    // Act
    const kept = await mappedConnectors(reloader);

    // Assess
    expect(first).toEqual(['env-prod01/lkc-pay01/crm-sync']);
    expect(kept).toEqual(first);
    expect(logger.warnings).toEqual(['target mapping not re-read: keeping the last one']);
  });

  it('fails the resolution while no mapping could be read yet, naming the variable, not the value', async () => {
    // Prepare
    await vaultSdk.setSecret('broken-mapping', '{"secrets": {"prod/crm-token": "not a list"}}');
    const reloader = reloaderWith(`${VAULT_URL}/secrets/broken-mapping`, new FakeClock());

    // Act
    const resolving = reloader.resolver.resolve(CRM_TOKEN, {});

    // Assess
    await expect(resolving).rejects.toThrow(/^TARGET_MAPPING \(secret https:\/\/contoso-reloader/);
  });

  it('reads a file: mapping bundled with the package at start, relative to the working directory', async () => {
    // Prepare
    const bundled = 'file:local/mapping.json';

    // Act
    const reloader = reloaderWith(bundled, new FakeClock());
    const missing = () => reloaderWith('file:no-such-mapping.json', new FakeClock());

    // Assess
    expect(await mappedConnectors(reloader)).toEqual(['env-prod01/lkc-pay01/crm-sync']);
    expect(missing).toThrow('TARGET_MAPPING: cannot read no-such-mapping.json: ENOENT');
  });
});
