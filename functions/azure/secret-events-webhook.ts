import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { isSecretEvent } from '#core/events';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTriggerText } from '#events/parse-trigger';
import { MalformedPayloadError } from '#events/trigger-parser';
import { redact } from '#observability/redaction';
import { withInvocation } from './invocation-logger';
import { queueSecretEvents, rotationQueueOutput } from './rotation-queue';
import { runtime } from './runtime';

/** The only sender this endpoint grants in the CloudEvents abuse-protection handshake. */
export const EVENT_GRID_ORIGIN = 'eventgrid.azure.net';

/**
 * The webhook alternative to the Event Grid trigger, for subscriptions that deliver CloudEvents 1.0 or that point
 * at a plain HTTPS endpoint. It answers both validation handshakes (cloud-events.md §2.2): the Event Grid schema's
 * SubscriptionValidationEvent with 200 `{validationResponse}`, and the CloudEvents OPTIONS request with
 * `WebHook-Allowed-Origin`. Malformed payloads get 400 (Event Grid dead-letters them, no retry). Secret events are
 * queued for `reloadRotatedSecret`, as the Event Grid trigger does, and answered with 200 at once; a 500 (the host
 * could not write the queue) makes Event Grid retry.
 */
export async function secretEventsWebhook(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  if (request.method === 'OPTIONS') return grantDelivery(request);
  return withInvocation(context, async () => {
    let events: ReturnType<typeof parseTriggerText>;
    try {
      events = parseTriggerText(await request.text(), DEFAULT_PARSERS);
    } catch (error) {
      if (!(error instanceof MalformedPayloadError)) throw error;
      runtime.logger.warn('webhook payload refused', { error: error.message });
      return { status: 400, jsonBody: { error: redact(error.message) } };
    }
    // An AWS event posted here can never be handled (the app reads Key Vault only): refuse it, do not retry it.
    const foreign = events.find((event) => isSecretEvent(event) && event.secret.provider !== 'azure');
    if (foreign && isSecretEvent(foreign)) {
      const error = `the event names a ${foreign.secret.provider} secret; this endpoint handles Key Vault secrets only`;
      runtime.logger.warn('webhook payload refused', { error, eventId: foreign.eventId });
      return { status: 400, jsonBody: { error } };
    }
    const validation = events.find((event) => event.kind === 'subscription-validation');
    if (validation) {
      runtime.logger.info('Event Grid subscription validated', { eventId: validation.eventId });
      return { status: 200, jsonBody: { validationResponse: validation.validationCode } };
    }
    return { status: 200, jsonBody: { results: queueSecretEvents(events, context, runtime.logger) } };
  });
}

/** CloudEvents 1.0 webhook abuse protection: grant Event Grid, with any rate, for POST. */
function grantDelivery(request: HttpRequest): HttpResponseInit {
  const origin = request.headers.get('webhook-request-origin')?.trim();
  if (!origin) return { status: 400, jsonBody: { error: 'OPTIONS needs a WebHook-Request-Origin header' } };
  if (origin.toLowerCase() !== EVENT_GRID_ORIGIN)
    return { status: 403, jsonBody: { error: `origin ${origin} is not allowed` } };
  return {
    status: 200,
    headers: { 'WebHook-Allowed-Origin': origin, 'WebHook-Allowed-Rate': '*', Allow: 'POST, OPTIONS' },
  };
}

app.http('secretEventsWebhook', {
  methods: ['POST', 'OPTIONS'],
  authLevel: 'function',
  route: 'secret-events',
  extraOutputs: [rotationQueueOutput],
  handler: secretEventsWebhook,
});
