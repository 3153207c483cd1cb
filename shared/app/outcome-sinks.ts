import type { Settings } from '../config/settings';
import type { OutcomeReport } from '../core/outcome-report';
import type { Logger } from '../core/ports';
import { parseSecretRef } from '../core/secret-ref';
import { WebhookAlertNotifier } from '../notifiers/webhook-alert-notifier';
import { redact } from '../observability/redaction';
import type { SecretValueReader } from '../providers/secret-credentials';

/**
 * Where outcome reports (rotations, recoveries, secret-expiry warnings) go besides the logs: the alert webhook on
 * every cloud, plus whatever a cloud adds (EventBridge on AWS). Each sink decides for itself what is worth sending.
 */
export interface OutcomeSink {
  /** Named in the error log when a delivery fails. */
  readonly name: string;
  deliver(outcome: OutcomeReport): Promise<void>;
}

/**
 * Delivers one outcome to every sink, independently. A sink that fails is logged at error level and does not fail
 * the invocation: the restarts already happened, and a retried trigger would find them covered (idempotency, the
 * restart budget) and so would not resend the outcome anyway. Alert the logs on `outcome delivery failed`.
 */
export class OutcomeFanOut {
  constructor(
    private readonly sinks: readonly OutcomeSink[],
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.sinks.length;
  }

  async publish(outcome: OutcomeReport): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((sink) => sink.deliver(outcome)));
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      const error = result.reason instanceof Error ? result.reason : new Error(String(result.reason));
      this.logger.error('outcome delivery failed', {
        sink: this.sinks[index]?.name,
        outcome: outcome.kind,
        error: redact(`${error.name}: ${error.message}`),
      });
    });
  }
}

export class AlertsNeedSecretValuesError extends Error {
  override readonly name = 'AlertsNeedSecretValuesError';
}

/** The alert webhook as a sink, when ALERT_WEBHOOK_SECRET is set; its URL is read from the secret manager. */
export function alertSink(settings: Settings, secretValues: SecretValueReader | undefined): OutcomeSink | undefined {
  if (!settings.alerts) return undefined;
  if (!secretValues) {
    throw new AlertsNeedSecretValuesError(
      'ALERT_WEBHOOK_SECRET is set but this runtime was given no secret reader to read the alert URL with',
    );
  }
  const notifier = new WebhookAlertNotifier({
    secrets: secretValues,
    urlSecret: parseSecretRef(settings.alerts.urlSecret),
    format: settings.alerts.format,
    includeSuccesses: settings.alerts.onSuccess,
  });
  return {
    name: `alert webhook (${settings.alerts.format})`,
    deliver: async (outcome) => {
      await notifier.notify(outcome);
    },
  };
}
