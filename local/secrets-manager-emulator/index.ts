import { randomUUID } from 'node:crypto';
import { authorize, type IdentityPolicy } from './access-policy';
import { LabelEventBus } from './label-events';
import { runOperation } from './operations';
import { AWSCURRENT, AWSPENDING, SecretStore } from './secret-store';
import { startHttpServer } from './server';
import type {
  RecordedOperation,
  SecretsManagerControl,
  SecretsManagerEmulator,
  SecretsManagerEmulatorOptions,
  SecretsManagerFaults,
} from './types';

export type { IdentityPolicy } from './access-policy';
export { SecretsManagerApiError } from './api-error';
export { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from './secret-store';
export type {
  RecordedOperation,
  SecretLabelUpdatedEvent,
  SecretsManagerControl,
  SecretsManagerEmulator,
  SecretsManagerEmulatorOptions,
  SecretsManagerFaults,
  SeedOptions,
} from './types';

export const DEFAULT_ACCOUNT_ID = '123456789012';
export const DEFAULT_REGION = 'us-east-1';

/**
 * A stateful AWS Secrets Manager on 127.0.0.1 speaking AWS JSON 1.1, for the real SecretsManagerClient (set
 * `endpoint` to `url`, any credentials). Secrets live per region, taken from each request's signature.
 */
export async function startSecretsManagerEmulator(
  options: SecretsManagerEmulatorOptions = {},
): Promise<SecretsManagerEmulator> {
  const now = options.now ?? Date.now;
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const defaultRegion = options.region ?? DEFAULT_REGION;
  const store = new SecretStore(accountId, now);
  const bus = new LabelEventBus(accountId, now, options.onLabelUpdated);
  const faults: SecretsManagerFaults = { latencyMs: 0, throttleNext: 0, failNext: 0, ...options.faults };
  let log: RecordedOperation[] = [];
  let policy: IdentityPolicy | undefined = options.identityPolicy;

  const server = await startHttpServer(options.port ?? 0, {
    defaultRegion,
    now,
    faults,
    get log() {
      return log;
    },
    execute: (operation, region, input, accessKeyId) => {
      authorize(policy, { accessKeyId, operation, region, input }, store, accountId);
      return runOperation(store, operation, region, input);
    },
    afterResponse: () => bus.publish(store.drainMoves()),
  });

  const control: SecretsManagerControl = {
    seed(name, value, tags = {}, seedOptions = {}) {
      const { secret } = store.create(seedOptions.region ?? defaultRegion, name, {
        payload: { kind: 'string', text: value },
        tags: new Map(Object.entries(tags)),
        ...(seedOptions.description === undefined ? {} : { description: seedOptions.description }),
        ...(seedOptions.arnSuffix === undefined ? {} : { arnSuffix: seedOptions.arnSuffix }),
      });
      // Seeding is setup, not an API call: no event.
      store.drainMoves();
      return secret.arn;
    },
    rotate(secretId, value, rotateOptions = {}) {
      const secret = store.resolve(rotateOptions.region ?? defaultRegion, secretId);
      const current = store.version(secret).id;
      const token = randomUUID();
      // The steps of a rotation Lambda: createSecret, then finishSecret (cloud-events.md §1.2).
      store.putValue(secret, { kind: 'string', text: value }, token, [AWSPENDING]);
      store.updateStage(secret, AWSCURRENT, token, current);
      store.updateStage(secret, AWSPENDING, undefined, token);
      bus.publish(store.drainMoves());
      return token;
    },
    setThrottle(count) {
      faults.throttleNext = count;
    },
    setFaults(partial) {
      Object.assign(faults, partial);
    },
    setIdentityPolicy(next) {
      policy = next;
    },
    requestCount: (operation) =>
      operation === undefined ? log.length : log.filter((record) => record.operation === operation).length,
    operations: () => log.map((record) => ({ ...record, params: structuredClone(record.params) })),
    resetOperations() {
      log = [];
    },
    events: () => bus.events(),
    settled: () => bus.settled(),
    deliveryErrors: () => bus.deliveryErrors(),
  };
  return { url: server.url, control, close: () => server.close() };
}
