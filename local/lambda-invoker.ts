import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export const LOCAL_FUNCTION_NAME = 'connector-reloader-local-onSecretRotated';

/** A Lambda-like context for in-process invokes: a fresh request id and the 5-minute timeout serverless.yml sets. */
export function lambdaContext(timeoutMs = 300_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: LOCAL_FUNCTION_NAME,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${LOCAL_FUNCTION_NAME}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${LOCAL_FUNCTION_NAME}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/**
 * Loads the real `onSecretRotated` handler, as Lambda does at a cold start: it reads its configuration from
 * process.env, so set that first. Product code never imports local/; this is the other direction.
 */
export function loadRotationHandler(): LambdaHandler {
  return (require('#functions/aws/on-secret-rotated') as { handler: LambdaHandler }).handler;
}

/** The rotation retry queue's handler, loaded like `loadRotationHandler`. */
export function loadRotationRetryHandler(): LambdaHandler {
  return (require('#functions/aws/retry-pending-rotations') as { handler: LambdaHandler }).handler;
}

/** The failed-connector handlers, loaded like `loadRotationHandler` (configuration from process.env at load). */
export function loadRecoveryHandlers(): {
  readonly connectorFailureWebhook: LambdaHandler;
  readonly recoverReportedFailures: LambdaHandler;
  readonly sweepFailedConnectors: LambdaHandler;
} {
  const load = (module: string) => (require(module) as { handler: LambdaHandler }).handler;
  return {
    connectorFailureWebhook: load('../functions/aws/connector-failure-webhook'),
    recoverReportedFailures: load('../functions/aws/recover-reported-failures'),
    sweepFailedConnectors: load('../functions/aws/sweep-failed-connectors'),
  };
}
