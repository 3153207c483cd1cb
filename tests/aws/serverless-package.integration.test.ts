import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { packagedAwsBundles } from '#bench/lib/packaged-bundles';
import { MAX_RECEIVE_COUNT } from '#functions/aws/failure-queue';
import { MAX_DELAY_SECONDS, MAX_PENDING_ATTEMPTS } from '#functions/aws/rotation-retry-queue';
import { startAwsLambdaStack } from '#local/aws-lambda-stack';
import { envFileText } from '#local/env-file';
import { startLocalCloud } from '#local/local-cloud';
import { readBody, startLoopbackHttp } from '#local/loopback';
import { RECOVERY_METRICS } from '#observability/recovery-metrics';
import { zipEntry } from '#test-helpers/zip-entry';

/**
 * `serverless package` (osls + serverless-esbuild) runs offline with no AWS credentials, then the generated
 * CloudFormation template is checked for what the issue asks: rules and patterns, DLQ and retries, the on-failure
 * destination, IAM scoping, runtime and architecture, the bundled handler, alarms and the dashboard.
 */
const ROOT = path.resolve(__dirname, '../..');
const TEAM_ARN_PREFIX = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:team/';
type Resource = { Type: string; Properties: Record<string, unknown>; Condition?: string };
let resources: Record<string, Resource>;
let conditions: Record<string, unknown>;

beforeAll(() => {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  const params = [
    '--param',
    `secrets=prod/,stage/orders-db,${TEAM_ARN_PREFIX}*`,
    '--param',
    'alertWebhookSecret=ops/alert-url',
  ];
  execFileSync('npx', ['serverless', 'package', '--stage', 'ci', ...params], {
    cwd: ROOT,
    env,
    stdio: 'pipe',
    timeout: 120_000,
  });
  const template = JSON.parse(
    readFileSync(path.join(ROOT, '.serverless/cloudformation-template-update-stack.json'), 'utf8'),
  ) as { Resources: Record<string, Resource>; Conditions: Record<string, unknown> };
  resources = template.Resources;
  conditions = template.Conditions;
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
    // Narrowed to the `secrets` param: names on detail.name, ARNs on resources, either one matching.
    expect(native?.EventPattern).toEqual({
      source: ['aws.secretsmanager'],
      'detail-type': ['Secret Label Updated'],
      detail: { labelUpdated: ['AWSCURRENT'] },
      $or: [
        { detail: { name: [{ prefix: 'prod/' }, 'stage/orders-db'] } },
        { resources: [{ prefix: TEAM_ARN_PREFIX }] },
      ],
    });
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
      // The recovery metrics (shared/observability/recovery-metrics.ts) and halted rollouts.
      ...Object.values(RECOVERY_METRICS),
      'halted',
    ])
      expect(dashboard).toContain(metric);
    expect(alarms).toContain('ReloadsSkipped');
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
    // A message stays invisible while the function may still be working on it or retrying a throttled batch: AWS
    // advises at least six times the function's timeout for a Lambda event source.
    expect(recover?.Timeout).toBe(900);
    expect(queue?.VisibilityTimeout).toBeGreaterThanOrEqual(6 * (recover?.Timeout as number));
    expect(queue?.VisibilityTimeout).toBeLessThanOrEqual(43_200);
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
            // Coalescing waits on this queue too: off by default, with the table's cap.
            RESTART_COALESCE_SECONDS: '0',
            RESTART_COALESCE_MAX_SECONDS: '300',
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

