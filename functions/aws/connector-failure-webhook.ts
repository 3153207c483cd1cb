import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { RECOVERY_METRICS } from '#observability/recovery-metrics';
import { redact } from '#observability/redaction';
import { requireAwsSetting } from './aws-settings';
import { FailureQueue } from './failure-queue';
import { createAwsRecoveryRuntime } from './recovery-runtime';

/**
 * API Gateway (HTTP API, payload 2.0) → the Confluent Cloud notification webhook → the failure queue. Thin: the
 * shared FailureWebhook checks the URL token (Secrets Manager, WEBHOOK_TOKEN_SECRET, cached), the size (256 KB,
 * though API Gateway lets 10 MB through) and the JSON; accepted failures go to SQS and the recovery runs in
 * `recoverReportedFailures`, so the answer is quick and a failure is kept if Confluent is slow or down. No
 * authorizer on purpose: Confluent's webhook target is only a URL (no header), so the token in it is the credential.
 */
const { aws, runtime, reloader, sqs } = createAwsRecoveryRuntime();
const queue = new FailureQueue(sqs, requireAwsSetting(aws, 'failureQueueUrl', 'FAILURE_QUEUE_URL'));

export const handler = runtime.handler(
  async (event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    const { response, failures } = await reloader.failureWebhook.handle({
      url: requestUrl(event),
      bodyText: bodyText(event),
    });
    if (failures.length > 0) {
      try {
        await queue.send(failures, new Date(), event.requestContext?.requestId ?? context.awsRequestId);
      } catch (error) {
        // Not 202: the failure would be lost. The sweep still finds the connector within its schedule.
        runtime.log.error('failure webhook: could not queue the reported failure', {
          cause: redact(error instanceof Error ? `${error.name}: ${error.message}` : String(error)),
          failures: failures.length,
        });
        return json(503, { message: 'not accepted, try again' });
      }
    }
    runtime.record([{ name: RECOVERY_METRICS.queued, unit: 'Count', value: failures.length }]);
    return json(response.status, response.body);
  },
);

/** The URL the token is read from: the raw path (…/connector-failures/<token>) and the raw query (`?token=`). */
function requestUrl(event: APIGatewayProxyEventV2): string {
  const host = event.requestContext?.domainName ?? 'localhost';
  return `https://${host}${event.rawPath ?? '/'}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

/** API Gateway base64-encodes bodies it does not take for text (a content type it does not know, binary). */
function bodyText(event: APIGatewayProxyEventV2): string {
  if (event.body === undefined || event.body === null) return '';
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}

function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
