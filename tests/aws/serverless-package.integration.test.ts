import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startAwsLambdaStack } from '../../local/aws-lambda-stack';
import { startLocalCloud } from '../../local/local-cloud';
import { zipEntry } from '../helpers/zip-entry';

/**
 * `serverless package` (osls + serverless-esbuild) runs offline with no AWS credentials, then the generated
 * CloudFormation template is checked for what the issue asks: rules and patterns, DLQ and retries, the on-failure
 * destination, IAM scoping, runtime and architecture, the bundled handler, alarms and the dashboard.
 */
const ROOT = path.resolve(__dirname, '../..');
type Resource = { Type: string; Properties: Record<string, unknown>; Condition?: string };
let resources: Record<string, Resource>;

beforeAll(() => {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  execFileSync('npx', ['serverless', 'package', '--stage', 'ci', '--param', 'secrets=prod/,stage/orders-db'], {
    cwd: ROOT,
    env,
    stdio: 'pipe',
    timeout: 120_000,
  });
  const template = JSON.parse(
    readFileSync(path.join(ROOT, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
  ) as { Resources: Record<string, Resource> };
  resources = template.Resources;
}, 150_000);

const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);

describe('the packaged CloudFormation template', () => {
  it('runs the bundled handler on nodejs22.x arm64, with retries and an SQS on-failure destination', () => {
    // Act
    const [[, fn] = []] = ofType('AWS::Lambda::Function');
    const [[, invokeConfig] = []] = ofType('AWS::Lambda::EventInvokeConfig');

    // Assess
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'functions/aws/on-secret-rotated.handler',
    });
    const zip = readFileSync(path.join(ROOT, '.serverless/onSecretRotated.zip')).toString('latin1');
    expect(zip).toContain('functions/aws/on-secret-rotated.js');
    expect(invokeConfig?.Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['FailedInvocationsQueue', 'Arn'] } } },
    });
  });

  it('leaves the AWS SDK to the nodejs22.x runtime: the handler requires it, the package does not carry it', () => {
    // Prepare
    const zip = readFileSync(path.join(ROOT, '.serverless/onSecretRotated.zip'));

    // Act
    const handler = zipEntry(zip, 'functions/aws/on-secret-rotated.js').toString('utf8');

    // Assess
    expect(handler).toContain('require("@aws-sdk/client-dynamodb")');
    expect(handler).not.toMatch(/node_modules\/(@aws-sdk|@smithy)\//);
    expect(zip.toString('latin1')).not.toContain('node_modules/@aws-sdk');
  });

  it('has the native rule enabled and the CloudTrail rules off by default, each with a DLQ and retry policy', () => {
    // Act
    const rules = ofType('AWS::Events::Rule').map(([, rule]) => rule.Properties);

    // Assess
    expect(rules).toHaveLength(3);
    const native = rules.find((rule) => JSON.stringify(rule.EventPattern).includes('Secret Label Updated'));
    expect(native).toMatchObject({
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.secretsmanager'],
        'detail-type': ['Secret Label Updated'],
        detail: { labelUpdated: ['AWSCURRENT'] },
      },
    });
    expect(native?.EventBusName).toBeUndefined();
    const cloudTrail = rules.filter((rule) => rule !== native);
    expect(
      cloudTrail.map((rule) => (rule.EventPattern as { detail: { eventName: string[] } }).detail.eventName),
    ).toEqual([['RotationSucceeded'], ['PutSecretValue', 'UpdateSecret', 'UpdateSecretVersionStage']]);
    expect(cloudTrail.every((rule) => rule.State === 'DISABLED')).toBe(true);
    for (const rule of rules) {
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['RuleDeadLetterQueue', 'Arn'] } },
          RetryPolicy: expect.objectContaining({ MaximumRetryAttempts: expect.any(Number) }),
        }),
      ]);
    }
    expect(resources.RuleDeadLetterQueuePolicy?.Properties).toMatchObject({
      PolicyDocument: { Statement: [expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' } })] },
    });
  });

  it('grants Secrets Manager reads only on the configured secrets, never *', () => {
    // Prepare
    const role = resources.IamRoleLambdaExecution?.Properties as {
      Policies: { PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] } }[];
    };
    const statements = role.Policies.flatMap((policy) => policy.PolicyDocument.Statement);

    // Act
    const secrets = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('secretsmanager:')));
    const resourcesText = JSON.stringify(secrets.map((s) => s.Resource));

    // Assess
    expect(secrets).toHaveLength(1);
    expect([secrets[0]?.Action].flat().sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(resourcesText).toContain(':secret:prod/*');
    expect(resourcesText).toContain(':secret:stage/orders-db-??????');
    expect(resourcesText).toContain(':secret:connector-reloader/confluent-cloud-??????');
    expect(resourcesText).not.toMatch(/"\*"|:secret:\*/);
    for (const statement of statements) expect(statement.Resource).not.toBe('*');
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'events:PutEvents']));
  });

  it('declares both tables with TTL, the alarms and the dashboard', () => {
    // Assess
    expect(resources.StateTable?.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    expect(resources.IdempotencyTable?.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
    });
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties.MetricName);
    expect(alarms).toEqual(
      expect.arrayContaining([
        'ApproximateNumberOfMessagesVisible',
        'ApproximateNumberOfMessagesVisible',
        'ReloadsFailed',
      ]),
    );
    const dashboard = JSON.stringify(resources.Dashboard?.Properties);
    for (const metric of [
      'ReloadsIssued',
      'ReloadsFailed',
      'EventToRestartLatency',
      'ApproximateNumberOfMessagesVisible',
    ])
      expect(dashboard).toContain(metric);
  });
});

describe('serverless invoke local --stage local', () => {
  it('runs the bundled handler on a sample event against the local cloud and reloads its connectors', async () => {
    // Prepare: the local cloud on free ports, its env file where the local stage reads it (npm start uses fixed ones).
    const cloud = await startLocalCloud();
    const stack = await startAwsLambdaStack();
    const dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-'));
    const envFile = path.join(dir, 'env');
    writeFileSync(
      envFile,
      Object.entries({ ...cloud.env, ...stack.env })
        .map(([key, value]) => `export ${key}=${value}`)
        .join('\n'),
    );
    try {
      // Act
      const { stdout } = await promisify(execFile)(
        'npx',
        [
          'serverless',
          'invoke',
          'local',
          '-f',
          'onSecretRotated',
          '-p',
          'events/aws/secret-label-updated.json',
          '--stage',
          'local',
        ],
        {
          cwd: ROOT,
          env: { ...process.env, LOCAL_CLOUD_ENV_FILE: envFile },
          timeout: 120_000,
        },
      ).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(`invoke local failed: ${error.stderr ?? ''}${error.stdout ?? ''}`);
      });

      // Assess
      expect(stdout).toContain('"kind": "reloaded"');
      expect(stdout).toContain('"restarted": 3');
      expect(cloud.confluent.control.connector('env-prod01/lkc-orders1/orders-cdc').restarts).toBe(1);
      expect(stack.eventBridge.control.events().map((event) => event.detailType)).toContain(
        'Connector Reload Succeeded',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await Promise.all([cloud.close(), stack.close()]);
    }
  }, 150_000);
});
