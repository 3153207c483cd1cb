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

export interface EventGridTopic {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
}

/**
 * The vault's Event Grid system topic: one event per new secret version, delivered after the API call has answered,
 * tracked so callers can wait for every delivery (and its handler) to finish.
 */
export class SecretEventTopic {
  private readonly published: SecretNewVersionCreatedEvent[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly errors: string[] = [];

  constructor(
    private readonly topic: EventGridTopic,
    private readonly now: () => number,
    private readonly subscriber?: (delivery: EventGridDelivery) => void | Promise<void>,
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
    if (this.subscriber) this.deliver(this.subscriber, [event]);
    return event;
  }

  events(): SecretNewVersionCreatedEvent[] {
    return this.published.map((event) => structuredClone(event));
  }

  deliveryErrors(): string[] {
    return [...this.errors];
  }

  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
  }

  private deliver(subscriber: (delivery: EventGridDelivery) => void | Promise<void>, delivery: EventGridDelivery) {
    const run = (async () => {
      try {
        await subscriber(structuredClone(delivery));
      } catch (error) {
        this.errors.push(error instanceof Error ? error.message : String(error));
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }
}
