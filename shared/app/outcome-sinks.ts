import type { Settings } from '#config/settings';
import type { AlertScreen } from '#core/alert-suppression';
import { type OutcomeReport, outcomeSummary } from '#core/outcome-report';
import type { Logger, OutcomeSink } from '#core/ports';
import { parseSecretRef } from '#core/secret-ref';
import { WebhookAlertSink } from '#notifiers/webhook-alert-sink';
import { redact } from '#observability/redaction';
import type { SecretValueReader } from '#providers/secret-credentials';

export interface OutcomeFanOutOptions {
  /** Called once for an outcome that one or more sinks did not take, after all were tried (metrics count it). */
  readonly onUndelivered?: (outcome: OutcomeReport, sinks: readonly string[]) => void;
}

/**
 * The outcome channel as a runtime composes it, once: the alert webhook on every cloud plus whatever a cloud adds
 * (EventBridge and metrics on AWS). Every outcome goes to every sink, independently. A sink that fails is logged at
 * error level with what the outcome carried, and reported to `onUndelivered`; it does not fail the invocation: the
 * restarts already happened, and a retried trigger would find them covered (idempotency, the restart budget) and
 * so would not resend the outcome anyway. Alert the logs on `outcome delivery failed`.
 */
export class OutcomeFanOut implements OutcomeSink {
  readonly name = 'outcome fan-out';

  constructor(
    private readonly sinks: readonly OutcomeSink[],
    private readonly logger: Logger,
    private readonly options: OutcomeFanOutOptions = {},
  ) {}

  async deliver(outcome: OutcomeReport): Promise<void> {
    const results = await Promise.allSettled(this.sinks.map((sink) => sink.deliver(outcome)));
    const failed: string[] = [];
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      const sink = this.sinks[index]?.name ?? `sink ${index}`;
      failed.push(sink);
      const error = result.reason instanceof Error ? result.reason : new Error(String(result.reason));
      this.logger.error('outcome delivery failed', {
        sink,
        outcome: outcome.kind,
        error: redact(`${error.name}: ${error.message}`),
        ...outcomeSummary(outcome),
      });
    });
    if (failed.length > 0) this.options.onUndelivered?.(outcome, failed);
  }
}

export class AlertsNeedSecretValuesError extends Error {
  override readonly name = 'AlertsNeedSecretValuesError';
}

/** The alert webhook sink, when ALERT_WEBHOOK_SECRET is set; its URL is read from the secret manager. */
export function alertSink(
  settings: Settings,
  secretValues: SecretValueReader | undefined,
  screen?: AlertScreen,
): OutcomeSink | undefined {
  if (!settings.alerts) return undefined;
  if (!secretValues) {
    throw new AlertsNeedSecretValuesError(
      'ALERT_WEBHOOK_SECRET is set but this runtime was given no secret reader to read the alert URL with',
    );
  }
  return new WebhookAlertSink({
    secrets: secretValues,
    urlSecret: parseSecretRef(settings.alerts.urlSecret),
    format: settings.alerts.format,
    includeSuccesses: settings.alerts.onSuccess,
    ...(screen ? { screen } : {}),
  });
}
