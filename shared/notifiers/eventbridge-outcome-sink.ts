import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { OutcomeReport } from '#core/outcome-report';
import type { OutcomeSink } from '#core/ports';
import { type AnyOutcomeEvent, eventsOf, OUTCOME_EVENT_SOURCE } from './outcome-events';

/** PutEvents takes at most 10 entries per call. */
export const PUT_EVENTS_BATCH = 10;
/** Attempts for entries EventBridge reports as failed (throttling, internal errors), first one included. */
const ENTRY_ATTEMPTS = 3;

export class OutcomePublishError extends Error {
  override readonly name = 'OutcomePublishError';
}

export interface EventBridgeOutcomeSinkOptions {
  readonly client: EventBridgeClient;
  /** Bus name or ARN; `default` is the account's default bus. */
  readonly eventBusName: string;
}

/**
 * Publishes each outcome as EventBridge events (source `connector-reloader`) so users can route failures to alerts:
 * rotations as `Connector Reload Succeeded` / `Failed` / `Skipped`, recoveries as `Connector Recovery Succeeded` /
 * `Failed` / `Skipped` and `Connector Restart Budget Exhausted`, secret expiry as `Secret Expiring` / `Secret
 * Expired`. PutEvents can accept a call yet fail single entries (FailedEntryCount); those are retried, then reported
 * as an error, since a lost failure event is a lost alert.
 */
export class EventBridgeOutcomeSink implements OutcomeSink {
  readonly name = 'EventBridge';

  constructor(private readonly options: EventBridgeOutcomeSinkOptions) {}

  async deliver(outcome: OutcomeReport): Promise<void> {
    const time = outcome.kind === 'secret-expiry' ? new Date() : outcome.report.finishedAt;
    await this.put(eventsOf(outcome), time);
  }

  private async put(events: readonly AnyOutcomeEvent[], time: Date): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map((event) => ({
      Source: OUTCOME_EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
      EventBusName: this.options.eventBusName,
      Time: time,
    }));
    for (let start = 0; start < entries.length; start += PUT_EVENTS_BATCH) {
      await this.putBatch(entries.slice(start, start + PUT_EVENTS_BATCH));
    }
  }

  private async putBatch(batch: PutEventsRequestEntry[]): Promise<void> {
    let pending = batch;
    let lastErrors: string[] = [];
    for (let attempt = 1; attempt <= ENTRY_ATTEMPTS && pending.length > 0; attempt += 1) {
      const response = await this.options.client.send(new PutEventsCommand({ Entries: pending }));
      if (!response.FailedEntryCount) return;
      // Result entries line up with request entries; a failed one carries an ErrorCode.
      const results: (PutEventsResultEntry | undefined)[] = response.Entries ?? [];
      lastErrors = results.flatMap((result) => (result?.ErrorCode ? [result.ErrorCode] : []));
      pending = pending.filter((_, index) => results[index]?.ErrorCode !== undefined || results[index] === undefined);
    }
    if (pending.length > 0) {
      throw new OutcomePublishError(
        `EventBridge rejected ${pending.length} outcome event(s) on ${this.options.eventBusName} after ${ENTRY_ATTEMPTS} attempts: ${[...new Set(lastErrors)].join(', ') || 'no error code'}`,
      );
    }
  }
}
