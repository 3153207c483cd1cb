import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { MAX_RECEIVE_COUNT } from '../../functions/aws/failure-queue';
import { MAX_DELAY_SECONDS, MAX_PENDING_ATTEMPTS } from '../../functions/aws/rotation-retry-queue';
import { startAwsLambdaStack } from '../../local/aws-lambda-stack';
import { envFileText } from '../../local/env-file';
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
  const params = ['--param', 'secrets=prod/,stage/orders-db', '--param', 'alertWebhookSecret=ops/alert-url'];
  execFileSync('npx', ['serverless', 'package', '--stage', 'ci', ...params], {
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
/** The event source mapping that reads `queue`. */
const mappingFrom = (queue: string) =>
  ofType('AWS::Lambda::EventSourceMapping').find(
    ([, mapping]) =>
      JSON.stringify(mapping.Properties.EventSourceArn) === JSON.stringify({ 'Fn::GetAtt': [queue, 'Arn'] }),
  ) ?? [];

describe('the packaged CloudFormation template', () => {
  it('runs the bundled handler on nodejs22.x arm64, with retries and an SQS on-failure destination', () => {
    // Act
    const fn = resources.OnSecretRotatedLambdaFunction;
    const invokeConfig = resources.OnSecretRotatedLambdaEvConf;

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
    const rules = ofType('AWS::Events::Rule')
      .map(([, rule]) => rule.Properties)
      .filter((rule) => rule.ScheduleExpression === undefined);

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
    const secrets = statements.filter((s) => [s.Action].flat().includes('secretsmanager:DescribeSecret'));
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

describe('failed-connector recovery in the template', () => {
  type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };
  const statements = () =>
    (
      resources.IamRoleLambdaExecution?.Properties as
        | { Policies: { PolicyDocument: { Statement: Statement[] } }[] }
        | undefined
    )?.Policies.flatMap((policy) => policy.PolicyDocument.Statement) ?? [];
  const actionsOf = (statement: Statement) => [statement.Action].flat();

  it('routes POST /connector-failures/{token} and ?token= to the webhook on an HTTP API, payload 2.0, no authorizer', () => {
    // Act
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);
    const integration = resources.HttpApiIntegrationConnectorFailureWebhook?.Properties;

    // Assess
    expect(routes.map((route) => route.RouteKey).sort()).toEqual([
      'POST /connector-failures',
      'POST /connector-failures/{token}',
    ]);
    for (const route of routes) expect(route.AuthorizationType ?? 'NONE').toBe('NONE');
    expect(integration).toMatchObject({
      PayloadFormatVersion: '2.0',
      IntegrationUri: { 'Fn::GetAtt': ['ConnectorFailureWebhookLambdaFunction', 'Arn'] },
    });
    expect(resources.ConnectorFailureWebhookLambdaFunction?.Properties).toMatchObject({
      Handler: 'functions/aws/connector-failure-webhook.handler',
      Timeout: 10,
    });
    const zip = readFileSync(path.join(ROOT, '.serverless/connectorFailureWebhook.zip'));
    expect(zipEntry(zip, 'functions/aws/connector-failure-webhook.js').length).toBeGreaterThan(0);
  });

  it('feeds the queue function from the failure queue with partial batch responses, and redrives to the DLQ', () => {
    // Act
    const [, mapping] = mappingFrom('FailureQueue');
    const queue = resources.FailureQueue?.Properties;
    const recover = resources.RecoverReportedFailuresLambdaFunction?.Properties;

    // Assess
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['FailureQueue', 'Arn'] },
      FunctionName: { 'Fn::GetAtt': ['RecoverReportedFailuresLambdaFunction', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
    });
    expect(queue).toMatchObject({
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': ['FailureDeadLetterQueue', 'Arn'] },
        maxReceiveCount: MAX_RECEIVE_COUNT,
      },
    });
    // A message must stay invisible while the function may still be working on it.
    expect(queue?.VisibilityTimeout).toBeGreaterThanOrEqual(recover?.Timeout as number);
    expect(resources.FailureDeadLetterQueue?.Type).toBe('AWS::SQS::Queue');
    const alarm = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::CloudWatch::Alarm' &&
        JSON.stringify(resource.Properties).includes('FailureDeadLetterQueue'),
    );
    expect(alarm?.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 });
    for (const name of ['ConnectorFailureWebhook', 'RecoverReportedFailures']) {
      expect(resources[`${name}LambdaFunction`]?.Properties).toMatchObject({
        Environment: {
          Variables: expect.objectContaining({
            FAILURE_QUEUE_URL: { Ref: 'FailureQueue' },
            FAILURE_DEAD_LETTER_QUEUE_URL: { Ref: 'FailureDeadLetterQueue' },
            WEBHOOK_TOKEN_SECRET: 'connector-reloader/webhook-token',
            ALERT_WEBHOOK_SECRET: 'ops/alert-url',
            MAX_AUTO_RESTARTS: '7',
          }),
        },
      });
    }
  });

  it('runs the sweep on a rate(5 minutes) schedule without async retries (the next run is the retry)', () => {
    // Act
    const schedules = ofType('AWS::Events::Rule').filter(([, rule]) => rule.Properties.ScheduleExpression);

    // Assess
    expect(schedules).toHaveLength(1);
    expect(schedules[0]?.[1].Properties).toMatchObject({
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': ['SweepFailedConnectorsLambdaFunction', 'Arn'] } })],
    });
    expect(resources.SweepFailedConnectorsLambdaEvConf?.Properties).toMatchObject({ MaximumRetryAttempts: 0 });
  });

  it('grants GetSecretValue on the token and alert secrets only, SQS sends and receives on its queues only', () => {
    // Act
    const all = statements();
    const own = all.find((statement) => statement.Sid === 'ReadWebhookTokenAndAlertUrl');
    const sqs = all.filter((statement) => actionsOf(statement).some((action) => action.startsWith('sqs:')));
    const targets = (action: string) =>
      sqs
        .filter((statement) => actionsOf(statement).includes(action))
        .flatMap((statement) => [statement.Resource].flat());

    // Assess
    expect(actionsOf(own as Statement)).toEqual(['secretsmanager:GetSecretValue']);
    const ownText = JSON.stringify(own?.Resource);
    expect(ownText).toContain(':secret:connector-reloader/webhook-token-??????');
    expect(ownText).toContain(':secret:ops/alert-url-??????');
    expect([own?.Resource].flat()).toHaveLength(2);
    expect(targets('sqs:SendMessage')).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': ['FailureQueue', 'Arn'] },
        { 'Fn::GetAtt': ['FailureDeadLetterQueue', 'Arn'] },
      ]),
    );
    for (const action of ['sqs:ReceiveMessage', 'sqs:DeleteMessage']) {
      expect(targets(action)).toEqual(
        expect.arrayContaining([
          { 'Fn::GetAtt': ['FailureQueue', 'Arn'] },
          { 'Fn::GetAtt': ['RotationRetryQueue', 'Arn'] },
        ]),
      );
      expect(targets(action)).toHaveLength(2);
    }
    const actions = all.flatMap(actionsOf);
    expect(actions.some((action) => action.endsWith(':*') || action === '*')).toBe(false);
    for (const statement of all) expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"|:secret:\*/);
  });

  it('stops the deployment on a sweepSchedule that is not rate(…) or cron(…)', () => {
    // Prepare
    const out = mkdtempSync(path.join(tmpdir(), 'sls-bad-schedule-'));
    const env = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];

    // Act
    let failure = '';
    try {
      execFileSync(
        'npx',
        ['serverless', 'package', '--stage', 'ci', '--package', out, '--param', 'sweepSchedule=every 5 minutes'],
        { cwd: ROOT, env, stdio: 'pipe', timeout: 120_000 },
      );
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
      failure = `${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }

    // Assess
    expect(failure).toMatch(/sweepSchedule: "every 5 minutes" is not rate\(…\) or cron\(…\)/);
  });
});

describe('the rotation retry queue in the template', () => {
  it('feeds retryPendingRotations one rotation at a time, hides a message for its timeout, and dead-letters with an alarm', () => {
    // Act
    const [, mapping] = mappingFrom('RotationRetryQueue');
    const queue = resources.RotationRetryQueue?.Properties;
    const retry = resources.RetryPendingRotationsLambdaFunction?.Properties;

    // Assess
    expect(retry).toMatchObject({ Handler: 'functions/aws/retry-pending-rotations.handler', Timeout: 900 });
    expect(mapping?.Properties).toMatchObject({
      FunctionName: { 'Fn::GetAtt': ['RetryPendingRotationsLambdaFunction', 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 1,
    });
    expect(queue).toMatchObject({
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': ['RotationRetryDeadLetterQueue', 'Arn'] },
        maxReceiveCount: MAX_RECEIVE_COUNT,
      },
    });
    // AWS advises at least six times the function's timeout for a Lambda event source.
    expect(queue?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (retry?.Timeout as number));
    // Kept longer than every try together: MAX_PENDING_ATTEMPTS delays of at most MAX_DELAY_SECONDS.
    expect(queue?.MessageRetentionPeriod).toBeGreaterThan(MAX_PENDING_ATTEMPTS * MAX_DELAY_SECONDS);
    const alarm = Object.values(resources).find(
      (resource) =>
        resource.Type === 'AWS::CloudWatch::Alarm' &&
        JSON.stringify(resource.Properties).includes('RotationRetryDeadLetterQueue'),
    );
    expect(alarm?.Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Threshold: 0 });
    for (const name of ['OnSecretRotated', 'RetryPendingRotations']) {
      expect(resources[`${name}LambdaFunction`]?.Properties).toMatchObject({
        Environment: {
          Variables: expect.objectContaining({
            ROTATION_RETRY_QUEUE_URL: { Ref: 'RotationRetryQueue' },
            ROTATION_RETRY_DEAD_LETTER_QUEUE_URL: { Ref: 'RotationRetryDeadLetterQueue' },
          }),
        },
      });
    }
  });

  it('lets the functions send to the retry queue and its dead-letter queue', () => {
    // Act
    const role = resources.IamRoleLambdaExecution?.Properties as
      | { Policies: { PolicyDocument: { Statement: { Sid?: string; Action: unknown; Resource: unknown }[] } }[] }
      | undefined;
    const statements = role?.Policies.flatMap((policy) => policy.PolicyDocument.Statement) ?? [];
    const retry = statements.find((statement) => statement.Sid === 'RetryPendingRotations');

    // Assess
    expect(retry).toMatchObject({
      Action: ['sqs:SendMessage'],
      Resource: [
        { 'Fn::GetAtt': ['RotationRetryQueue', 'Arn'] },
        { 'Fn::GetAtt': ['RotationRetryDeadLetterQueue', 'Arn'] },
      ],
    });
  });
});

describe('serverless invoke local --stage local', () => {
  it('runs the bundled handler on a sample event against the local cloud and reloads its connectors', async () => {
    // Prepare: the local cloud on free ports, its env file where the local stage reads it (npm start uses fixed ones).
    const cloud = await startLocalCloud();
    const stack = await startAwsLambdaStack();
    const dir = mkdtempSync(path.join(tmpdir(), 'local-cloud-'));
    const envFile = path.join(dir, 'env');
    writeFileSync(envFile, envFileText({ ...cloud.env, ...stack.env }));
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
