import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { failureQueueOutput, toFailureMessage } from './failure-queue';
import { withInvocation } from './invocation-logger';
import { runtime } from './runtime';

/**
 * Confluent Cloud notification webhook → the failure queue. Thin: the shared FailureWebhook checks the URL token
 * (Key Vault, WEBHOOK_TOKEN_SECRET, cached), the size and the JSON; each accepted failure becomes one queue message
 * (the output binding, written by the host when the function returns) and the recovery runs in
 * `recoverReportedFailures`, so the answer is quick and a failure is not lost if Confluent is slow or down.
 * Anonymous on purpose: Confluent's webhook target is only a URL (no header), so the token in it is the credential.
 */
export async function connectorFailureWebhook(
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  return withInvocation(context, async () => {
    const { response, failures } = await runtime.reloader.failureWebhook.handle({
      url: request.url,
      bodyText: await request.text(),
    });
    if (failures.length > 0) {
      const now = new Date();
      context.extraOutputs.set(
        failureQueueOutput,
        failures.map((failure) => toFailureMessage(failure, now)),
      );
    }
    return { status: response.status, jsonBody: response.body };
  });
}

app.http('connectorFailureWebhook', {
  methods: ['POST'],
  authLevel: 'anonymous',
  // The token is the last path segment (…/connector-failures/<token>) or `?token=`.
  route: 'connector-failures/{token?}',
  extraOutputs: [failureQueueOutput],
  handler: connectorFailureWebhook,
});
