import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
} from '@aws-sdk/client-secrets-manager';
import type { SecretSnapshot, SecretSource } from '#core/ports';
import {
  type AwsSecretRef,
  canonicalSecretId,
  parseSecretRef,
  partialSecretArn,
  type SecretRef,
  secretArn,
} from '#core/secret-ref';
import { registerSensitiveValue } from '#observability/redaction';
import { mapSecretsManagerError } from './aws-secrets-manager-errors';
import type { SecretValueReader } from './secret-credentials';
import { SecretProviderError } from './secret-provider-errors';

const AWSCURRENT = 'AWSCURRENT';
const AWSPENDING = 'AWSPENDING';

/**
 * Attempts per call, first one included. The SDK backs off with jitter (longer for throttling), so five attempts ride
 * out a burst of ThrottlingException without holding a Lambda for long.
 */
export const SECRETS_MANAGER_MAX_ATTEMPTS = 5;

/** Makes the client for one region; called at most once per region. */
export type SecretsManagerClientFactory = (region: string) => SecretsManagerClient;

/** The production factory: standard retries with SECRETS_MANAGER_MAX_ATTEMPTS unless `config` says otherwise. */
export function secretsManagerClientFactory(
  config: Omit<SecretsManagerClientConfig, 'region'> = {},
): SecretsManagerClientFactory {
  return (region) => new SecretsManagerClient({ maxAttempts: SECRETS_MANAGER_MAX_ATTEMPTS, ...config, region });
}

export interface AwsSecretsManagerOptions {
  readonly clientFactory: SecretsManagerClientFactory;
  /** Where a secret known only by name lives. */
  readonly defaultRegion: string;
}

/**
 * AWS Secrets Manager as the reloader sees it: DescribeSecret for versions and tags (no value), GetSecretValue only for
 * the reloader's own credentials. One instance serves every region; the region comes from the secret's ARN.
 */
export class AwsSecretsManager implements SecretSource, SecretValueReader {
  private readonly clients = new Map<string, SecretsManagerClient>();

  constructor(private readonly options: AwsSecretsManagerOptions) {}

  async describe(secret: SecretRef): Promise<SecretSnapshot> {
    const ref = awsRef(secret, 'DescribeSecret');
    const response = await this.send(ref, 'DescribeSecret', (client, secretId) =>
      client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    const stages = Object.entries(response.VersionIdsToStages ?? {});
    const currentVersion = stages.find(([, labels]) => labels.includes(AWSCURRENT))?.[0] ?? null;
    const pendingVersions = stages
      .filter(([, labels]) => labels.includes(AWSPENDING) && !labels.includes(AWSCURRENT))
      .map(([versionId]) => versionId);
    const tags: Record<string, string> = {};
    for (const tag of response.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
    // DescribeSecret tells no per-version date, so currentSince stays unknown rather than costing another call.
    return {
      secret: response.ARN ? parseSecretRef(response.ARN) : ref,
      currentVersion,
      pendingVersions,
      tags,
    };
  }

  async readSecretValue(secret: SecretRef): Promise<string> {
    const ref = awsRef(secret, 'GetSecretValue');
    const response = await this.send(ref, 'GetSecretValue', (client, secretId) =>
      client.send(new GetSecretValueCommand({ SecretId: secretId })),
    );
    if (response.SecretString === undefined) {
      throw new SecretProviderError({
        secretId: canonicalSecretId(ref),
        operation: 'GetSecretValue',
        code: 'NoSecretString',
        detail: 'the secret holds a binary value; a string (JSON) value is expected',
      });
    }
    registerSensitiveValue(response.SecretString);
    return response.SecretString;
  }

  /** Releases every client's connections (tests, CLI exit). */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
    this.clients.clear();
  }

  private async send<T>(
    ref: AwsSecretRef,
    operation: string,
    call: (client: SecretsManagerClient, secretId: string) => Promise<T>,
  ): Promise<T> {
    // The full ARN pins the exact secret; a partial ARN or a bare name lets AWS resolve it in the client's region.
    const secretId = secretArn(ref) ?? partialSecretArn(ref) ?? ref.name;
    try {
      return await call(this.clientFor(ref.region ?? this.options.defaultRegion), secretId);
    } catch (error) {
      throw mapSecretsManagerError(error, canonicalSecretId(ref), operation);
    }
  }

  private clientFor(region: string): SecretsManagerClient {
    let client = this.clients.get(region);
    if (!client) {
      client = this.options.clientFactory(region);
      this.clients.set(region, client);
    }
    return client;
  }
}

function awsRef(secret: SecretRef, operation: string): AwsSecretRef {
  if (secret.provider === 'aws') return secret;
  throw new SecretProviderError({
    secretId: canonicalSecretId(secret),
    operation,
    code: 'NotAnAwsSecret',
    detail: 'AWS Secrets Manager was asked about a Key Vault secret',
  });
}
