import { type AwsLambdaStack, startAwsLambdaStack } from '#local/aws-lambda-stack';
import { type LambdaHandler, lambdaContext, loadRotationHandler } from '#local/lambda-invoker';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '#local/local-cloud';

/**
 * The whole AWS path on loopback: the local cloud (Confluent + Secrets Manager), dynalite with both tables and the
 * EventBridge emulator, and the real `onSecretRotated` handler loaded from the resulting environment. Every
 * `Secret Label Updated` event the local Secrets Manager emits is invoked on the handler, as the EventBridge rule
 * would; `deliver` invokes it directly (duplicates, other families).
 */
export interface AwsLambdaHarness {
  readonly cloud: LocalCloud;
  readonly stack: AwsLambdaStack;
  readonly handler: LambdaHandler;
  deliver(event: unknown): Promise<unknown>;
  /** How many copies of each later label event the "rule" invokes at once; 0 leaves them to the test. */
  setCopies(copies: number): void;
  close(): Promise<void>;
}

export async function startAwsLambdaHarness(
  options: Omit<LocalCloudOptions, 'onRotation'> & {
    readonly env?: Record<string, string>;
    /** Each label event is invoked this many times at once, as duplicate EventBridge deliveries can be. */
    readonly copies?: number;
  } = {},
): Promise<AwsLambdaHarness> {
  let handler: LambdaHandler | undefined;
  const deliver = (event: unknown) => {
    if (!handler) throw new Error('event before the handler was loaded');
    return handler(event, lambdaContext());
  };
  const { env, ...cloudOptions } = options;
  let copies = options.copies ?? 1;
  const cloud = await startLocalCloud({
    ...cloudOptions,
    onRotation: async (event) => {
      const results = await Promise.allSettled(Array.from({ length: copies }, () => deliver(event)));
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
    },
  });
  const stack = await startAwsLambdaStack();
  // The handler reads its configuration at load, like a cold start, from the process environment.
  Object.assign(process.env, cloud.env, stack.env, { LOG_LEVEL: 'info' }, env);
  handler = loadRotationHandler();
  return {
    cloud,
    stack,
    handler,
    deliver,
    setCopies(count) {
      copies = count;
    },
    async close() {
      await Promise.all([cloud.close(), stack.close()]);
    },
  };
}

/** Everything written to stdout and stderr (Powertools logs and EMF) while `capture` is on; nothing is echoed. */
export function captureProcessOutput() {
  let text = '';
  const spies = (['stdout', 'stderr'] as const).map((stream) =>
    jest.spyOn(process[stream], 'write').mockImplementation((chunk: string | Uint8Array) => {
      text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }),
  );
  return {
    text: () => text,
    lines: () =>
      text
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}
