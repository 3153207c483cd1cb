import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretsManagerEmulator, startSecretsManagerEmulator } from '#local/secrets-manager-emulator/index';

const ROLE = 'arn:aws:sts::123456789012:assumed-role/reloader-role/onSecretRotated';
let emulator: SecretsManagerEmulator;
let client: SecretsManagerClient;
let writer: SecretsManagerClient;

beforeAll(async () => {
  emulator = await startSecretsManagerEmulator({
    identityPolicy: {
      accessKeyId: 'reloader',
      principalArn: ROLE,
      actions: ['secretsmanager:DescribeSecret'],
      resources: [
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*',
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:ops/exact-??????',
      ],
    },
  });
  emulator.control.seed('prod/orders-db', 'v1');
  emulator.control.seed('team-billing/stripe-key', 'v1');
  emulator.control.seed('ops/exact', 'v1');
  const client_ = (accessKeyId: string) =>
    new SecretsManagerClient({
      region: 'us-east-1',
      endpoint: emulator.url,
      credentials: { accessKeyId, secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  client = client_('reloader');
  writer = client_('someone-else');
});

afterAll(async () => {
  client.destroy();
  writer.destroy();
  await emulator.close();
});

describe('the local Secrets Manager under an identity policy (AccessDeniedException as AWS sends it)', () => {
  it('allows the granted action on the granted secrets, by name or ARN pattern', async () => {
    // Act
    const prod = await client.send(new DescribeSecretCommand({ SecretId: 'prod/orders-db' }));
    const exact = await client.send(new DescribeSecretCommand({ SecretId: 'ops/exact' }));

    // Assess
    expect(prod.Name).toBe('prod/orders-db');
    expect(exact.Name).toBe('ops/exact');
  });

  it('denies other secrets, missing ones and other actions with 400 AccessDeniedException naming principal, action and resource', async () => {
    // Act
    const other = await client
      .send(new DescribeSecretCommand({ SecretId: 'team-billing/stripe-key' }))
      .catch((e: unknown) => e);
    const missing = await client.send(new DescribeSecretCommand({ SecretId: 'nope/nothing' })).catch((e: unknown) => e);
    const read = await client.send(new GetSecretValueCommand({ SecretId: 'prod/orders-db' })).catch((e: unknown) => e);

    // Assess
    expect(other).toMatchObject({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } });
    expect((other as Error).message).toBe(
      `User: ${ROLE} is not authorized to perform: secretsmanager:DescribeSecret on resource: team-billing/stripe-key because no identity-based policy allows the secretsmanager:DescribeSecret action`,
    );
    expect(missing).toMatchObject({ name: 'AccessDeniedException' });
    expect((read as Error).message).toContain('perform: secretsmanager:GetSecretValue on resource: prod/orders-db');
  });

  it('leaves callers with other keys alone, and records the denial', async () => {
    // Act
    const value = await writer.send(new GetSecretValueCommand({ SecretId: 'team-billing/stripe-key' }));

    // Assess
    expect(value.SecretString).toBe('v1');
    expect(emulator.control.operations().filter((o) => o.errorType === 'AccessDeniedException').length).toBe(3);
  });
});
