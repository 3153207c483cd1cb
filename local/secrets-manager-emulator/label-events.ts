import { randomUUID } from 'node:crypto';
import { AWSPENDING, AWSPREVIOUS, type LabelMove } from './secret-store';
import type { SecretLabelUpdatedEvent } from './types';

/**
 * Turns label moves into the native `Secret Label Updated` events and hands them to the subscriber. AWS publishes one
 * "whenever a staging label changes, except for AWSPENDING and AWSPREVIOUS" (cloud-events.md §1.1.A).
 */
export class LabelEventBus {
  private readonly published: SecretLabelUpdatedEvent[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly errors: string[] = [];

  constructor(
    private readonly accountId: string,
    private readonly now: () => number,
    private readonly subscriber?: (event: SecretLabelUpdatedEvent) => void | Promise<void>,
  ) {}

  publish(moves: readonly LabelMove[]): void {
    for (const move of moves) {
      if (move.label === AWSPENDING || move.label === AWSPREVIOUS) continue;
      const event = this.eventFor(move);
      this.published.push(event);
      if (this.subscriber) this.deliver(this.subscriber, event);
    }
  }

  events(): SecretLabelUpdatedEvent[] {
    return this.published.map((event) => structuredClone(event));
  }

  deliveryErrors(): string[] {
    return [...this.errors];
  }

  async settled(): Promise<void> {
    // A handler may cause further moves (and so deliveries) while we wait.
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private deliver(
    subscriber: (event: SecretLabelUpdatedEvent) => void | Promise<void>,
    event: SecretLabelUpdatedEvent,
  ) {
    const delivery = (async () => {
      try {
        await subscriber(structuredClone(event));
      } catch (error) {
        this.errors.push(error instanceof Error ? error.message : String(error));
      }
    })();
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
  }

  private eventFor(move: LabelMove): SecretLabelUpdatedEvent {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Secret Label Updated',
      source: 'aws.secretsmanager',
      account: this.accountId,
      // EventBridge times are to the second: "2024-02-06T16:43:48Z".
      time: new Date(this.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: move.secret.region,
      resources: [move.secret.arn],
      detail: { name: move.secret.name, labelUpdated: move.label, versionId: move.versionId },
    };
  }
}
