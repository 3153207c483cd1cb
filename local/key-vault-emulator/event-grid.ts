import { randomUUID } from 'node:crypto';
import type { StoredVersion } from './vault-store';

/** `Microsoft.KeyVault.SecretNewVersionCreated` in the Event Grid schema, with the wire's PascalCase `data` keys. */
export interface SecretNewVersionCreatedEvent {
  readonly id: string;
  readonly topic: string;
  readonly subject: string;
  readonly eventType: 'Microsoft.KeyVault.SecretNewVersionCreated';
  readonly eventTime: string;
  readonly data: {
    readonly Id: string;
    readonly VaultName: string;
    readonly ObjectType: 'Secret';
    readonly ObjectName: string;
    readonly Version: string;
    readonly NBF: number | null;
    readonly EXP: number | null;
  };
  readonly dataVersion: '1';
  readonly metadataVersion: '1';
}

/** What an Event Grid subscription receives: "an array with a single event" per delivery (cloud-events.md §2.3). */
export type EventGridDelivery = readonly SecretNewVersionCreatedEvent[];

/**
 * The subscription's endpoint. Resolving (or an HTTP status 200–204) is a success; a throw, another status or no
 * answer within the deadline is a failed attempt, retried on Event Grid's schedule; 400, 401 and 413 are not
 * retried but dead-lettered at once, as Event Grid does for webhooks.
 */
export type EventGridSubscriber = (delivery: EventGridDelivery) => unknown;

