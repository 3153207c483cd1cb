import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { buildReloader } from '#app/build-reloader';
import { loadSettings } from '#config/settings';
import { StaticCredentials } from '#confluent/static-credentials';
import { type SecretSnapshot, type SecretSource, silentLogger } from '#core/ports';
import { parseSecretRef, type SecretRef } from '#core/secret-ref';
import { DynamoDbRateBucketStore } from '#state/dynamodb-rate-bucket-store';
import { DynamoDbStateStore } from '#state/dynamodb-state-store';

/**
 * One reloader instance of the multi-process burst (burst-processes.ts), in a process of its own: the product's
 * composition root on the DynamoDB state store and its fleet-wide rate bucket (dynalite, shared with the other
 * instances), against the Confluent emulator. The parent sends rotations over IPC and gets each outcome back.
 */
export type ToWorker = { readonly id: number; readonly secretArn: string; readonly version: string } | { stop: true };
export type FromWorker =
  | { readonly ready: true }
  | { readonly id: number; readonly restarted: number; readonly errors: readonly string[] };

/** The rotated version is current as of now, with no tags: targets come from the config scan. */
class CurrentVersionSecrets implements SecretSource {
  readonly versions = new Map<string, string>();
  async describe(secret: SecretRef): Promise<SecretSnapshot> {
    const version = this.versions.get(secret.name) ?? null;
    return { secret, currentVersion: version, currentSince: new Date(), pendingVersions: [], tags: {} };
  }
}

const env = process.env;
const dynamo = new DynamoDBClient({
  region: 'us-east-1',
  endpoint: env.BENCH_DYNAMO_ENDPOINT,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const tableName = env.BENCH_STATE_TABLE ?? 'bench-state';
const secrets = new CurrentVersionSecrets();
const reloader = buildReloader(loadSettings(env), {
  secrets,
  credentials: new StaticCredentials('local-api-key', 'local-api-secret'),
  state: new DynamoDbStateStore({ client: dynamo, tableName }),
  rateBuckets: new DynamoDbRateBucketStore({ client: dynamo, tableName }),
  logger: silentLogger,
});

process.on('message', (message: ToWorker) => {
  if ('stop' in message) {
    dynamo.destroy();
    process.disconnect();
    return;
  }
  const secret = parseSecretRef(message.secretArn);
  secrets.versions.set(secret.name, message.version);
  const event = {
    kind: 'secret-rotated',
    secret,
    version: message.version,
    source: 'bench',
    eventId: message.secretArn,
  } as const;
  reloader
    .forInvocation()
    .execute(event)
    .then(
      (report) => ({
        restarted: report.outcomes.filter((o) => o.result === 'restarted').length,
        errors: report.outcomes.filter((o) => o.result !== 'restarted').map((o) => o.detail ?? o.result),
      }),
      (error: Error) => ({ restarted: 0, errors: [error.message] }),
    )
    .then((result) => process.send?.({ id: message.id, ...result } satisfies FromWorker));
});
process.send?.({ ready: true } satisfies FromWorker);
