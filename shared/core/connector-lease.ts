import type { Clock, ConnectorRecord, StateStore } from './ports';

/**
 * Per-connector locking and bookkeeping on top of a compare-and-set StateStore. One operation may be in flight per
 * connector; a lock expires after its TTL so a crashed invocation cannot wedge a connector forever.
 */
export interface LeaseOptions {
  /** Who holds the lock: unique per invocation (e.g. the event id plus a random part). */
  readonly owner: string;
  readonly lockTtlMs: number;
  /** How long records are kept after the last write (the store's TTL attribute). */
  readonly retentionMs: number;
  /**
   * Told of every record this holder released its lock on, as written (so no other lock on it). Every holder, whatever
   * the operation, then re-checks what waited on the lock (pending-version-follow-up.ts). It must not throw.
   */
  readonly onReleased?: (connectorKey: string, released: ConnectorRecord) => Promise<void>;
}

export type AcquireResult =
  | { readonly acquired: true; readonly record: ConnectorRecord }
  | { readonly acquired: false; readonly inFlight: true; readonly holder: string }
  | { readonly acquired: false; readonly inFlight: false; readonly refusal: string };

export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
}

/** Concurrent writers on one connector are few (duplicate deliveries), so a handful of CAS rounds always suffices. */
const MAX_CAS_ROUNDS = 8;

export class ConnectorLeases {
  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly options: LeaseOptions,
  ) {}

  async read(connectorKey: string): Promise<ConnectorRecord | null> {
    return (await this.store.read(connectorKey))?.record ?? null;
  }

  lockActive(record: ConnectorRecord | null): boolean {
    return record?.lock !== undefined && record.lock.expiresAt > this.clock.now().getTime();
  }

  /**
   * Takes the connector's lock unless another live lock exists or `refuse` (evaluated on the freshest record, inside
   * the CAS loop) returns a reason not to act.
   */
  async acquire(
    connectorKey: string,
    operation: string,
    refuse: (record: ConnectorRecord | null) => string | undefined,
  ): Promise<AcquireResult> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const current = await this.store.read(connectorKey);
      const record = current?.record ?? null;
      if (record && this.lockActive(record) && record.lock) {
        return { acquired: false, inFlight: true, holder: record.lock.operation };
      }
      const refusal = refuse(record);
      if (refusal) return { acquired: false, inFlight: false, refusal };
      const now = this.clock.now().getTime();
      const next: ConnectorRecord = {
        ...(record ?? { connectorKey }),
        lock: { owner: this.options.owner, operation, expiresAt: now + this.options.lockTtlMs },
        expiresAt: now + this.options.retentionMs,
      };
      if (await this.store.write(next, current?.etag ?? null)) return { acquired: true, record: next };
    }
    throw new StateConflictError(`could not take the lock on ${connectorKey}: too many concurrent writers`);
  }

  /** Applies `update` while keeping our lock (e.g. to record an accepted restart before verifying it). */
  async update(connectorKey: string, update: (record: ConnectorRecord) => ConnectorRecord): Promise<void> {
    await this.compareAndSet(connectorKey, update, true);
  }

  /**
   * Bookkeeping without holding the lock: applies `update` unless it returns undefined (nothing to change on the
   * freshest record). Returns whether this call wrote, so "do once" steps (an alert) happen exactly once.
   */
  async updateIf(
    connectorKey: string,
    update: (record: ConnectorRecord) => ConnectorRecord | undefined,
  ): Promise<boolean> {
    return (await this.compareAndSet(connectorKey, update, true)) !== undefined;
  }

  /**
   * Clears the lock `owner` holds, whoever we are: an operator freeing a connector whose invocation died. Only while
   * that owner still holds it, so a lock taken over or released meanwhile is left alone. Returns whether it cleared.
   */
  async breakLock(connectorKey: string, owner: string): Promise<boolean> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const current = await this.store.read(connectorKey);
      if (!current || current.record.lock?.owner !== owner) return false;
      const { lock: _cleared, ...rest } = current.record;
      const next: ConnectorRecord = { ...rest, expiresAt: this.clock.now().getTime() + this.options.retentionMs };
      if (await this.store.write(next, current.etag)) return true;
    }
    throw new StateConflictError(`could not clear the lock on ${connectorKey}: too many concurrent writers`);
  }

  /**
   * Applies `update` and drops our lock (only ours: an expired lock may have been taken over meanwhile), then hands the
   * released record to `onReleased`.
   */
  async release(connectorKey: string, update: (record: ConnectorRecord) => ConnectorRecord = (r) => r): Promise<void> {
    const released = await this.compareAndSet(connectorKey, update, false);
    if (released && !released.lock) await this.options.onReleased?.(connectorKey, released);
  }

  /** The record as written, or undefined when `update` left it alone. */
  private async compareAndSet(
    connectorKey: string,
    update: (record: ConnectorRecord) => ConnectorRecord | undefined,
    keepOwnLock: boolean,
  ): Promise<ConnectorRecord | undefined> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const current = await this.store.read(connectorKey);
      const updated = update(current?.record ?? { connectorKey });
      if (!updated) return undefined;
      const { lock, ...rest } = updated;
      const keep = lock && (keepOwnLock || lock.owner !== this.options.owner) ? { lock } : {};
      const next: ConnectorRecord = {
        ...rest,
        ...keep,
        expiresAt: this.clock.now().getTime() + this.options.retentionMs,
      };
      if (await this.store.write(next, current?.etag ?? null)) return next;
    }
    throw new StateConflictError(`could not update the record of ${connectorKey}: too many concurrent writers`);
  }
}
