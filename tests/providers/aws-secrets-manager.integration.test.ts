import {
  CreateSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { parseSecretRef } from '#core/secret-ref';
import {
  type SecretLabelUpdatedEvent,
  type SecretsManagerEmulator,
  startSecretsManagerEmulator,
} from '#local/secrets-manager-emulator/index';
import {
  AwsSecretsManager,
  type SecretsManagerClientFactory,
  secretsManagerClientFactory,
} from '#providers/aws-secrets-manager';
import { SecretAccessDeniedError, SecretNotFoundError, SecretProviderError } from '#providers/secret-provider-errors';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-only' };
/** A value that must never show up outside GetSecretValue responses. */
const CANARY = 'canary-Zq9!value-7f3e0c1d';

let emulator: SecretsManagerEmulator;
const delivered: SecretLabelUpdatedEvent[] = [];
const clients: SecretsManagerClient[] = [];
const providers: AwsSecretsManager[] = [];
let nameCounter = 0;

beforeAll(async () => {
  emulator = await startSecretsManagerEmulator({
    onLabelUpdated: (event) => {
      delivered.push(event);
    },
  });
});

afterAll(async () => {
  for (const provider of providers) provider.destroy();
  for (const client of clients) client.destroy();
  await emulator.close();
});

/** A raw SDK client, for what the reloader itself never does (writing values, moving labels). */
function sdk(region = REGION, maxAttempts = 3): SecretsManagerClient {
  const client = new SecretsManagerClient({ region, endpoint: emulator.url, credentials: CREDENTIALS, maxAttempts });
  clients.push(client);
  return client;
}

function provider(options: { maxAttempts?: number; factory?: SecretsManagerClientFactory } = {}): {
  source: AwsSecretsManager;
  regions: string[];
} {
  const regions: string[] = [];
  const factory =
    options.factory ??
    secretsManagerClientFactory({
      endpoint: emulator.url,
      credentials: CREDENTIALS,
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    });
  const source = new AwsSecretsManager({
    defaultRegion: REGION,
    clientFactory: (region) => {
      regions.push(region);
      return factory(region);
    },
  });
  providers.push(source);
  return { source, regions };
}

function uniqueName(stem: string): string {
  nameCounter += 1;
  return `test/${stem}-${nameCounter}`;
}

function currentVersionOf(client: SecretsManagerClient, secretId: string): Promise<string | undefined> {
  return client.send(new GetSecretValueCommand({ SecretId: secretId })).then((response) => response.VersionId);
}

function eventsFor(name: string): SecretLabelUpdatedEvent[] {
  return delivered.filter((event) => event.detail.name === name);
}

describe('describe', () => {
  it('gives the full ARN, the current and pending versions and the tags', async () => {
    // Prepare
    const name = uniqueName('describe');
    const arn = emulator.control.seed(name, 'v1', { 'connector-reloader:connectors': 'env-1/lkc-1/orders' });
    const client = sdk();
    const current = await currentVersionOf(client, arn);
    const pending = await client.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', VersionStages: ['AWSPENDING'] }),
    );
    const { source } = provider();

    // Act
    const snapshot = await source.describe(parseSecretRef(name, { region: REGION }));

    // Assess
    expect(snapshot.secret).toEqual(parseSecretRef(arn));
    expect(snapshot.secret).toMatchObject({ provider: 'aws', name, region: REGION, accountId: ACCOUNT });
    expect(arn).toMatch(new RegExp(`^arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-[A-Za-z0-9]{6}$`));
    expect(snapshot.currentVersion).toBe(current);
    expect(snapshot.pendingVersions).toEqual([pending.VersionId]);
    expect(snapshot.tags).toEqual({ 'connector-reloader:connectors': 'env-1/lkc-1/orders' });
    expect(snapshot.currentSince).toBeUndefined();
  });

  it('resolves a partial ARN and a full ARN to the same secret', async () => {
    // Prepare
    const name = uniqueName('partial');
    const arn = emulator.control.seed(name, 'v1');
    const { source } = provider();
    const partial = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}`;

    // Act
    const byPartial = await source.describe({ provider: 'aws', name, region: REGION, accountId: ACCOUNT });
    const byFull = await source.describe(parseSecretRef(arn));

    // Assess
    expect(byPartial.secret).toEqual(byFull.secret);
    expect(byPartial.currentVersion).toBe(byFull.currentVersion);
    const describes = emulator.control.operations().filter((op) => op.operation === 'DescribeSecret');
    expect(describes.slice(-2).map((op) => op.params.SecretId)).toEqual([partial, arn]);
  });

  it('gives empty tags and no pending versions for a plain secret', async () => {
    // Prepare
    const arn = emulator.control.seed(uniqueName('plain'), 'v1');
    const { source } = provider();

    // Act
    const snapshot = await source.describe(parseSecretRef(arn));

    // Assess
    expect(snapshot.tags).toEqual({});
    expect(snapshot.pendingVersions).toEqual([]);
    expect(snapshot.currentVersion).toEqual(expect.any(String));
  });

  it('serves several regions from one instance, one cached client per region', async () => {
    // Prepare
    const name = uniqueName('regional');
    const east = emulator.control.seed(name, 'east', { site: 'east' });
    const west = emulator.control.seed(name, 'west', { site: 'west' }, { region: 'eu-west-1' });
    const { source, regions } = provider();

    // Act
    const eastSnapshot = await source.describe(parseSecretRef(east));
    const westSnapshot = await source.describe(parseSecretRef(west));
    await source.describe(parseSecretRef(west));

    // Assess
    expect(eastSnapshot.tags).toEqual({ site: 'east' });
    expect(westSnapshot.tags).toEqual({ site: 'west' });
    expect(westSnapshot.secret).toMatchObject({ region: 'eu-west-1', name });
    expect(regions).toEqual([REGION, 'eu-west-1']);
  });
});

describe('staging labels', () => {
  it('leaves AWSCURRENT alone when a value is put as AWSPENDING', async () => {
    // Prepare
    const name = uniqueName('pending');
    const arn = emulator.control.seed(name, 'old-value');
    const client = sdk();
    const before = await currentVersionOf(client, arn);

    // Act
    await client.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'new-value', VersionStages: ['AWSPENDING'] }),
    );
    await emulator.control.settled();

    // Assess
    const current = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(current.VersionId).toBe(before);
    expect(current.SecretString).toBe('old-value');
    const pending = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPENDING' }));
    expect(pending.SecretString).toBe('new-value');
    expect(eventsFor(name)).toEqual([]);
  });

  it('gives AWSPREVIOUS to the old current version and drops versions left without labels', async () => {
    // Prepare
    const name = uniqueName('previous');
    const arn = emulator.control.seed(name, 'v1');
    const client = sdk();
    const v1 = await currentVersionOf(client, arn);
    const { source } = provider();
    const listStages = async () =>
      (await client.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: [name] }] }))).SecretList?.[0]
        ?.SecretVersionsToStages;

    // Act
    const v2 = (await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2' }))).VersionId;
    const afterSecond = await listStages();
    const v3 = (await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v3' }))).VersionId;
    const afterThird = await listStages();

    // Assess
    expect(afterSecond).toEqual({
      [v1 as string]: ['AWSPREVIOUS'],
      [v2 as string]: ['AWSCURRENT'],
    });
    const snapshot = await source.describe(parseSecretRef(arn));
    expect(snapshot.currentVersion).toBe(v3);
    expect(afterThird).toEqual({
      [v2 as string]: ['AWSPREVIOUS'],
      [v3 as string]: ['AWSCURRENT'],
    });
    // A version without labels is deprecated, not deleted: still readable by id.
    const old = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionId: v1 }));
    expect(old.VersionStages).toEqual([]);
  });

  it('moves AWSCURRENT like a rotation Lambda and refuses a move that does not name the current holder', async () => {
    // Prepare
    const arn = emulator.control.seed(uniqueName('rotation'), 'v1');
    const client = sdk();
    const { source } = provider();
    const v1 = (await source.describe(parseSecretRef(arn))).currentVersion as string;
    const token = '4b1d2c6e-0f3a-4e5b-9c7d-aaaaaaaaaaaa';
    await client.send(
      new PutSecretValueCommand({
        SecretId: arn,
        ClientRequestToken: token,
        SecretString: 'v2',
        VersionStages: ['AWSPENDING'],
      }),
    );

    // Act
    const refused = client.send(
      new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSCURRENT', MoveToVersionId: token }),
    );
    await expect(refused).rejects.toMatchObject({ name: 'InvalidParameterException' });
    const midRotation = await source.describe(parseSecretRef(arn));
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: arn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: token,
        RemoveFromVersionId: v1,
      }),
    );
    const afterMove = await source.describe(parseSecretRef(arn));
    await client.send(
      new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'AWSPENDING', RemoveFromVersionId: token }),
    );
    const finished = await source.describe(parseSecretRef(arn));

    // Assess
    expect(midRotation).toMatchObject({ currentVersion: v1, pendingVersions: [token] });
    // Pending and current on the same version is not a rotation in progress.
    expect(afterMove).toMatchObject({ currentVersion: token, pendingVersions: [] });
    expect(finished).toMatchObject({ currentVersion: token, pendingVersions: [] });
    const previous = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: 'AWSPREVIOUS' }));
    expect(previous.VersionId).toBe(v1);
  });

  it('merges tags added with TagResource', async () => {
    // Prepare
    const arn = emulator.control.seed(uniqueName('tags'), 'v1', { team: 'data' });
    const { source } = provider();

    // Act
    await sdk().send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: 'connectors', Value: 'a,b' }] }));

    // Assess
    expect((await source.describe(parseSecretRef(arn))).tags).toEqual({ team: 'data', connectors: 'a,b' });
  });
});

describe('Secret Label Updated events', () => {
  it('publishes the native event once AWSCURRENT moves, and nothing for AWSPENDING or AWSPREVIOUS', async () => {
    // Prepare
    const name = uniqueName('events');
    const arn = emulator.control.seed(name, 'v1');
    const client = sdk();
    const v1 = await currentVersionOf(client, arn);
    const put = await client.send(
      new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2', VersionStages: ['AWSPENDING'] }),
    );
    await emulator.control.settled();
    const beforeMove = eventsFor(name).length;

    // Act
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: arn,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: put.VersionId,
        RemoveFromVersionId: v1,
      }),
    );
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: arn,
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: put.VersionId,
      }),
    );
    await emulator.control.settled();

    // Assess
    expect(beforeMove).toBe(0);
    const events = eventsFor(name);
    expect(events).toEqual([
      {
        version: '0',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        'detail-type': 'Secret Label Updated',
        source: 'aws.secretsmanager',
        account: ACCOUNT,
        time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
        region: REGION,
        resources: [arn],
        detail: { name, labelUpdated: 'AWSCURRENT', versionId: put.VersionId },
      },
    ]);
    // Exactly the keys of the AWS docs sample (event-samples/aws-secret-label-updated.json), in its order.
    const [event] = events;
    expect(Object.keys(event ?? {})).toEqual([
      'version',
      'id',
      'detail-type',
      'source',
      'account',
      'time',
      'region',
      'resources',
      'detail',
    ]);
    expect(Object.keys(event?.detail ?? {})).toEqual(['name', 'labelUpdated', 'versionId']);
  });

  it('publishes for a plain PutSecretValue, for the control rotation, and for custom labels as AWS does', async () => {
    // Prepare
    const name = uniqueName('more-events');
    const arn = emulator.control.seed(name, 'v1');
    const client = sdk();

    // Act
    const put = await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'v2' }));
    const rotated = emulator.control.rotate(arn, 'v3');
    await client.send(
      new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: 'BLUE', MoveToVersionId: put.VersionId }),
    );
    await emulator.control.settled();

    // Assess
    expect(eventsFor(name).map((event) => [event.detail.labelUpdated, event.detail.versionId])).toEqual([
      ['AWSCURRENT', put.VersionId],
      ['AWSCURRENT', rotated],
      ['BLUE', put.VersionId],
    ]);
    expect(emulator.control.events().filter((event) => event.detail.name === name)).toHaveLength(3);
  });

  it('publishes when CreateSecret attaches AWSCURRENT to the first version, but not for seeding', async () => {
    // Prepare
    const seeded = uniqueName('seeded');
    const created = uniqueName('created');
    emulator.control.seed(seeded, 'v1');

    // Act
    const response = await sdk().send(new CreateSecretCommand({ Name: created, SecretString: 'v1' }));
    await emulator.control.settled();

    // Assess
    expect(eventsFor(seeded)).toEqual([]);
    expect(eventsFor(created).map((event) => event.detail)).toEqual([
      { name: created, labelUpdated: 'AWSCURRENT', versionId: response.VersionId },
    ]);
  });
});

describe('readSecretValue', () => {
  it('reads the AWSCURRENT string value', async () => {
    // Prepare
    const arn = emulator.control.seed(uniqueName('read'), '{"apiKey":"K","apiSecret":"S-123456"}');
    const { source } = provider();

    // Act
    const value = await source.readSecretValue(parseSecretRef(arn));

    // Assess
    expect(value).toBe('{"apiKey":"K","apiSecret":"S-123456"}');
  });
});

describe('errors', () => {
  it('maps a missing secret to SecretNotFoundError naming the secret and the AWS code', async () => {
    // Prepare
    const { source } = provider();
    const ref = parseSecretRef('test/does-not-exist', { region: REGION, accountId: ACCOUNT });

    // Act
    const describing = source.describe(ref);
    const reading = source.readSecretValue(ref);

    // Assess
    await expect(describing).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(describing).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
      operation: 'DescribeSecret',
      httpStatus: 400,
      message: expect.stringContaining('test/does-not-exist'),
    });
    await expect(reading).rejects.toBeInstanceOf(SecretNotFoundError);
  });

  it('does not find a secret through a client of another region', async () => {
    // Prepare
    const name = uniqueName('elsewhere');
    const arn = emulator.control.seed(name, 'v1', {}, { region: 'eu-central-1' });
    const { source } = provider();

    // Act
    const byNameInDefaultRegion = source.describe(parseSecretRef(name));

    // Assess
    await expect(byNameInDefaultRegion).rejects.toBeInstanceOf(SecretNotFoundError);
    await expect(source.describe(parseSecretRef(arn))).resolves.toMatchObject({ secret: parseSecretRef(arn) });
  });

  it('lets the SDK retry a throttled call', async () => {
    // Prepare
    const arn = emulator.control.seed(uniqueName('throttled-once'), 'v1');
    const { source } = provider({ maxAttempts: 3 });
    emulator.control.resetOperations();
    emulator.control.setThrottle(1);

    // Act
    const snapshot = await source.describe(parseSecretRef(arn));

    // Assess
    expect(snapshot.currentVersion).toEqual(expect.any(String));
    expect(emulator.control.requestCount('DescribeSecret')).toBe(2);
    expect(emulator.control.operations().map((op) => op.errorType)).toEqual(['ThrottlingException', undefined]);
  });

  it('maps throttling that outlasts the retries to SecretProviderError with the AWS code', async () => {
    // Prepare
    const arn = emulator.control.seed(uniqueName('throttled'), 'v1');
    const { source } = provider({ maxAttempts: 2 });
    emulator.control.setThrottle(2);

    // Act
    const describing = source.describe(parseSecretRef(arn));

    // Assess
    await expect(describing).rejects.toBeInstanceOf(SecretProviderError);
    await expect(describing).rejects.not.toBeInstanceOf(SecretNotFoundError);
    await expect(describing).rejects.not.toBeInstanceOf(SecretAccessDeniedError);
    await expect(describing).rejects.toMatchObject({
      code: 'ThrottlingException',
      message: expect.stringMatching(/DescribeSecret of secret arn:aws:secretsmanager:.*ThrottlingException/),
    });
  });

  it('maps an unreachable endpoint to SecretProviderError with the network code', async () => {
    // Prepare
    const closed = await startSecretsManagerEmulator();
    const url = closed.url;
    await closed.close();
    const { source } = provider({
      factory: (region) =>
        new SecretsManagerClient({ region, endpoint: url, credentials: CREDENTIALS, maxAttempts: 1 }),
    });

    // Act
    const describing = source.describe(parseSecretRef('test/anything', { region: REGION }));

    // Assess
    await expect(describing).rejects.toMatchObject({ name: 'SecretProviderError', code: 'ECONNREFUSED' });
  });
});

describe('secret hygiene', () => {
  it('never puts a value into thrown errors or the emulator operation log', async () => {
    // Prepare
    const name = uniqueName('canary');
    const arn = emulator.control.seed(name, CANARY);
    const client = sdk();
    const { source } = provider({ maxAttempts: 1 });
    const token = 'c0ffee00-1111-4222-8333-444444444444';
    const errors: unknown[] = [];
    const capture = (promise: Promise<unknown>) => promise.catch((error: unknown) => errors.push(error));

    // Act
    await source.readSecretValue(parseSecretRef(arn));
    await client.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: CANARY }));
    await capture(
      client.send(
        new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: `${CANARY}-changed` }),
      ),
    );
    await capture(client.send(new CreateSecretCommand({ Name: name, SecretString: CANARY })));
    await capture(source.readSecretValue(parseSecretRef(`${name}-missing`, { region: REGION })));
    emulator.control.setThrottle(1);
    await capture(source.readSecretValue(parseSecretRef(arn)));

    // Assess
    expect(errors).toHaveLength(4);
    for (const error of errors) {
      const text = `${String(error)} ${JSON.stringify(error)} ${(error as Error).stack ?? ''}`;
      expect(text).not.toContain(CANARY);
    }
    const log = JSON.stringify(emulator.control.operations());
    expect(log).toContain(arn);
    expect(log).not.toContain(CANARY);
    expect(JSON.stringify(emulator.control.events())).not.toContain(CANARY);
  });
});
