import type { SecretSnapshot, SecretSource } from '#core/ports';
import type { CloudProvider, SecretRef } from '#core/secret-ref';
import type { SecretValueReader } from './secret-credentials';

export class SecretProviderUnavailableError extends Error {
  override readonly name = 'SecretProviderUnavailableError';
}

type Provider = SecretSource & SecretValueReader;

/** Sends each secret to its own cloud's adapter, so the CLI can work with AWS and Azure secrets side by side. */
export class SecretSourceRouter implements SecretSource, SecretValueReader {
  constructor(private readonly providers: Partial<Record<CloudProvider, Provider>>) {}

  describe(secret: SecretRef): Promise<SecretSnapshot> {
    return this.providerFor(secret).describe(secret);
  }

  readSecretValue(secret: SecretRef): Promise<string> {
    return this.providerFor(secret).readSecretValue(secret);
  }

  private providerFor(secret: SecretRef): Provider {
    const provider = this.providers[secret.provider];
    if (!provider) throw new SecretProviderUnavailableError(`no ${secret.provider} secret provider is configured here`);
    return provider;
  }
}
