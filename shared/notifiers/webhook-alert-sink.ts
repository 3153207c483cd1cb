import type { AlertScreen } from '../core/alert-suppression';
import type { OutcomeReport } from '../core/outcome-report';
import type { OutcomeSink } from '../core/ports';
import type { SecretRef } from '../core/secret-ref';
import { registerSensitiveValue } from '../observability/redaction';
import type { SecretValueReader } from '../providers/secret-credentials';
import { type Alert, type AlertFormat, alertBody, alertFor, withDigestNote } from './alert-messages';

export class AlertDeliveryError extends Error {
  override readonly name = 'AlertDeliveryError';
}

export interface WebhookAlertSinkOptions {
  readonly secrets: SecretValueReader;
  /** The secret that holds the webhook URL: incoming-webhook URLs are credentials themselves. */
  readonly urlSecret: SecretRef;
  readonly format: AlertFormat;
  readonly includeSuccesses: boolean;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Leaves out repeated and acknowledged connectors (alert-suppression.ts); absent: every alert is sent. */
  readonly screen?: AlertScreen;
}

const ATTEMPTS = 3;

/** Sends alerts to a generic, Slack or Teams incoming webhook. Errors never quote the URL. */
export class WebhookAlertSink implements OutcomeSink {
  readonly name: string;
  private url: Promise<string> | undefined;

  constructor(private readonly options: WebhookAlertSinkOptions) {
    this.name = `alert webhook (${options.format})`;
  }

  async deliver(outcome: OutcomeReport): Promise<void> {
    await this.send(outcome);
  }

  /** True when the outcome was worth an alert and the webhook took it; false when there was nothing to say. */
  async send(outcome: OutcomeReport): Promise<boolean> {
    const screened = await this.options.screen?.screen(outcome);
    const alert = alertFor(screened?.outcome ?? outcome, this.options.includeSuccesses);
    if (!alert) return false;
    try {
      return await this.post(screened ? withDigestNote(alert, screened) : alert);
    } catch (error) {
      // Undelivered: the connectors it named were not told about, so their next alert must not count as a repeat.
      await screened?.undo();
      throw error;
    }
  }

  private async post(alert: Alert): Promise<boolean> {
    const body = JSON.stringify(alertBody(alert, this.options.format));
    const url = await this.webhookUrl();
    let lastProblem = '';
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const response = await (this.options.fetch ?? fetch)(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        if (response.ok) return true;
        lastProblem = `HTTP ${response.status}`;
        if (response.status < 500 && response.status !== 429) break;
      } catch (error) {
        lastProblem = (error as Error).name;
      }
    }
    throw new AlertDeliveryError(`alert webhook did not accept the alert: ${lastProblem}`);
  }

  private webhookUrl(): Promise<string> {
    this.url ??= this.options.secrets.readSecretValue(this.options.urlSecret).then(
      (value) => {
        const url = value.trim();
        registerSensitiveValue(url);
        return url;
      },
      (error: unknown) => {
        this.url = undefined;
        throw error;
      },
    );
    return this.url;
  }
}
