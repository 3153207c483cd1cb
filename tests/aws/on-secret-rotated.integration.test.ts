import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { lambdaContext } from '#local/lambda-invoker';
import { SEED_SECRETS } from '#local/seed-estate';
import { type AwsLambdaHarness, captureProcessOutput, startAwsLambdaHarness } from '#test-helpers/aws-lambda-harness';

/**
 * End to end on loopback with the real SDK clients: PutSecretValue in the local Secrets Manager → its native
 * `Secret Label Updated` event → the real Lambda handler (DynamoDB on dynalite, outcomes to the local EventBridge)
 * → the affected connectors restarted and verified in the Confluent emulator.
 */
let harness: AwsLambdaHarness;
let sdk: SecretsManagerClient;
let output: ReturnType<typeof captureProcessOutput>;

const ORDERS_DB_CONNECTORS = [
  'env-prod01/lkc-orders1/orders-cdc',
  'env-prod01/lkc-orders1/orders-outbox',
  'env-prod01/lkc-pay01/payments-ledger-cdc',
];
const PAUSED = 'env-prod01/lkc-orders1/orders-archive-s3';

beforeAll(async () => {
  harness = await startAwsLambdaHarness();
  sdk = new SecretsManagerClient({
    region: 'us-east-1',
    endpoint: harness.cloud.secretsManager.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

beforeEach(() => {
  output = captureProcessOutput();
});

afterEach(() => {
  output.restore();
});

afterAll(async () => {
  sdk.destroy();
  await harness.close();
});

const restarts = (key: string) => harness.cloud.confluent.control.connector(key).restarts;

describe('onSecretRotated, end to end', () => {
  it('restarts and verifies every connector that uses the rotated secret, and publishes one outcome each', async () => {
    // Prepare
    const before = Object.fromEntries(ORDERS_DB_CONNECTORS.map((key) => [key, restarts(key)]));

    // Act
    const put = await sdk.send(new PutSecretValueCommand({ SecretId: 'prod/orders-db', SecretString: '{"p":"v2"}' }));
    await harness.cloud.secretsManager.control.settled();

    // Assess
    expect(harness.cloud.secretsManager.control.deliveryErrors()).toEqual([]);
    for (const key of ORDERS_DB_CONNECTORS) {
      expect(restarts(key)).toBe((before[key] ?? 0) + 1);
      const connector = harness.cloud.confluent.control.connector(key);
      expect(connector.state).toBe('RUNNING');
      expect(connector.heldVersions[SEED_SECRETS.ordersDb]).toBe(put.VersionId);
    }
    expect(restarts(PAUSED)).toBe(0);
    const events = harness.stack.eventBridge.control.events();
    const succeeded = events.filter((event) => event.detailType === 'Connector Reload Succeeded');
    expect(succeeded.map((event) => event.detail.connector).sort()).toEqual(ORDERS_DB_CONNECTORS);
    expect(succeeded[0]).toMatchObject({
      source: 'connector-reloader',
      eventBusName: 'default',
      detail: { secret: SEED_SECRETS.ordersDb, version: put.VersionId, result: 'restarted', method: 'restart' },
    });
    expect(events.find((event) => event.detail.connector === PAUSED)).toMatchObject({
      detailType: 'Connector Reload Skipped',
      detail: { result: 'skipped', reason: 'paused' },
    });
    const emf = output.lines().filter((line) => '_aws' in line);
    expect(emf.some((line) => line.ReloadsSucceeded === 3 && line.ReloadsIssued === 3)).toBe(true);
    expect(emf.some((line) => line.Reason === 'paused' && line.ReloadsSkipped === 1)).toBe(true);
  });

  it('answers a redelivered event from the idempotency record, restarting nothing', async () => {
    // Prepare
    const [first] = harness.cloud.secretsManager.control.events();
    const before = ORDERS_DB_CONNECTORS.map(restarts);
    const published = harness.stack.eventBridge.control.events().length;

    // Act
    const result = (await harness.deliver(first)) as { results: { kind: string; handledBy: string }[] };

    // Assess
    expect(ORDERS_DB_CONNECTORS.map(restarts)).toEqual(before);
    expect(result.results).toEqual([expect.objectContaining({ kind: 'reloaded', restarted: 3, skipped: 1 })]);
    expect(harness.stack.eventBridge.control.events()).toHaveLength(published);
    expect(output.lines().some((line) => line.message === 'duplicate delivery: this version was already handled')).toBe(
      true,
    );
  });

  it('ignores an AWSPENDING-only CloudTrail write with the reason logged, and returns normally', async () => {
    // Prepare
    const event = JSON.parse(
      readFileSync(path.resolve(__dirname, '../../events/aws/cloudtrail-put-secret-value-awspending.json'), 'utf8'),
    );
    const requests = harness.cloud.confluent.control.requestCount();

    // Act
    const result = (await harness.handler(event, lambdaContext())) as { results: { kind: string }[] };

    // Assess
    expect(result.results).toEqual([expect.objectContaining({ kind: 'ignored' })]);
    expect(harness.cloud.confluent.control.requestCount()).toBe(requests);
    expect(output.lines().some((line) => line.message === 'event ignored' && typeof line.reason === 'string')).toBe(
      true,
    );
  });

  it('keeps the restarts when EventBridge refuses the outcome events, logs what they carried and counts them', async () => {
    // Prepare
    const before = ORDERS_DB_CONNECTORS.map(restarts);
    harness.stack.eventBridge.control.failNextEntries(1_000);

    // Act
    try {
      await sdk.send(new PutSecretValueCommand({ SecretId: 'prod/orders-db', SecretString: '{"p":"v3"}' }));
      await harness.cloud.secretsManager.control.settled();
    } finally {
      harness.stack.eventBridge.control.failNextEntries(0);
    }

    // Assess
    expect(harness.cloud.secretsManager.control.deliveryErrors()).toEqual([]);
    expect(ORDERS_DB_CONNECTORS.map(restarts)).toEqual(before.map((count) => count + 1));
    const failure = output.lines().find((line) => line.message === 'outcome delivery failed');
    expect(failure).toMatchObject({
      level: 'ERROR',
      sink: 'EventBridge',
      outcome: 'rotation',
      secret: SEED_SECRETS.ordersDb,
    });
    expect(failure?.outcomes).toContainEqual({ connector: ORDERS_DB_CONNECTORS[0], result: 'restarted' });
    expect(String(failure?.error)).toContain('InternalFailure');
    const emf = output.lines().filter((line) => '_aws' in line);
    expect(emf.some((line) => line.OutcomeNotificationsFailed === 1 && line.ReloadsSucceeded === 3)).toBe(true);
  });

  it('ignores a rotation of a secret it may not read (AccessDenied as AWS sends it) as RotationNotPermitted, no throw', async () => {
    // Prepare: another team's secret in the account, and the function's role allowed only the configured ones.
    const control = harness.cloud.secretsManager.control;
    control.seed('team-billing/stripe-key', '{"k":"v1"}');
    const requests = harness.cloud.confluent.control.requestCount();
    control.setIdentityPolicy({
      principalArn: 'arn:aws:sts::123456789012:assumed-role/connector-reloader-ci-lambdaRole/onSecretRotated',
      actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
      resources: ['arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*'],
    });

    // Act: the rotation's label event reaches the handler (as an unnarrowed rule would deliver it), then again.
    let result: { results: { kind: string; reason?: string }[] };
    try {
      const versionId = control.rotate('team-billing/stripe-key', '{"k":"v2"}');
      await control.settled();
      const event = control.events().find((e) => e.detail.versionId === versionId);
      result = (await harness.deliver(event)) as typeof result;
    } finally {
      control.setIdentityPolicy(undefined);
    }

    // Assess
    expect(control.deliveryErrors()).toEqual([]);
    const [denied] = control.operations().filter((o) => o.errorType === 'AccessDeniedException');
    expect(denied).toMatchObject({ operation: 'DescribeSecret', status: 400 });
    expect(result.results).toEqual([
      {
        kind: 'ignored',
        reason: expect.stringMatching(/^not permitted to read .*team-billing\/stripe-key.*AccessDeniedException/),
      },
    ]);
    expect(harness.cloud.confluent.control.requestCount()).toBe(requests);
    const emf = output.lines().filter((line) => '_aws' in line);
    expect(emf.some((line) => line.RotationNotPermitted === 1)).toBe(true);
    expect(emf.some((line) => typeof line.ReloadsFailed === 'number' && line.ReloadsFailed > 0)).toBe(false);
  });

  it('throws on a payload that is not an event, so Lambda retries it and it ends on the failure destination', async () => {
    // Act / Assess
    await expect(harness.handler([], lambdaContext())).rejects.toThrow('payload is an empty array');
  });
});
