import type { ConnectorFailed, TriggerEvent } from '#core/events';
import type { Logger } from '#core/ports';
import { parseConfluentNotification } from '#events/confluent-notification';
import { tokenFromUrl, tokensMatch } from './webhook-token';

/**
 * The Confluent Cloud notification webhook, independent of the HTTP runtime (API Gateway, Azure Functions, the local
 * stack). Confluent's webhook target is only `{kind: Webhook, url}`: no signing, no custom header. So the caller
 * proves itself with an unguessable token in the URL, compared in constant time; bodies are parsed leniently and
 * never trusted (the recovery use case confirms every connector's state with the Connect API).
 */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

export interface WebhookRequest {
  readonly url: string;
  readonly bodyText: string;
}

export interface WebhookResponse {
  readonly status: 202 | 400 | 401 | 413;
  readonly body: { readonly message: string };
}

export interface WebhookResult {
  readonly response: WebhookResponse;
  /** The failures to recover, handed off by the runtime (a queue, a bus, or in-process). */
  readonly failures: readonly ConnectorFailed[];
  readonly ignored: readonly TriggerEvent[];
}

export class FailureWebhook {
  constructor(
    /** The expected token, read from the secret manager (and cached there). */
    private readonly expectedToken: () => Promise<string>,
    private readonly logger: Logger,
  ) {}

  async handle(request: WebhookRequest): Promise<WebhookResult> {
    const reject = (status: WebhookResponse['status'], message: string): WebhookResult => ({
      response: { status, body: { message } },
      failures: [],
      ignored: [],
    });
    let url: URL;
    try {
      url = new URL(request.url, 'http://localhost');
    } catch {
      return reject(401, 'unauthorized');
    }
    if (!tokensMatch(tokenFromUrl(url), await this.expectedToken())) {
      // No detail: a caller without the token learns nothing, not even whether a token was seen.
      this.logger.warn('failure webhook: rejected a request without a valid token');
      return reject(401, 'unauthorized');
    }
    if (Buffer.byteLength(request.bodyText, 'utf8') > MAX_WEBHOOK_BODY_BYTES) {
      return reject(413, `body larger than ${MAX_WEBHOOK_BODY_BYTES} bytes`);
    }
    let body: unknown;
    try {
      body = JSON.parse(request.bodyText);
    } catch {
      return reject(400, 'body is not JSON');
    }
    const event = parseConfluentNotification(body);
    if (event.kind !== 'connector-failed') {
      this.logger.info('failure webhook: notification ignored', {
        reason: event.kind === 'ignored' ? event.reason : event.kind,
      });
      return { response: { status: 202, body: { message: 'accepted' } }, failures: [], ignored: [event] };
    }
    this.logger.info('failure webhook: failure reported', {
      connector: event.connector,
      connectorId: event.connectorId,
    });
    return { response: { status: 202, body: { message: 'accepted' } }, failures: [event], ignored: [] };
  }
}
