import pLimit from 'p-limit';
import type { ConnectorLeases } from './connector-lease';
import { type ConnectorRef, connectorKey } from './connector-ref';
import type { OutcomeReport } from './outcome-report';
import type { AlertAck, Clock, LastAlert } from './ports';

/**
 * Which connectors of an outcome still deserve a line in its alert. A database outage behind 200 connectors fails
 * them on every sweep and re-arms their budgets every day: a connector whose alert would say what its last one said
 * (same result, same trace) within the repeat window is left out and counted on its record, and a connector an
 * operator acknowledged (`ack`) is left out while the acknowledgement holds. What was left out is said in one
 * clause of the digest; the first line sent after the window says how many identical ones were left out meanwhile.
 * Only alerts are screened: outcome events and metrics still see every connector.
 */
export interface AlertSuppressionSettings {
  /** 0: every alert is sent (acknowledgements still hold). */
  readonly repeatWindowMs: number;
}

export interface ScreenedOutcome {
  /** The outcome with the left-out connectors removed (repeat counts noted in the kept ones' detail). */
  readonly outcome: OutcomeReport;
  /** Connectors left out as repeats of their last alert. */
  readonly repeats: number;
  /** Connectors left out as acknowledged. */
  readonly acknowledged: number;
  /** Gives back what this screening recorded, when the alert could not be delivered (so the next one is sent). */
  undo(): Promise<void>;
}

export interface AlertScreen {
  screen(outcome: OutcomeReport): Promise<ScreenedOutcome>;
}

interface AlertingOutcome {
  readonly connector: ConnectorRef;
  readonly result: string;
  readonly reason?: string;
  readonly detail?: string;
  readonly alert?: boolean;
}

/** What makes a connector's outcome worth an alert: it did not end RUNNING, its budget ran out, or it was halted. */
export function isAlerting(outcome: AlertingOutcome): boolean {
  return (
    outcome.result === 'failed' ||
    outcome.result === 'timed-out' ||
    outcome.result === 'restart-error' ||
    outcome.alert === true ||
    outcome.reason === 'halted'
  );
}

/**
 * Two alerts are identical when they say the same of the connector: the same result and the same trace, numbers
 * folded (attempt counts, times, offsets). Hashed: the record keeps ids and times, not traces.
 */
export function alertSignature(outcome: AlertingOutcome): string {
  const what = outcome.alert ? 'budget-exhausted' : (outcome.reason ?? outcome.result);
  const text = (outcome.detail ?? '').replace(/\d+/g, '#');
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${what}:${hash.toString(16).padStart(8, '0')}`;
}

/** An acknowledgement with `until` holds until then; without, until recovery sees the connector healthy (cleared). */
export function acknowledgementHolds(ack: AlertAck | undefined, now: number): boolean {
  return ack !== undefined && (ack.until === undefined || now < ack.until);
}

/** Drops an acknowledgement that lasts until the connector is healthy: recovery just saw it healthy. */
export function withoutOpenAcknowledgement<R extends { readonly alertAck?: AlertAck }>(record: R): R {
  if (!record.alertAck || record.alertAck.until !== undefined) return record;
  const { alertAck: _ended, ...rest } = record;
  return rest as R;
}

type Verdict =
  | { readonly send: true; readonly repeats: number; readonly since?: number; readonly claimed?: Claim }
  | { readonly send: false; readonly why: 'repeat' | 'acknowledged' };

interface Claim {
  readonly key: string;
  readonly sent: LastAlert;
  readonly previous?: LastAlert;
}

/** State writes per alert are bounded like restarts: a digest of 200 connectors is 200 small CAS writes. */
const STATE_CONCURRENCY = 25;

export class AlertSuppression implements AlertScreen {
  constructor(
    private readonly leases: ConnectorLeases,
    private readonly clock: Clock,
    private readonly settings: AlertSuppressionSettings,
  ) {}

  async screen(outcome: OutcomeReport): Promise<ScreenedOutcome> {
    if (outcome.kind === 'secret-expiry') return { outcome, repeats: 0, acknowledged: 0, undo: async () => {} };
    const limit = pLimit(STATE_CONCURRENCY);
    const outcomes: readonly AlertingOutcome[] = outcome.report.outcomes;
    const verdicts = await Promise.all(outcomes.map((o) => (isAlerting(o) ? limit(() => this.verdict(o)) : undefined)));
    const kept = outcomes.flatMap((o, i) => {
      const verdict = verdicts[i];
      if (!verdict) return [o];
      if (!verdict.send) return [];
      if (verdict.repeats === 0 || verdict.since === undefined) return [o];
      const note = `${verdict.repeats} identical alert(s) left out since ${new Date(verdict.since).toISOString()}`;
      return [{ ...o, detail: o.detail ? `${o.detail} [${note}]` : note }];
    });
    const left = (why: 'repeat' | 'acknowledged') => verdicts.filter((v) => v && !v.send && v.why === why).length;
    const claims = verdicts.flatMap((v) => (v?.send && v.claimed ? [v.claimed] : []));
    const report = { ...outcome.report, outcomes: kept };
    return {
      outcome: { ...outcome, report } as OutcomeReport,
      repeats: left('repeat'),
      acknowledged: left('acknowledged'),
      undo: () => this.undo(claims),
    };
  }

  /** Decided on the freshest record inside the compare-and-set: of two alerters at once, one sends. */
  private async verdict(outcome: AlertingOutcome): Promise<Verdict> {
    const key = connectorKey(outcome.connector);
    const now = this.clock.now().getTime();
    const signature = alertSignature(outcome);
    const window = this.settings.repeatWindowMs;
    let verdict: Verdict = { send: true, repeats: 0 };
    await this.leases.updateIf(key, (record) => {
      if (acknowledgementHolds(record.alertAck, now)) {
        verdict = { send: false, why: 'acknowledged' };
        return undefined;
      }
      if (window <= 0) {
        verdict = { send: true, repeats: 0 };
        return undefined;
      }
      const last = record.lastAlert;
      if (last && last.signature === signature && now - last.sentAt < window) {
        verdict = { send: false, why: 'repeat' };
        return { ...record, lastAlert: { ...last, suppressed: last.suppressed + 1 } };
      }
      const sent: LastAlert = { signature, sentAt: now, suppressed: 0 };
      const same = last?.signature === signature;
      verdict = {
        send: true,
        repeats: same ? last.suppressed : 0,
        ...(same ? { since: last.sentAt } : {}),
        claimed: { key, sent, ...(last ? { previous: last } : {}) },
      };
      return { ...record, lastAlert: sent };
    });
    return verdict;
  }

  private async undo(claims: readonly Claim[]): Promise<void> {
    const limit = pLimit(STATE_CONCURRENCY);
    await Promise.all(
      claims.map((claim) =>
        limit(() =>
          this.leases.updateIf(claim.key, (record) => {
            if (record.lastAlert?.sentAt !== claim.sent.sentAt) return undefined;
            const { lastAlert: _sent, ...rest } = record;
            return claim.previous ? { ...rest, lastAlert: claim.previous } : rest;
          }),
        ),
      ),
    );
  }
}
