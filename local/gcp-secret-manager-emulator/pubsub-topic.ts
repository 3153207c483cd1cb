/** A Pub/Sub message as Pub/Sub hands it to subscribers (push bodies and Eventarc's `data.message`). */
export interface PubSubMessage {
  readonly attributes: Readonly<Record<string, string>>;
  /** Base64 of the payload; absent for messages without data (TOPIC_CONFIGURED). */
  readonly data?: string;
  readonly messageId: string;
  readonly publishTime: string;
}

/** A subscriber gets the message and the topic; a throw is a nack (recorded, and the delivery is retried). */
export type PubSubSubscriber = (message: PubSubMessage, topic: string) => Promise<void>;

export interface LocalPubSubOptions {
  readonly now: () => number;
  /** Delivery attempts before a message is dead-lettered (Pub/Sub's dead-letter policy allows 5 to 100). */
  readonly maxDeliveryAttempts?: number;
  /** Wait before a redelivery; Pub/Sub's retry policy backs off from 10 s, kept short here. */
  readonly retryDelayMs?: number;
}

/**
 * The Pub/Sub topics Secret Manager publishes to, delivering at least once: each published message goes to every
 * subscriber of its topic after the publishing call returned; a failed delivery is retried, then dead-lettered
 * with its cause. `redeliver` delivers a message again, as Pub/Sub may at any time.
 */
export class LocalPubSub {
  private readonly subscribers = new Map<string, PubSubSubscriber[]>();
  private readonly published: { topic: string; message: PubSubMessage }[] = [];
  private readonly deadLetters: { topic: string; message: PubSubMessage; cause: string }[] = [];
  private readonly errors: string[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private nextId = 1_000_000_000_000;

  constructor(private readonly options: LocalPubSubOptions) {}

  subscribe(topic: string, subscriber: PubSubSubscriber): void {
    this.subscribers.set(topic, [...(this.subscribers.get(topic) ?? []), subscriber]);
  }

  publish(topic: string, attributes: Record<string, string>, data?: string): PubSubMessage {
    this.nextId += 1;
    const message: PubSubMessage = {
      attributes,
      ...(data === undefined ? {} : { data }),
      messageId: String(this.nextId),
      publishTime: new Date(this.options.now()).toISOString(),
    };
    this.published.push({ topic, message });
    for (const subscriber of this.subscribers.get(topic) ?? []) this.deliver(subscriber, topic, message);
    return message;
  }

  /** Delivers a published message to its topic's subscribers once more (at-least-once delivery). */
  redeliver(messageId: string): void {
    const entry = this.published.find((candidate) => candidate.message.messageId === messageId);
    if (!entry) throw new Error(`no message ${messageId} was published`);
    for (const subscriber of this.subscribers.get(entry.topic) ?? [])
      this.deliver(subscriber, entry.topic, entry.message);
  }

  messages(topic?: string): PubSubMessage[] {
    return this.published.filter((entry) => topic === undefined || entry.topic === topic).map((e) => e.message);
  }

  deadLettered(): { topic: string; message: PubSubMessage; cause: string }[] {
    return [...this.deadLetters];
  }

  deliveryErrors(): string[] {
    return [...this.errors];
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private deliver(subscriber: PubSubSubscriber, topic: string, message: PubSubMessage): void {
    const attempts = this.options.maxDeliveryAttempts ?? 5;
    const run = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await subscriber(structuredClone(message), topic);
          return;
        } catch (error) {
          const cause = error instanceof Error ? error.message : String(error);
          this.errors.push(`${topic} message ${message.messageId} attempt ${attempt}: ${cause}`);
          if (attempt >= attempts) {
            this.deadLetters.push({ topic, message, cause });
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 50));
        }
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}
