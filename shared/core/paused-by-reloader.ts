import { type ConnectorStatus, isPausedConnector } from './connector';
import type { ConnectorLeases } from './connector-lease';
import type { Clock, ConnectorRecord, PausedByReloader, PauseRecorder } from './ports';

/**
 * "Never orphan a connector the reloader paused." A pause/resume restart records `pausedByReloader` before the pause
 * and clears it once resumed; should the process die or the resume fail in between, the connector stays PAUSED with
 * the record, and the next rotation, recovery or sweep resumes and verifies it. A PAUSED connector without the record
 * was paused by a person and is left alone.
 */
export function pauseRecorder(leases: ConnectorLeases, key: string, operation: string, clock: Clock): PauseRecorder {
  return {
    pausing: () =>
      leases.update(key, (record) => ({ ...record, pausedByReloader: { operation, at: clock.now().getTime() } })),
    released: () => leases.update(key, withoutPause),
  };
}

export function withoutPause(record: ConnectorRecord): ConnectorRecord {
  const { pausedByReloader: _, ...rest } = record;
  return rest;
}

/** The reloader's own pause still holding this PAUSED connector, if any: then it must be resumed, not left alone. */
export function orphanedPause(status: ConnectorStatus, record: ConnectorRecord | null): PausedByReloader | undefined {
  return isPausedConnector(status) ? record?.pausedByReloader : undefined;
}

export function describeOrphanedPause(pause: PausedByReloader): string {
  return `the reloader paused it at ${new Date(pause.at).toISOString()} (${pause.operation}) and had not resumed it`;
}
