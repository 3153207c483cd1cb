import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { BusEvent } from '#local/eventbridge-emulator';
import { type LambdaHandler, lambdaContext } from '#local/lambda-invoker';
import type { SecretLabelUpdatedEvent } from '#local/secrets-manager-emulator/index';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';
import { recordFigure } from './figures';
import { scaled } from './scale';
import { acceptedRestarts } from './support/confluent-log';
import { type DeadLettered, type Delivered, deliverWithRetries, inPool } from './support/delivery';
import { type ReliabilityStack, startReliabilityStack } from './support/reliability-stack';

/**
 * Scenario: 50 unrelated rotations in the account (RDS managed rotation, other teams' secrets) beside the configured
 * ones. The bus runs the Secret Label Updated rule with the pattern serverless/environment.js derives from the
 * `secrets` param, delivering each match twice (the second copy late); the function's role is the IAM statement the
 * same file derives, enforced by the local Secrets Manager. Lambda's async retries (2) end on the failed-invocations
 * queue. Then the unrelated events reach the function anyway (an unnarrowed or CloudTrail rule would deliver them):
 * each must end ignored as RotationNotPermitted. Either way: 0 dead-letter entries and 0 alarms, evaluated from the
 * alarms serverless/resources.yml declares.
 */
const UNRELATED = 50;
const RELATED = scaled(6, 2);
const SECRETS_PARAM = 'rel/';
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const SCENARIO = '50 unrelated rotations';

type Ending = Delivered<unknown> | DeadLettered;
type ServerlessFile = (context: { resolveVariable: (name: string) => Promise<unknown> }) => Promise<unknown>;
const deployConfig = require('../../serverless/environment.js') as Record<string, ServerlessFile>;

let stack: ReliabilityStack;
let output: ReturnType<typeof captureProcessOutput>;
let publish: ((event: SecretLabelUpdatedEvent) => void) | undefined;

/** The deployment's own params, as osls resolves them for this scenario. */
const params: Record<string, string> = {
  secrets: SECRETS_PARAM,
  confluentCredentialsSecret: 'connector-reloader/confluent-cloud',
  webhookTokenSecret: 'connector-reloader/webhook-token',
};
const resolveVariable = async (name: string) => params[name.replace(/^param:/, '')] ?? '';

const PSEUDO_PARAMETERS: Record<string, string> = { Partition: 'aws', Region: REGION, AccountId: ACCOUNT };

/** The IAM Resource entries with CloudFormation's pseudo parameters filled in. */
function resolved(resources: unknown): string[] {
  return (resources as (string | { 'Fn::Sub': string })[]).map((resource) =>
    (typeof resource === 'string' ? resource : resource['Fn::Sub']).replace(
      /\$\{AWS::(\w+)\}/g,
      (_, name: string) => PSEUDO_PARAMETERS[name] ?? name,
    ),
  );
}

