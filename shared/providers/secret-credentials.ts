import type { SecretRef } from '#core/secret-ref';
import { registerSensitiveValue } from '#observability/redaction';

/** Reads a secret's current value: the one place the reloader touches a value, and only for its own credentials. */
export interface SecretValueReader {
  readSecretValue(secret: SecretRef): Promise<string>;
}

export interface ConfluentCredentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

export class InvalidCredentialsSecretError extends Error {
  override readonly name = 'InvalidCredentialsSecretError';
}

/**
 * The Confluent Cloud API key, read by reference from the cloud's secret manager: a JSON secret with `apiKey` and
 * `apiSecret` (the field names of AWS Secrets Manager's managed rotation for Confluent Cloud keys). Cached; a 401
 * from Confluent calls `invalidate` so the next request reads the (possibly rotated) key again.
 */
export class SecretCredentialsProvider {
  private cached: Promise<ConfluentCredentials> | undefined;

  constructor(
    private readonly reader: SecretValueReader,
    private readonly secret: SecretRef,
  ) {}

  get(): Promise<ConfluentCredentials> {
    this.cached ??= this.load().catch((error: unknown) => {
      this.cached = undefined;
      throw error;
    });
    return this.cached;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  private async load(): Promise<ConfluentCredentials> {
    const text = await this.reader.readSecretValue(this.secret);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // The value itself is never quoted: it may be the bare API secret.
      throw new InvalidCredentialsSecretError(
        'the Confluent credentials secret is not JSON; expected {"apiKey","apiSecret"}',
      );
    }
    const { apiKey, apiSecret } = (parsed ?? {}) as Record<string, unknown>;
    if (typeof apiKey !== 'string' || typeof apiSecret !== 'string' || apiKey === '' || apiSecret === '') {
      throw new InvalidCredentialsSecretError(
        'the Confluent credentials secret needs string fields "apiKey" and "apiSecret"',
      );
    }
    registerSensitiveValue(apiSecret);
    return { apiKey, apiSecret };
  }
}