/** Event Grid's delivery contract (cloud-events.md §2.3), with a time scale so tests need not wait real minutes. */
export interface EventGridDeliveryOptions {
  /** How long Event Grid waits for an answer: 30 s. */
  readonly deadlineMs?: number;
  /** Waits before each retry: 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h. */
  readonly retryScheduleMs?: readonly number[];
  /** retryPolicy.maxDeliveryAttempts: 30 by default. */
  readonly maxDeliveryAttempts?: number;
  /** retryPolicy.eventTimeToLiveInMinutes: 1440 (24 h) by default. */
  readonly eventTimeToLiveMs?: number;
  /**
   * Real milliseconds per Event Grid millisecond (default 1): at 1/30 the deadline is 1 s and the first retry comes
   * after 333 ms. Attempt records keep Event Grid's own times.
   */
  readonly timeScale?: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const EVENT_GRID_DEADLINE_MS = 30_000;
export const EVENT_GRID_RETRY_SCHEDULE_MS: readonly number[] = [
  10_000,
  30_000,
  MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  30 * MINUTE,
  HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
];
const NOT_RETRIED = new Set([400, 401, 413]);

/** One delivery attempt as Event Grid saw it. */
export interface DeliveryAttempt {
  readonly eventId: string;
  readonly attempt: number;
  /** Event Grid time since the event was published (the retry schedule's waits, unscaled). */
  readonly atMs: number;
  /** Real time the endpoint took to answer; undefined when it did not answer before the deadline. */
  readonly answeredInMs?: number;
  readonly outcome: 'delivered' | 'timed-out' | 'failed';
  readonly detail?: string;
}

/** What Event Grid writes to the dead-letter container (the fields it adds, cloud-events.md §2.3). */
export interface DeadLetteredEvent {
  readonly event: SecretNewVersionCreatedEvent;
  readonly deadLetterReason: 'MaxDeliveryAttemptsExceeded' | 'TimeToLiveExceeded' | 'NotRetried';
  readonly deliveryAttempts: number;
  readonly lastDeliveryOutcome: string;
}

export interface EventGridTopic {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
}

/**
 * The vault's Event Grid system topic: one event per new secret version, delivered after the API call has answered,
 * with Event Grid's contract: an answer is awaited for 30 s, then the attempt counts as failed and the event is
 * delivered again on the retry schedule (the late answer does not cancel it: "duplicates may still be received"),
 * until it succeeds, the attempts or the time to live run out (then it is dead-lettered), or the endpoint says it
 * must not be retried. Every attempt and every handler it started is tracked, so callers can wait for all of them.
 */
export class SecretEventTopic {
  private readonly published: SecretNewVersionCreatedEvent[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly errors: string[] = [];
  private readonly attempts: DeliveryAttempt[] = [];
  private readonly deadLetters: DeadLetteredEvent[] = [];
  private readonly waits = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  constructor(
    private readonly topic: EventGridTopic,
    private readonly now: () => number,
    private readonly subscriber?: EventGridSubscriber,
    private readonly delivery: EventGridDeliveryOptions = {},
  ) {}

  publish(stored: StoredVersion): SecretNewVersionCreatedEvent {
    const event: SecretNewVersionCreatedEvent = {
      id: randomUUID(),
      topic: `/subscriptions/${this.topic.subscriptionId}/resourceGroups/${this.topic.resourceGroup}/providers/Microsoft.KeyVault/vaults/${stored.vault}`,
      subject: stored.name,
      eventType: 'Microsoft.KeyVault.SecretNewVersionCreated',
      eventTime: new Date(this.now()).toISOString(),
      data: {
        Id: `https://${stored.vault}.vault.azure.net/secrets/${stored.name}/${stored.version}`,
        VaultName: stored.vault,
        ObjectType: 'Secret',
        ObjectName: stored.name,
        Version: stored.version,
        NBF: stored.nbf ?? null,
        EXP: stored.exp ?? null,
      },
      dataVersion: '1',
      metadataVersion: '1',
    };
    this.published.push(event);
    if (this.subscriber) this.track(this.deliver(this.subscriber, event));
    return event;
  }

  events(): SecretNewVersionCreatedEvent[] {
    return this.published.map((event) => structuredClone(event));
  }

  /** Messages of the failed attempts: rejections, refusing statuses and missed deadlines. */
  deliveryErrors(): string[] {
    return [...this.errors];
  }

  deliveryAttempts(): DeliveryAttempt[] {
    return this.attempts.map((attempt) => ({ ...attempt }));
  }

  deadLettered(): DeadLetteredEvent[] {
    return this.deadLetters.map((entry) => structuredClone(entry));
  }

  /** Resolves once every delivery has ended (delivered or dead-lettered) and every handler it started has returned. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  /** Stops retrying: waiting retries are dropped. */
  close(): void {
    this.closed = true;
    for (const [timer, release] of this.waits) {
      clearTimeout(timer);
      release();
    }
    this.waits.clear();
  }

  private track(work: Promise<unknown>): void {
    const settled = work.catch(() => {});
    this.inFlight.add(settled);
    void settled.finally(() => this.inFlight.delete(settled));
  }

  private async deliver(subscriber: EventGridSubscriber, event: SecretNewVersionCreatedEvent): Promise<void> {
    const scale = this.delivery.timeScale ?? 1;
    const deadlineMs = this.delivery.deadlineMs ?? EVENT_GRID_DEADLINE_MS;
    const schedule = this.delivery.retryScheduleMs ?? EVENT_GRID_RETRY_SCHEDULE_MS;
    const maxAttempts = this.delivery.maxDeliveryAttempts ?? 30;
    const ttlMs = this.delivery.eventTimeToLiveMs ?? 1440 * MINUTE;
    let atMs = 0;
    for (let attempt = 1; ; attempt++) {
      if (this.closed) return;
      const result = await this.attempt(subscriber, event, deadlineMs * scale);
      this.attempts.push({ eventId: event.id, attempt, atMs, ...result });
      if (result.outcome === 'delivered') return;
      this.errors.push(result.detail ?? result.outcome);
      const lastDeliveryOutcome = result.detail ?? result.outcome;
      if (result.status !== undefined && NOT_RETRIED.has(result.status)) {
        return this.deadLetter(event, 'NotRetried', attempt, lastDeliveryOutcome);
      }
      if (attempt >= maxAttempts)
        return this.deadLetter(event, 'MaxDeliveryAttemptsExceeded', attempt, lastDeliveryOutcome);
      const waitMs = schedule[Math.min(attempt - 1, schedule.length - 1)] ?? 0;
      if (atMs + waitMs > ttlMs) return this.deadLetter(event, 'TimeToLiveExceeded', attempt, lastDeliveryOutcome);
      atMs += waitMs;
      await this.wait(waitMs * scale);
    }
  }

  private async attempt(
    subscriber: EventGridSubscriber,
    event: SecretNewVersionCreatedEvent,
    deadlineMs: number,
  ): Promise<Omit<DeliveryAttempt, 'eventId' | 'attempt' | 'atMs'> & { status?: number }> {
    const started = performance.now();
    const answer = (async () => subscriber(structuredClone([event])))();
    // The endpoint goes on after the deadline (the host does not stop a function): keep waiting for it in settled().
    this.track(answer);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    try {
      const status = await Promise.race([answer, deadline]);
      if (status === 'deadline') return { outcome: 'timed-out', detail: `no answer within ${deadlineMs} ms` };
      const answeredInMs = performance.now() - started;
      if (typeof status === 'number' && (status < 200 || status > 204)) {
        return { outcome: 'failed', answeredInMs, status, detail: `HTTP ${status}` };
      }
      return { outcome: 'delivered', answeredInMs };
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      return { outcome: 'failed', answeredInMs: performance.now() - started, detail };
    } finally {
      clearTimeout(timer);
    }
  }

  private deadLetter(
    event: SecretNewVersionCreatedEvent,
    deadLetterReason: DeadLetteredEvent['deadLetterReason'],
    deliveryAttempts: number,
    lastDeliveryOutcome: string,
  ): void {
    this.deadLetters.push({ event, deadLetterReason, deliveryAttempts, lastDeliveryOutcome });
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waits.delete(timer);
        resolve();
      }, ms);
      this.waits.set(timer, resolve);
    });
  }
}
