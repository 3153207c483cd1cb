import { acknowledgementHolds } from './alert-suppression';
import type { ConnectorLeases } from './connector-lease';
import { type ConnectorRef, connectorKey } from './connector-ref';
import type { AlertAck, Clock, ConnectorRecord, FailureRestarts } from './ports';
import { decideFailureRestart } from './restart-budget';

/**
 * What an operator may see and undo in a connector's state record: its lock (a stranded one, left by an invocation
 * that died, blocks every operation until its TTL ends) and its failure-restart budget (restart-budget.ts).
 */
export interface LockView {
  readonly owner: string;
  readonly operation: string;
  readonly expiresAt: number;
  /** False once the TTL ran out: the lock no longer blocks anyone, the next operation takes it over. */
  readonly active: boolean;
}

export interface BudgetView {
  readonly maxAutoRestarts: number;
  /** Zero restarts and no times when the connector never needed one (or its budget was reset). */
  readonly streak: FailureRestarts;
  /** What recovery would do if the connector failed now. */
  readonly ifFailedNow:
    | { readonly action: 'restart'; readonly attempt: number }
    | { readonly action: 'wait'; readonly until: number }
    | { readonly action: 'exhausted'; readonly rearmsAt?: number };
}

export type BudgetResetResult =
  | { readonly reset: true; readonly previous: FailureRestarts }
  | { readonly reset: false; readonly reason: 'nothing-to-reset' }
  | { readonly reset: false; readonly reason: 'in-flight'; readonly holder: string };

export interface OperatorStateSettings {
  readonly maxAutoRestarts: number;
  readonly budgetRearmMs: number;
}

export class OperatorState {
  constructor(
    private readonly leases: ConnectorLeases,
    private readonly clock: Clock,
    private readonly settings: OperatorStateSettings,
  ) {}

  async lockOf(connector: ConnectorRef): Promise<LockView | undefined> {
    const record = await this.leases.read(connectorKey(connector));
    return record?.lock ? { ...record.lock, active: this.leases.lockActive(record) } : undefined;
  }

  /** Clears the lock `owner` holds (the one the operator was shown); false when it changed meanwhile. */
  unlock(connector: ConnectorRef, owner: string): Promise<boolean> {
    return this.leases.breakLock(connectorKey(connector), owner);
  }

  async budgetOf(connector: ConnectorRef): Promise<BudgetView> {
    const record = await this.leases.read(connectorKey(connector));
    return this.view(record);
  }

  /**
   * Gives the connector its whole budget back. Refused while an operation holds the lock: a recovery in flight
   * writes its streak when it ends and would undo the reset.
   */
  async resetBudget(connector: ConnectorRef): Promise<BudgetResetResult> {
    let result: BudgetResetResult = { reset: false, reason: 'nothing-to-reset' };
    // Decided on the freshest record, inside the compare-and-set: a lock taken meanwhile is seen.
    await this.leases.updateIf(connectorKey(connector), (fresh) => {
      if (this.leases.lockActive(fresh) && fresh.lock) {
        result = { reset: false, reason: 'in-flight', holder: fresh.lock.operation };
        return undefined;
      }
      if (!fresh.failureRestarts) {
        result = { reset: false, reason: 'nothing-to-reset' };
        return undefined;
      }
      result = { reset: true, previous: fresh.failureRestarts };
      const { failureRestarts: _reset, ...rest } = fresh;
      return rest;
    });
    return result;
  }

  /** The connector's acknowledgement, while it holds. */
  async acknowledgementOf(connector: ConnectorRef): Promise<AlertAck | undefined> {
    const ack = (await this.leases.read(connectorKey(connector)))?.alertAck;
    return acknowledgementHolds(ack, this.clock.now().getTime()) ? ack : undefined;
  }

  /**
   * Silences the connector's alerts (its re-armed budget alerts, its rotation failures) until `until`, or, without
   * it, until recovery sees the connector healthy again. Outcome events and metrics are not silenced.
   */
  async acknowledge(connector: ConnectorRef, until?: number): Promise<AlertAck> {
    const ack: AlertAck = { at: this.clock.now().getTime(), ...(until === undefined ? {} : { until }) };
    await this.leases.updateIf(connectorKey(connector), (fresh) => ({ ...fresh, alertAck: ack }));
    return ack;
  }

  private view(record: ConnectorRecord | null): BudgetView {
    const { maxAutoRestarts, budgetRearmMs } = this.settings;
    const streak = record?.failureRestarts ?? { count: 0, lastRestartAt: 0 };
    const now = this.clock.now().getTime();
    const decision = decideFailureRestart(record?.failureRestarts, now, maxAutoRestarts, budgetRearmMs);
    const rearmsAt =
      budgetRearmMs > 0 && streak.exhaustedAt !== undefined ? { rearmsAt: streak.exhaustedAt + budgetRearmMs } : {};
    return {
      maxAutoRestarts,
      streak,
      ifFailedNow:
        decision.action === 'restart'
          ? { action: 'restart', attempt: decision.attempt }
          : decision.action === 'wait'
            ? { action: 'wait', until: decision.until }
            : { action: 'exhausted', ...rearmsAt },
    };
  }
}