beforeAll(async () => {
  output = captureProcessOutput();
  stack = await startReliabilityStack({ count: RELATED, onAwsLabelUpdated: (event) => publish?.(event) });
  // The function's role: the ReadRotatedSecretsAndOwnCredentials and ReadWebhookTokenAndAlertUrl statements.
  stack.secretsManager.control.setIdentityPolicy({
    principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/connector-reloader-rel-${REGION}-lambdaRole/connector-reloader-rel-onSecretRotated`,
    actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
    resources: [
      ...resolved(await deployConfig.secretResources?.({ resolveVariable })),
      ...resolved(await deployConfig.recoverySecretResources?.({ resolveVariable })),
    ],
  });
}, 60_000);

afterAll(async () => {
  output?.restore();
  await stack?.close();
});

/** Sums an EMF metric over every record the invocations printed. */
function emfSum(metric: string): number {
  return output
    .lines()
    .filter((line) => '_aws' in line)
    .flatMap((line) => [line[metric]].flat())
    .reduce<number>((sum, value) => sum + (typeof value === 'number' ? value : 0), 0);
}

/**
 * The stack's CloudWatch alarms, each evaluated on what the run produced: queue depths for the SQS alarms (the rule
 * DLQ: deliveries EventBridge gave up on; failed invocations: events Lambda's retries gave up on), EMF sums for the
 * ConnectorReloader ones, errors for Lambda's. Returns the alarms that would fire.
 */
function firingAlarms(depths: Record<string, number>, lambdaErrors: number): string[] {
  const template = parse(readFileSync(path.join(__dirname, '../../serverless/resources.yml'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  return Object.entries(template.Resources)
    .filter(([, resource]) => resource.Type === 'AWS::CloudWatch::Alarm')
    .filter(([name, { Properties: alarm }]) => {
      const threshold = Number(alarm.Threshold);
      const dimension = JSON.stringify(alarm.Dimensions);
      if (alarm.Namespace === 'AWS/SQS') {
        const queue = Object.keys(depths).find((queueName) => dimension.includes(`"${queueName}"`));
        if (!queue) throw new Error(`alarm ${name}: unknown queue in ${dimension}`);
        return (depths[queue] ?? 0) > threshold;
      }
      if (alarm.Namespace === 'ConnectorReloader') return emfSum(String(alarm.MetricName)) > threshold;
      if (alarm.Namespace === 'AWS/Lambda') return lambdaErrors > threshold;
      throw new Error(`alarm ${name}: namespace ${String(alarm.Namespace)} is not evaluated here`);
    })
    .map(([name]) => name);
}

function unrelatedName(i: number): string {
  // Managed rotations and other teams' secrets, some sharing the configured prefix's first letters.
  return [`rds-managed/cluster-${i}`, `team-billing/key-${i}`, `release/db-${i}`][i % 3] as string;
}

describe(`${SCENARIO} beside ${RELATED} configured ones (rule pattern and IAM from the deploy config)`, () => {
  let handler: LambdaHandler;
  const endings = new Map<string, Ending[]>();
  const unrelated: SecretLabelUpdatedEvent[] = [];
  const related: SecretLabelUpdatedEvent[] = [];

  it('through the rule: no unrelated event reaches the function; the configured ones reload once each', async () => {
    // Prepare
    handler = stack.loadAwsHandler();
    const pattern = (await deployConfig.secretLabelUpdatedPattern?.({ resolveVariable })) as Record<string, unknown>;
    stack.aws.eventBridge.control.putRule({
      name: 'connector-reloader-rel-onSecretRotated-rule-1',
      pattern,
      delaysMs: [0, 250],
      // Lambda's asynchronous invoke: 2 retries, then the failed-invocations queue with the error.
      target: async (event: BusEvent) => {
        const ending = await deliverWithRetries(() => handler(event, lambdaContext()), {
          attempts: 3,
          retryDelayMs: 50,
        });
        endings.set(event.id, [...(endings.get(event.id) ?? []), ending]);
      },
    });
    publish = (event) => stack.aws.eventBridge.control.publish(event as unknown as BusEvent);
    for (let i = 0; i < UNRELATED; i++) stack.secretsManager.control.seed(unrelatedName(i), `unrelated-${i}-v1`);
    stack.confluent.control.resetRequests();

    // Act
    for (let i = 0; i < UNRELATED; i++) {
      const versionId = stack.secretsManager.control.rotate(unrelatedName(i), `unrelated-${i}-v2`);
      const event = stack.secretsManager.control.events().find((e) => e.detail.versionId === versionId);
      if (event) unrelated.push(event);
    }
    for (let i = 0; i < RELATED; i++) related.push(await stack.rotateAws(i));
    await stack.secretsManager.control.settled();
    await stack.aws.eventBridge.control.settled();

    // Assess
    const delivered = stack.aws.eventBridge.control.ruleDeliveries();
    const unrelatedIds = new Set(unrelated.map((event) => event.id));
    expect(unrelated).toHaveLength(UNRELATED);
    expect(delivered.filter((delivery) => unrelatedIds.has(delivery.eventId))).toEqual([]);
    expect(delivered.filter((delivery) => delivery.outcome === 'delivered')).toHaveLength(RELATED * 2);
    const all = [...endings.values()].flat();
    const deadLetters = all.filter((ending) => ending.status === 'dead-letter');
    expect(deadLetters).toEqual([]);
    const restarts = acceptedRestarts(stack.confluent.control.requests());
    const affected = stack.generated.aws.slice(0, RELATED).flatMap((secret) => secret.connectors);
    expect(affected.filter((key) => restarts.get(key) !== 1)).toEqual([]);
    const firing = firingAlarms(
      {
        RuleDeadLetterQueue: delivered.filter((d) => d.outcome === 'failed').length,
        FailedInvocationsQueue: deadLetters.length,
        FailureDeadLetterQueue: 0,
        // No connector is locked here, so no rotation waits on the retry queue, let alone gives up in its DLQ.
        RotationRetryDeadLetterQueue: 0,
      },
      all.reduce((errors, ending) => errors + ending.attempts - (ending.status === 'ok' ? 1 : 0), 0),
    );
    expect(firing).toEqual([]);
    recordFigure(SCENARIO, 'through the rule: unrelated events delivered', 0);
    recordFigure(
      SCENARIO,
      'through the rule: configured rotations / deliveries (twice, late)',
      `${RELATED} / ${delivered.length}`,
    );
    recordFigure(
      SCENARIO,
      'through the rule: dead-letter entries / alarms',
      `${deadLetters.length} / ${firing.length}`,
    );
  }, 180_000);

  it('delivered anyway: each unrelated event ends ignored as RotationNotPermitted, never retried or dead-lettered', async () => {
    // Prepare
    const notPermittedBefore = emfSum('RotationNotPermitted');
    const requests = stack.confluent.control.requestCount();

    // Act
    const direct = await inPool(unrelated, 8, (event) =>
      deliverWithRetries(() => handler(structuredClone(event), lambdaContext()), { attempts: 3, retryDelayMs: 50 }),
    );

    // Assess
    expect(direct.filter((ending) => ending.status !== 'ok' || ending.attempts !== 1)).toEqual([]);
    const kinds = direct.flatMap(
      (ending) => (ending as Delivered<{ results: { kind: string; reason: string }[] }>).result.results,
    );
    expect(kinds.filter((result) => result.kind !== 'ignored' || !result.reason.startsWith('not permitted'))).toEqual(
      [],
    );
    expect(emfSum('RotationNotPermitted') - notPermittedBefore).toBe(UNRELATED);
    expect(stack.confluent.control.requestCount()).toBe(requests);
    const firing = firingAlarms(
      { RuleDeadLetterQueue: 0, FailedInvocationsQueue: 0, FailureDeadLetterQueue: 0, RotationRetryDeadLetterQueue: 0 },
      0,
    );
    expect(firing).toEqual([]);
    const denied = stack.secretsManager.control.operations().filter((o) => o.errorType === 'AccessDeniedException');
    recordFigure(SCENARIO, 'delivered anyway: ignored as RotationNotPermitted', `${kinds.length} / ${UNRELATED}`);
    recordFigure(
      SCENARIO,
      'delivered anyway: AccessDenied answers / retries / dead letters / alarms',
      `${denied.length} / 0 / 0 / ${firing.length}`,
    );
  }, 180_000);
});
