import type { AlertScreen } from '#core/alert-suppression';
import type { OutcomeReport } from '#core/outcome-report';
import type { OutcomeSink } from '#core/ports';
import type { SecretRef } from '#core/secret-ref';
import { registerSensitiveValue } from '#observability/redaction';
import type { SecretValueReader } from '#providers/secret-credentials';
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
  /** First retry's delay; each later one doubles (default 1 s). */
  readonly retryBaseMs?: number;
  /** Waits between attempts (tests record the delays instead of waiting). */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Leaves out repeated and acknowledged connectors (alert-suppression.ts); absent: every alert is sent. */
  readonly screen?: AlertScreen;
}

const ATTEMPTS = 3;
/** A Retry-After longer than this is not waited for inside an invocation: the alert is reported as not delivered. */
const MAX_RETRY_DELAY_MS = 30_000;

/**
 * The wait before retry `attempt` (1-based): exponential from `baseMs`, half of it jittered so that several
 * instances alerting at once spread out, and never shorter than the receiver's Retry-After (429, 503).
 */
export function alertRetryDelayMs(attempt: number, baseMs: number, random: () => number, retryAfterMs = 0): number {
  const exponential = baseMs * 2 ** (attempt - 1);
  const jittered = exponential / 2 + random() * (exponential / 2);
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(jittered, retryAfterMs));
}

/** Retry-After in seconds or as an HTTP date, in milliseconds; 0 when absent or unreadable. */
function retryAfterMs(header: string | null, now: number): number {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? 0 : Math.max(0, date - now);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends alerts to a generic, Slack or Teams incoming webhook, with up to ATTEMPTS tries on 429, 5xx and network
 * errors, backing off between them (alertRetryDelayMs). Errors never quote the URL.
 */
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
      let waitAtLeastMs = 0;
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
        waitAtLeastMs = retryAfterMs(response.headers.get('retry-after'), Date.now());
        if (waitAtLeastMs > MAX_RETRY_DELAY_MS) break;
      } catch (error) {
        lastProblem = (error as Error).name;
      }
      if (attempt < ATTEMPTS) {
        const delay = alertRetryDelayMs(
          attempt,
          this.options.retryBaseMs ?? 1_000,
          this.options.random ?? Math.random,
          waitAtLeastMs,
        );
        await (this.options.sleep ?? sleep)(delay);
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
