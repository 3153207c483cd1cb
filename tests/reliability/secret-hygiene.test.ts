import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EXIT, main } from '#cli/main';
import { lambdaContext } from '#local/lambda-invoker';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';
import { capturedOutput } from '#test-helpers/captured-output';
import { recordFigure } from './figures';
import { CANARY_CONFLUENT_SECRET, leaks } from './support/canaries';
import { awsSecretArn } from './support/generated-estate';
import { type ReliabilityStack, startReliabilityStack } from './support/reliability-stack';

/**
 * Scenario 5, the parts the other scenarios do not cover (each of them checks its own logs, outcome events, results
 * and state records for the canaries): the CLI's output and JSON logs, and an SDK error whose message echoes a
 * registered sensitive value. A loopback "Secrets Manager" in front of the emulator answers one DescribeSecret with
 * such a message; the handler's thrown error and its log lines must carry [REDACTED] instead.
 */
const SCENARIO = 'secret hygiene';
const ECHO_SECRET = 'rel/echo';

let stack: ReliabilityStack;
let output: ReturnType<typeof captureProcessOutput>;
let echoProxy: Server;
let echoUrl: string;

/** Forwards to the emulator, except DescribeSecret of ECHO_SECRET: a 400 whose message quotes the API secret. */
async function startEchoProxy(upstream: string): Promise<void> {
  echoProxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (req.headers['x-amz-target'] === 'secretsmanager.DescribeSecret' && body.includes(ECHO_SECRET)) {
        const payload = JSON.stringify({
          __type: 'ValidationException',
          message: `Invalid parameter: value ${CANARY_CONFLUENT_SECRET} is not allowed here`,
        });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(payload);
        return;
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !['host', 'content-length', 'connection'].includes(name)),
      ) as Record<string, string>;
      const answer = await fetch(`${upstream}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(await answer.text());
    });
  });
  await new Promise<void>((resolve) => echoProxy.listen(0, '127.0.0.1', resolve));
  echoUrl = `http://127.0.0.1:${(echoProxy.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  output = captureProcessOutput();
  stack = await startReliabilityStack({ count: 3 });
  await startEchoProxy(stack.secretsManager.url);
}, 60_000);

afterAll(async () => {
  output?.restore();
  echoProxy?.closeAllConnections();
  await new Promise((resolve) => echoProxy?.close(resolve));
  await stack?.close();
});

describe(`${SCENARIO}: SDK error messages are scrubbed`, () => {
  it('redacts a registered value that a Secrets Manager error echoes, in the thrown error and the logs', async () => {
    // Prepare: a warm function (its API secret read and registered), then an event for the echoing secret.
    const handler = stack.loadAwsHandler({ AWS_ENDPOINT_URL_SECRETS_MANAGER: echoUrl });
    await handler(await stack.rotateAws(0), lambdaContext());
    const echo = structuredClone(await stack.rotateAws(1)) as unknown as { resources: string[] };
    echo.resources = [awsSecretArn(1).replace('rel/db-1', ECHO_SECRET)];
    const before = output.text().length;

    // Act
    const error = await handler(echo, lambdaContext()).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );

    // Assess
    expect(error?.message).toContain('ValidationException');
    expect(error?.message).toContain('[REDACTED]');
    expect(`${error?.message}\n${error?.stack}`).not.toContain(CANARY_CONFLUENT_SECRET);
    expect(output.text().slice(before)).not.toContain(CANARY_CONFLUENT_SECRET);
    recordFigure(SCENARIO, 'SDK error echoing the API secret', error?.message.replace(/^.*\(/, '(').slice(0, 90) ?? '');
  });
});

describe(`${SCENARIO}: the CLI`, () => {
  it('prints no canary in status, plan and reload output or in its JSON logs', async () => {
    // Prepare
    Object.assign(process.env, stack.env, { LOG_LEVEL: 'debug', NO_COLOR: '1' });
    await stack.rotateAws(2);
    const runs = [
      ['status', '--json'],
      ['plan', '--secret', awsSecretArn(2)],
      ['reload', '--secret', awsSecretArn(2), '--yes', '--json'],
    ];
    const before = output.text().length;

    // Act
    const printed: string[] = [];
    const codes: number[] = [];
    for (const argv of runs) {
      const { output: cli, chunks } = capturedOutput();
      codes.push(await main(argv, cli));
      printed.push(chunks.out, chunks.err);
    }

    // Assess
    expect(codes).toEqual([EXIT.ok, EXIT.ok, EXIT.ok]);
    const sinks = { 'CLI output': printed.join('\n'), 'CLI JSON logs (stderr)': output.text().slice(before) };
    expect(sinks['CLI output']).toContain('aws-sink-2');
    expect(leaks(sinks)).toEqual({ 'CLI output': [], 'CLI JSON logs (stderr)': [] });
    recordFigure(SCENARIO, 'CLI runs checked (status, plan, reload)', runs.length);
  });

  it('leaves no canary in any log, outcome event or state record of this file', async () => {
    // Prepare
    const sinks = {
      'Powertools logs (stdout/stderr)': output.text(),
      'outcome events (EventBridge)': stack.aws.eventBridge.control.rawRequests().join('\n'),
      'state records': await stack.stateRecords(),
    };

    // Assess
    expect(leaks(sinks)).toEqual(Object.fromEntries(Object.keys(sinks).map((sink) => [sink, []])));
  });
});
