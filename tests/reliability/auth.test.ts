import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HttpRequest, type HttpResponseInit } from '@azure/functions';
import { MAX_WEBHOOK_BODY_BYTES } from '#app/failure-webhook';
import { lambdaContext } from '#local/lambda-invoker';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';
import { recordFigure } from './figures';
import { CANARY_CONFLUENT_KEY, CANARY_CONFLUENT_SECRET, CANARY_WEBHOOK_TOKEN, leaks } from './support/canaries';
import { CREDENTIALS_SECRET_NAME, type ReliabilityStack, startReliabilityStack } from './support/reliability-stack';

jest.mock('@azure/functions-core', () => jest.requireActual('#local/functions-host').functionsCoreApi, {
  virtual: true,
});

/**
 * Scenario 6: the failure webhook refuses callers without the URL token (401, no detail) and oversized bodies (413),
 * comparing tokens in constant time; a Confluent 401 makes the function re-read its API key once from Secrets
 * Manager, then fail clearly, with no retry loop; a rotated key is picked up by that re-read.
 */
const SCENARIO = 'auth';
const NOTIFICATION = readFileSync(path.join(__dirname, '../../events/confluent/connector-failed-crn.json'), 'utf8');
/** The key Confluent accepts once rotated; the credentials secret still holds the old one at first. */
const ROTATED_KEY = { apiKey: `${CANARY_CONFLUENT_KEY}-2`, apiSecret: `${CANARY_CONFLUENT_SECRET}-rotated` };

let stack: ReliabilityStack;
let output: ReturnType<typeof captureProcessOutput>;
let webhook: (request: HttpRequest) => Promise<HttpResponseInit>;

beforeAll(async () => {
  output = captureProcessOutput();
  stack = await startReliabilityStack({ count: 2, confluentKey: ROTATED_KEY });
  const functions = stack.loadAzureFunctions();
  webhook = async (request) =>
    (await functions.connectorFailureWebhook(request, stack.context('connectorFailureWebhook'))) as HttpResponseInit;
}, 60_000);

afterAll(async () => {
  output?.restore();
  await stack?.close();
});

function post(pathAndQuery: string, body: string): HttpRequest {
  return new HttpRequest({
    method: 'POST',
    url: `https://reloader.azurewebsites.net/api/connector-failures${pathAndQuery}`,
    body: { string: body },
    headers: { 'content-type': 'application/json' },
  });
}

describe(`${SCENARIO}: the failure webhook (Azure connectorFailureWebhook, real HttpRequest)`, () => {
  it('answers 401 without detail when the token is missing or wrong, whatever the body', async () => {
    // Act
    const responses = await Promise.all([
      webhook(post('', NOTIFICATION)),
      webhook(post('/wrong-token', NOTIFICATION)),
      webhook(post(`/${CANARY_WEBHOOK_TOKEN.slice(0, -1)}`, NOTIFICATION)),
      webhook(post(`?token=${CANARY_WEBHOOK_TOKEN}x`, 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1))),
    ]);

    // Assess: the same answer every time, so a caller learns nothing, not even what was wrong.
    for (const response of responses) {
      expect(response).toMatchObject({ status: 401, jsonBody: { message: 'unauthorized' } });
    }
    recordFigure(SCENARIO, 'webhook without / with a wrong token', responses.map((r) => r.status).join(' '));
  });

  it('compares the token in constant time: fixed-length digests whatever the length presented', async () => {
    // Prepare (the unit test tests/app/failure-webhook.test.ts pins tokensMatch itself; this is through the function)
    const spy = jest.spyOn(crypto, 'timingSafeEqual');

    // Act
    await webhook(post('/a', NOTIFICATION));
    await webhook(post(`/${'b'.repeat(500)}`, NOTIFICATION));
    await webhook(post(`/${CANARY_WEBHOOK_TOKEN}`, NOTIFICATION));

    // Assess
    expect(spy.mock.calls).toHaveLength(3);
    for (const [a, b] of spy.mock.calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
    spy.mockRestore();
  });

  it('answers 413 for a body over 256 KB, 400 for one that is not JSON, 202 for a failure report', async () => {
    // Act
    const oversized = await webhook(post(`/${CANARY_WEBHOOK_TOKEN}`, 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1)));
    const notJson = await webhook(post(`/${CANARY_WEBHOOK_TOKEN}`, '{"connector":'));
    const accepted = await webhook(post(`?token=${CANARY_WEBHOOK_TOKEN}`, NOTIFICATION));

    // Assess
    expect(oversized).toMatchObject({ status: 413, jsonBody: { message: expect.stringContaining('larger than') } });
    expect(notJson).toMatchObject({ status: 400, jsonBody: { message: 'body is not JSON' } });
    expect(accepted.status).toBe(202);
    recordFigure(
      SCENARIO,
      'oversized / not JSON / valid',
      `${oversized.status} / ${notJson.status} / ${accepted.status}`,
    );
  });
});

describe(`${SCENARIO}: a Confluent 401 (Lambda handler, Secrets Manager credentials)`, () => {
  it('re-reads the key once, then fails with a clear error: exactly two 401s, no retry loop', async () => {
    // Prepare: Confluent accepts only the rotated key; the credentials secret still holds the old one.
    const handler = stack.loadAwsHandler();
    const event = await stack.rotateAws(1);
    stack.confluent.control.resetRequests();
    stack.secretsManager.control.resetOperations();

    // Act
    const error = await handler(event, lambdaContext()).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );

    // Assess
    const unauthorized = stack.confluent.control.requests().filter((request) => request.status === 401);
    expect(unauthorized).toHaveLength(2);
    expect(stack.secretsManager.control.operations().filter((o) => o.operation === 'GetSecretValue')).toHaveLength(2);
    expect(error?.name).toBe('ConfluentAuthError');
    expect(error?.message).toMatch(/401/);
    expect(`${error?.message}${error?.stack}`).not.toContain(CANARY_CONFLUENT_SECRET);
    recordFigure(SCENARIO, 'Confluent 401s for one invocation with a stale key', unauthorized.length);
    recordFigure(SCENARIO, 'error', error?.message.slice(0, 120) ?? '');
  });

  it('picks up a rotated key with that one re-read, and reloads', async () => {
    // Prepare: the key is rotated in Secrets Manager; the warm function still caches the old one.
    const handler = stack.loadAwsHandler();
    await handler(await stack.rotateAws(0), lambdaContext()).catch(() => undefined);
    stack.secretsManager.control.rotate(CREDENTIALS_SECRET_NAME, JSON.stringify(ROTATED_KEY));
    const event = await stack.rotateAws(0, 2);
    stack.confluent.control.resetRequests();

    // Act
    const result = (await handler(event, lambdaContext())) as { results: { restarted: number; failed: number }[] };

    // Assess
    expect(stack.confluent.control.requests().filter((request) => request.status === 401)).toHaveLength(1);
    expect(result.results).toEqual([expect.objectContaining({ restarted: 2, failed: 0 })]);
    recordFigure(SCENARIO, 'Confluent 401s before a rotated key is re-read', 1);
  });

  it('leaks neither key nor token into logs or state', async () => {
    // Prepare
    const sinks = {
      'Powertools logs (stdout/stderr)': output.text(),
      'InvocationContext logs': stack.invocationLogs.join('\n'),
      'state records': await stack.stateRecords(),
    };

    // Assess
    expect(leaks(sinks)).toEqual(Object.fromEntries(Object.keys(sinks).map((sink) => [sink, []])));
    expect(Object.values(sinks).join('')).not.toContain(ROTATED_KEY.apiSecret);
  });
});