describe('serverless.yml header', () => {
  it('documents only params that exist, and every param is one the configuration reads', () => {
    // Prepare
    const text = readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8');
    const environment = readFileSync(path.join(ROOT, 'serverless/environment.js'), 'utf8');
    const resourcesText = readFileSync(path.join(ROOT, 'serverless/resources.yml'), 'utf8');
    const header = text.slice(0, text.indexOf('\nservice:'));

    // Act
    const declared = Object.keys((parse(text) as { params: { default: Record<string, unknown> } }).params.default);
    const documented = [...header.matchAll(/--param "?([A-Za-z]+)=/g)].map((match) => match[1]);
    const optionalParams = environment.slice(environment.indexOf('const OPTIONAL_SETTING_PARAMS = {'));
    const read = new Set([
      ...[...environment.matchAll(/resolveVariable, '([A-Za-z]+)'\)/g)].map((match) => match[1]),
      // Settings read through OPTIONAL_SETTING_PARAMS: `VARIABLE: 'paramName'`, up to the map's end.
      ...[...optionalParams.slice(0, optionalParams.indexOf('};')).matchAll(/^ {2}[A-Z_]+: '([A-Za-z]+)',$/gm)].map(
        (match) => match[1],
      ),
      ...[...`${text}${resourcesText}`.matchAll(/\$\{param:([A-Za-z]+)\}/g)].map((match) => match[1]),
    ]);

    // Assess
    expect(documented.length).toBeGreaterThan(0);
    expect(documented.filter((name) => !declared.includes(name ?? ''))).toEqual([]);
    expect(declared.filter((name) => !read.has(name))).toEqual([]);
  });
});

/**
 * `serverless package` with the given params into a folder of its own; the CloudFormation resources it wrote. osls
 * empties the service's .serverless/ when it packages elsewhere, so the tests that read .serverless/ come first.
 */
function packageWith(params: readonly string[]): Record<string, Resource> {
  const out = mkdtempSync(path.join(tmpdir(), 'sls-params-'));
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  try {
    execFileSync(
      'npx',
      ['serverless', 'package', '--stage', 'ci', '--package', out, ...params.flatMap((p) => ['--param', p])],
      {
        cwd: ROOT,
        env,
        stdio: 'pipe',
        timeout: 120_000,
      },
    );
    return (
      JSON.parse(readFileSync(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
        Resources: Record<string, Resource>;
      }
    ).Resources;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** What `serverless package` printed when it refused the configuration. */
function packageFailure(params: readonly string[]): string {
  try {
    packageWith(params);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    return `${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`;
  }
  return '';
}

describe('what ships is what the bench reports', () => {
  it('packages each function minified with a linked source map, ≤ 500 KB, and the bench reads those very bytes', () => {
    // Prepare
    const extracted = mkdtempSync(path.join(tmpdir(), 'sls-bundles-'));
    try {
      // Act: the reader bench/cold-start.ts loads and weighs the handlers with.
      const bundles = packagedAwsBundles(path.join(ROOT, '.serverless'), extracted);

      // Assess
      expect(bundles.map((bundle) => bundle.name).sort()).toEqual(
        [
          'connectorFailureWebhook',
          'onSecretRotated',
          'recoverReportedFailures',
          'retryPendingRotations',
          'sweepFailedConnectors',
        ].sort(),
      );
      for (const bundle of bundles) {
        const zip = readFileSync(path.join(ROOT, `.serverless/${bundle.name}.zip`));
        const entry = path.relative(path.join(extracted, bundle.name), bundle.file).split(path.sep).join('/');
        const code = zipEntry(zip, entry);
        expect(readFileSync(bundle.file).equals(code)).toBe(true);
        expect(bundle.bytes).toBe(code.length);
        expect(bundle.bytes).toBeLessThanOrEqual(500 * 1024);
        // Minified: a few long lines, not tens of thousands of short ones.
        const lines = code.toString('utf8').split('\n');
        expect(lines.length).toBeLessThan(code.length / 500);
        expect(code.toString('utf8')).toMatch(new RegExp(`//# sourceMappingURL=${path.basename(entry)}\\.map\\s*$`));
        const map = JSON.parse(zipEntry(zip, `${entry}.map`).toString('utf8')) as {
          mappings: string;
          sourcesContent?: unknown;
        };
        expect(map.mappings.length).toBeGreaterThan(0);
        expect(map.sourcesContent).toBeUndefined();
        expect(bundle.nodeOptions).toBe('--enable-source-maps');
      }
    } finally {
      rmSync(extracted, { recursive: true, force: true });
    }
  });
});

describe('serverless deploy --stage local', () => {
  /** A stand-in for every AWS endpoint that records what reaches it and refuses it, as AWS refuses a fake key. */
  async function startAwsRecorder() {
    const requests: string[] = [];
    const server = await startLoopbackHttp(0, async (req, res) => {
      requests.push(`${req.method} ${await readBody(req)}`.slice(0, 200));
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end(
        '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>recorded</Message></Error></ErrorResponse>',
      );
    });
    return { requests, server };
  }

  async function sls(args: readonly string[], endpoint: string): Promise<{ code: number; output: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
    return promisify(execFile)('npx', ['serverless', ...args], {
      cwd: ROOT,
      env: {
        ...env,
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'local-stage-test',
        AWS_ENDPOINT_URL: endpoint,
        AWS_MAX_ATTEMPTS: '1',
        // A local cloud env file is there, as after `npm start`: the stage must still refuse to deploy.
        LOCAL_CLOUD_ENV_FILE: path.join(ROOT, 'tests/fixtures/README.md'),
      },
      timeout: 120_000,
    }).then(
      ({ stdout, stderr }) => ({ code: 0, output: `${stdout}${stderr}` }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({
        code: typeof error.code === 'number' ? error.code : 1,
        output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
      }),
    );
  }

  it('stops at once with a clear message, before any AWS call (another stage does reach AWS)', async () => {
    // Prepare
    const { requests, server } = await startAwsRecorder();
    try {
      const template = path.join(ROOT, '.serverless/cloudformation-template-update-stack.json');
      const packagedAt = statSync(template).mtimeMs;

      // Act
      const local = await sls(['deploy', '--stage', 'local'], server.url);
      const callsForLocal = requests.length;
      // A command that goes ahead without packaging (deploy would clean .serverless, which other tests read).
      const ci = await sls(['info', '--stage', 'ci'], server.url);

      // Assess
      expect(local.code).not.toBe(0);
      expect(local.output).toContain('the "local" stage is for `serverless invoke local` against `npm start` only');
      expect(local.output).toContain('not `serverless deploy`');
      expect(local.output).toContain('--stage dev');
      expect(callsForLocal).toBe(0);
      // Stopped while reading the configuration: nothing was packaged either.
      expect(statSync(template).mtimeMs).toBe(packagedAt);
      // The recorder does see AWS calls when the stage goes ahead, so 0 above means none was made.
      expect(ci.code).not.toBe(0);
      expect(requests.length).toBeGreaterThan(0);
      expect(requests[0]).toMatch(/Action=GetCallerIdentity|DescribeStacks/);
    } finally {
      await server.close();
    }
  }, 240_000);
});

describe('IAM for secrets as they are named and encrypted', () => {
  const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
  const ACCOUNT_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';
  type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

  it('grants kms:Decrypt on the configured key alone, only through Secrets Manager in the region', () => {
    // Act
    const packaged = packageWith([`secretsKmsKeyArn=${KEY}`]);
    const policy = packaged.SecretsKmsDecryptPolicy as Resource & { Condition: string };
    const { Statement } = (policy.Properties as { PolicyDocument: { Statement: Statement[] } }).PolicyDocument;

    // Assess
    expect(policy.Condition).toBe('HasSecretsKmsKey');
    expect(policy.Properties.Roles).toEqual([{ Ref: 'IamRoleLambdaExecution' }]);
    expect(Statement).toEqual([
      {
        Sid: 'DecryptSecretsWithTheirKey',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KEY,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's own substitution, quoted as text
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': 'secretsmanager.${AWS::Region}.amazonaws.com' } } },
      },
    ]);
  });

  it('creates no KMS grant without a key (the condition is false), and refuses an alias in place of a key ARN', async () => {
    // Act
    const failure = packageFailure(['secretsKmsKeyArn=arn:aws:kms:us-east-1:123456789012:alias/secrets']);

    // Assess
    expect(conditions.HasSecretsKmsKey).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(resources.SecretsKmsDecryptPolicy?.Condition).toBe('HasSecretsKmsKey');
    expect(failure).toMatch(
      /param secretsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:alias\/secrets" is not a KMS key ARN/,
    );
  });

  it('gives a partial secret ARN the suffix wildcard IAM needs, and keeps complete ARNs and prefixes as given', () => {
    // Act
    const packaged = packageWith([
      `secrets=${ACCOUNT_ARN}stage/orders-db,${ACCOUNT_ARN}prod/billing-AbC123,${ACCOUNT_ARN}team/*`,
      `webhookTokenSecret=${ACCOUNT_ARN}ops/webhook-token`,
    ]);
    const statements = (
      packaged.IamRoleLambdaExecution?.Properties as
        | { Policies: { PolicyDocument: { Statement: Statement[] } }[] }
        | undefined
    )?.Policies.flatMap((policy) => policy.PolicyDocument.Statement);
    const resourcesOf = (sid: string) => [statements?.find((s) => s.Sid === sid)?.Resource].flat();

    // Assess
    expect(resourcesOf('ReadRotatedSecretsAndOwnCredentials')).toEqual(
      expect.arrayContaining([
        `${ACCOUNT_ARN}stage/orders-db-??????`,
        `${ACCOUNT_ARN}prod/billing-AbC123`,
        `${ACCOUNT_ARN}team/*`,
      ]),
    );
    expect(resourcesOf('ReadWebhookTokenAndAlertUrl')).toEqual([`${ACCOUNT_ARN}ops/webhook-token-??????`]);
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
