import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import fc from 'fast-check';
import { type AwsLambdaStack, startAwsLambdaStack } from '#local/aws-lambda-stack';
import { lambdaContext, loadRecoveryHandlers } from '#local/lambda-invoker';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { recordFigure } from './figures';
import { hostilePayload } from './hostile-payloads';
import { scaled } from './scale';

/**
 * Scenario 4 on AWS: generated hostile bodies, paths and encodings as API Gateway (HTTP API, payload 2.0) hands them
 * to the real connectorFailureWebhook Lambda. Each gets a status and a one-line message, nothing throws, no rejection
 * is left unhandled, memory stays bounded.
 */
const RUNS = scaled(10_000, 500);
const SCENARIO = 'hostile input';
const TOKEN = 'fuzz-aws-webhook-token-5b7e1c9d';

let cloud: LocalCloud;
let stack: AwsLambdaStack;
let webhook: ReturnType<typeof loadRecoveryHandlers>['connectorFailureWebhook'];
const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
const template = JSON.parse(
  readFileSync(path.join(__dirname, '../../events/aws/connector-failure-webhook.json'), 'utf8'),
) as APIGatewayProxyEventV2;

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  cloud = await startLocalCloud({ provisioningMs: 100 });
  stack = await startAwsLambdaStack({ secretsManager: cloud.secretsManager, webhookToken: TOKEN });
  Object.assign(process.env, cloud.env, stack.env, { LOG_LEVEL: 'error', POWERTOOLS_METRICS_DISABLED: 'true' });
  ({ connectorFailureWebhook: webhook } = loadRecoveryHandlers());
}, 60_000);

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await stack?.close();
  await cloud?.close();
});

describe(`${SCENARIO}: ${RUNS} generated requests to the AWS connectorFailureWebhook`, () => {
  it('answers every request with a status and a clear message, never a throw', async () => {
    // Prepare
    const statuses = new Map<number, number>();
    const body = fc.oneof(
      fc.string(),
      hostilePayload.map((payload) => JSON.stringify(payload) ?? 'null'),
    );
    const rawPath = fc.constantFrom(
      `/connector-failures/${TOKEN}`,
      '/connector-failures',
      '/connector-failures/x',
      '/connector-failures/%E0%A4%A',
    );
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;

    // Act
    await fc.assert(
      fc.asyncProperty(body, rawPath, fc.boolean(), async (text, routePath, base64) => {
        const event: APIGatewayProxyEventV2 = {
          ...template,
          rawPath: routePath,
          rawQueryString: '',
          body: base64 ? Buffer.from(text, 'utf8').toString('base64') : text,
          isBase64Encoded: base64,
        };
        const response = (await webhook(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
        // Assess
        const status = response.statusCode ?? 200;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect([202, 400, 401, 413]).toContain(status);
        const message = (JSON.parse(response.body ?? '{}') as { message?: string }).message ?? '';
        expect(message).toMatch(/^[a-z0-9 ]{3,120}$/i);
      }),
      { numRuns: RUNS },
    );
    gc?.();

    // Assess
    expect(rejections).toEqual([]);
    expect((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024).toBeLessThan(256);
    recordFigure(SCENARIO, 'AWS connectorFailureWebhook requests', RUNS);
    recordFigure(
      SCENARIO,
      'AWS connectorFailureWebhook statuses',
      [...statuses]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' '),
    );
  });
});
