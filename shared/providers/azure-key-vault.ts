import type { TokenCredential } from '@azure/identity';
import { SecretClient, type SecretClientOptions, type SecretProperties } from '@azure/keyvault-secrets';
import type { SecretSnapshot, SecretSource } from '#core/ports';
import { type AzureSecretRef, canonicalSecretId, type SecretRef } from '#core/secret-ref';
import { registerSensitiveValue } from '#observability/redaction';
import { isDisabledSecretError, mapKeyVaultError } from './azure-key-vault-errors';
import type { SecretValueReader } from './secret-credentials';
import { SecretProviderError } from './secret-provider-errors';

/** Makes the client for one vault (`https://<vault>.vault.azure.net`); called at most once per vault. */
export type KeyVaultClientFactory = (vaultUrl: string) => SecretClient;

/**
 * The production factory. The credential is DefaultAzureCredential: the Function App's managed identity in Azure,
 * environment, workload identity or the Azure CLI login elsewhere.
 */
export function keyVaultClientFactory(
  credential: TokenCredential,
  options: SecretClientOptions = {},
): KeyVaultClientFactory {
  return (vaultUrl) => new SecretClient(vaultUrl, credential, { retryOptions: { maxRetries: 4 }, ...options });
}

export interface AzureKeyVaultOptions {
  readonly clientFactory: KeyVaultClientFactory;
}

/**
 * Azure Key Vault as the reloader sees it. Key Vault has no staging labels: the current version is the latest one,
 * provided it is enabled (a disabled latest version is refused by every versionless read, Confluent's included).
 * A version written disabled is the Azure form of "written but not yet current", so it counts as pending.
 */
export class AzureKeyVault implements SecretSource, SecretValueReader {
  private readonly clients = new Map<string, SecretClient>();

  constructor(private readonly options: AzureKeyVaultOptions) {}

  async describe(secret: SecretRef): Promise<SecretSnapshot> {
    const ref = azureRef(secret, 'GetSecret');
    let latest: SecretProperties;
    try {
      // Key Vault has no metadata-only read of the latest version, and listing pages through every version ever
      // written (Key Vault keeps them all), so one GET is the cheap path. Its value is dropped here, unread.
      ({ properties: latest } = await this.clientFor(ref).getSecret(ref.name));
    } catch (error) {
      if (!isDisabledSecretError(error)) throw mapKeyVaultError(error, canonicalSecretId(ref), 'GetSecret');
      return this.describeFromVersions(ref);
    }
    return snapshot(ref, latest, []);
  }

  async readSecretValue(secret: SecretRef): Promise<string> {
    const ref = azureRef(secret, 'GetSecret');
    let value: string | undefined;
    try {
      ({ value } = await this.clientFor(ref).getSecret(ref.name, ref.version ? { version: ref.version } : {}));
    } catch (error) {
      throw mapKeyVaultError(error, canonicalSecretId(ref), 'GetSecret');
    }
    if (value === undefined) {
      throw new SecretProviderError({ secretId: canonicalSecretId(ref), operation: 'GetSecret', code: 'NoValue' });
    }
    registerSensitiveValue(value);
    return value;
  }

  /** The latest version is disabled: the newest enabled one is current, the disabled newer ones are pending. */
  private async describeFromVersions(ref: AzureSecretRef): Promise<SecretSnapshot> {
    const versions: SecretProperties[] = [];
    try {
      for await (const properties of this.clientFor(ref).listPropertiesOfSecretVersions(ref.name)) {
        versions.push(properties);
      }
    } catch (error) {
      throw mapKeyVaultError(error, canonicalSecretId(ref), 'GetSecretVersions');
    }
    versions.sort((a, b) => createdAt(b) - createdAt(a));
    const current = versions.find((properties) => properties.enabled !== false);
    const pending = versions
      .filter(
        (properties) => properties.enabled === false && createdAt(properties) > (current ? createdAt(current) : -1),
      )
      .flatMap((properties) => (properties.version ? [properties.version] : []));
    const newest = versions[0];
    if (!current) return { secret: ref, currentVersion: null, pendingVersions: pending, tags: newest?.tags ?? {} };
    return snapshot(ref, current, pending);
  }

  private clientFor(ref: AzureSecretRef): SecretClient {
    const vaultUrl = `https://${ref.vaultHost}`;
    let client = this.clients.get(vaultUrl);
    if (!client) {
      client = this.options.clientFactory(vaultUrl);
      this.clients.set(vaultUrl, client);
    }
    return client;
  }
}

/**
 * Key Vault serves a new version from the moment it is written, so `currentSince` is its creation time. That time is
 * kept to the second; the use case already treats whole-second times as the end of their second.
 */
function snapshot(ref: AzureSecretRef, current: SecretProperties, pending: string[]): SecretSnapshot {
  return {
    secret: { provider: 'azure', vaultHost: ref.vaultHost, name: ref.name },
    currentVersion: current.version ?? null,
    ...(current.createdOn ? { currentSince: current.createdOn } : {}),
    pendingVersions: pending,
    tags: { ...current.tags },
  };
}

function createdAt(properties: SecretProperties): number {
  return properties.createdOn?.getTime() ?? 0;
}

function azureRef(secret: SecretRef, operation: string): AzureSecretRef {
  if (secret.provider === 'azure') return secret;
  throw new SecretProviderError({
    secretId: canonicalSecretId(secret),
    operation,
    code: 'NotAKeyVaultSecret',
    detail: 'Azure Key Vault was asked about an AWS secret',
  });
}
