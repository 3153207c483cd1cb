import type { ConnectorLeases } from './connector-lease';
import { deferralEnd, type MaintenanceWindow } from './maintenance-windows';
import { latestPossibleInstant, restartCoverage } from './pending-versions';
import type { CoalescedRestart, CoalescingEntry, ConnectorRecord } from './ports';
import {
  type CoalescedRestartRef,
  type CoalescingWait,
  coalescingOutcomes,
  type PendingVersionRef,
  type ReloadReport,
} from './reload-plan';

/**
 * Coalescing: credentials that rotate together (a database user and its password in two secrets, rotated seconds
 * apart) get one restart, after the last of them, instead of one each, the first of which picks up half a
 * credential. Each rotation that reaches a connector records its (secret, version) in the connector's record
 * (`coalescing`, compare-and-set), and the restart is due once no new version has arrived for the window, or once
 * the cap since the group's first arrival is reached, whichever comes first; a maintenance window pushes it to the
 * window's end. Nothing sleeps: a rotation not due yet is reported `coalescing` with its due time, and the runtime
 * delivers it again then (an SQS delay, a Storage Queue visibility delay, a Cloud Tasks schedule). Whichever delivery
 * finds the group due takes the connector's lock and restarts once; that restart records every pending version as
 * applied, so every other delivery of the group (its own re-delivery, a duplicate, a late one) finds its version
 * covered and names that restart.
 */
export interface CoalescingPolicy {
  /** Quiet time after the latest new version before the restart (RESTART_COALESCE_SECONDS); 0: off. */
  readonly windowMs: number;
  /** The longest a group waits after its first version (RESTART_COALESCE_MAX_SECONDS). */
  readonly capMs: number;
  /** Deny windows the coalesced restart waits out (MAINTENANCE_WINDOWS), as automatic restarts do. */
  readonly maintenanceWindows?: readonly MaintenanceWindow[];
  /** An operator's reload (the CLI) while coalescing is on: due now, applying whatever the group holds. */
  readonly restartNow?: boolean;
}

export function coalescingOn(policy: CoalescingPolicy | undefined): policy is CoalescingPolicy {
  return policy !== undefined && policy.windowMs > 0;
}

/** One rotation reaching one connector. */
export interface Arrival {
  readonly secretKey: string;
  /** The canonical secret id. */
  readonly secret: string;
  readonly version: string | null;
  readonly becameCurrentAt?: number;
  /** Epoch ms now. */
  readonly at: number;
}

type Group = Readonly<Record<string, CoalescingEntry>>;

export type CoalescingState =
  /** The group, this arrival included, waits until `dueAt`. */
  | { readonly kind: 'waiting'; readonly dueAt: number; readonly group: Group }
  /** Restart now: one restart applies the whole group. */
  | { readonly kind: 'due'; readonly group: Group }
  /** A restart recorded since covers this arrival's version. */
  | { readonly kind: 'covered'; readonly restart?: CoalescedRestartRef };

/** Where the connector's group stands once `arrival` joins it, on `record` as read. Pure: plans use it as it is. */
export function assessArrival(
  record: ConnectorRecord | null,
  arrival: Arrival,
  policy: CoalescingPolicy,
): CoalescingState {
  if (restartCovers(record, arrival.secretKey, arrival.version, arrival.becameCurrentAt)) {
    const restart = restartThatCovered(record, arrival.secretKey, arrival.version, arrival.becameCurrentAt);
    return { kind: 'covered', ...(restart ? { restart } : {}) };
  }
  const group = joined(record, arrival);
  if (policy.restartNow) return { kind: 'due', group };
  const dueAt = dueTime(group, policy);
  return dueAt > arrival.at ? { kind: 'waiting', dueAt, group } : { kind: 'due', group };
}

/**
 * When the group's restart is due: its latest arrival plus the window, or its earliest pending version plus the cap
 * if that is sooner (a steady stream of rotations never holds a connector back for longer), then out of any
 * maintenance window.
 */
export function dueTime(group: Group, policy: CoalescingPolicy): number {
  const entries = Object.values(group);
  const latest = Math.max(...entries.map((entry) => entry.arrivedAt));
  const earliest = Math.min(...entries.map((entry) => entry.pendingSince));
  const due = Math.min(latest + policy.windowMs, earliest + policy.capMs);
  return policy.maintenanceWindows?.length ? (deferralEnd(policy.maintenanceWindows, due) ?? due) : due;
}

/**
 * The group with `arrival` in it, less the versions a restart recorded since already covers (a recovery, an
 * operator's restart). A version already waiting is not a new arrival (a duplicate delivery, this rotation's own
 * re-delivery): it leaves the window alone. A newer version of a waiting secret restarts the window, but keeps the
 * cap counting from the first.
 */
function joined(record: ConnectorRecord | null, arrival: Arrival): Group {
  const group = pending(record);
  const existing = group[arrival.secretKey];
  if (existing && (existing.version ?? null) === arrival.version) return group;
  const entry: CoalescingEntry = {
    secret: arrival.secret,
    ...(arrival.version !== null ? { version: arrival.version } : {}),
    ...(arrival.becameCurrentAt !== undefined ? { becameCurrentAt: arrival.becameCurrentAt } : {}),
    arrivedAt: arrival.at,
    pendingSince: existing?.pendingSince ?? arrival.at,
  };
  return { ...group, [arrival.secretKey]: entry };
}

/** The record's waiting versions that no restart recorded on it covers yet. */
function pending(record: ConnectorRecord | null): Group {
  const group: Record<string, CoalescingEntry> = {};
  for (const [secretKey, entry] of Object.entries(record?.coalescing ?? {})) {
    if (!restartCovers(record, secretKey, entry.version ?? null, entry.becameCurrentAt ?? entry.arrivedAt)) {
      group[secretKey] = entry;
    }
  }
  return group;
}

/** The same rule as a rotation's "already covered": that version was applied, or a restart came after it. */
function restartCovers(
  record: ConnectorRecord | null,
  secretKey: string,
  version: string | null,
  becameCurrentAt: number | undefined,
): boolean {
  return restartCoverage(record, secretKey, version, becameCurrentAt) !== undefined;
}

/** The coalesced restart recorded on `record` that covered this version, if one did. */
export function restartThatCovered(
  record: ConnectorRecord | null,
  secretKey: string,
  version: string | null,
  becameCurrentAt: number | undefined,
): CoalescedRestartRef | undefined {
  const restart = record?.coalescedRestart;
  if (!restart) return undefined;
  const applied = restart.covered.some((c) => c.secretKey === secretKey && (c.version ?? null) === version);
  const after =
    record.lastRestartAt === restart.at &&
    becameCurrentAt !== undefined &&
    restart.at > latestPossibleInstant(becameCurrentAt);
  return applied || after ? restartRef(restart) : undefined;
}

const CLAIM_OPERATION = 'coalesced restart ';

/**
 * How soon a rotation that meets a coalesced restart's lock looks again: the restart records what it applied as soon
 * as Confluent accepts it (a second or two; a pause/resume waits up to PAUSE_TIMEOUT_SECONDS), so the next look
 * usually finds the version covered and names that restart, rather than ending as merely "in flight".
 */
export const CLAIMED_RECHECK_MS = 15_000;

/** Whether a lock's operation is a coalesced restart (this module writes them: CoalescingClaim). */
export function isCoalescedRestart(operation: string | undefined): boolean {
  return operation?.startsWith(CLAIM_OPERATION) === true;
}

/** A rotation that met a coalesced restart's lock: it looks again shortly, when that restart has been recorded. */
export function claimedWait(arrival: Arrival, holder: string): { wait: CoalescingWait; detail: string } {
  const dueAt = new Date(arrival.at + CLAIMED_RECHECK_MS);
  return {
    wait: { dueAt, pending: [{ secret: arrival.secret, version: arrival.version }] },
    detail: `${holder} holds the connector: this rotation looks again at ${dueAt.toISOString()}, when that restart is recorded`,
  };
}

/** When a rotation whose connectors wait in their windows must come back: the first of their due times. */
export function deferredUntil(report: ReloadReport): Date | undefined {
  const due = coalescingOutcomes(report).flatMap((outcome) =>
    outcome.coalescing ? [outcome.coalescing.dueAt.getTime()] : [],
  );
  return due.length > 0 ? new Date(Math.min(...due)) : undefined;
}

export function pendingVersions(group: Group): PendingVersionRef[] {
  return Object.values(group)
    .map((entry) => ({ secret: entry.secret, version: entry.version ?? null }))
    .sort((a, b) => a.secret.localeCompare(b.secret));
}

export function coalescingWait(state: { readonly dueAt: number; readonly group: Group }): CoalescingWait {
  return { dueAt: new Date(state.dueAt), pending: pendingVersions(state.group) };
}

/** The `coalescing` skip's detail: what waits, and until when. */
export function describeWait(wait: CoalescingWait, policy: CoalescingPolicy): string {
  const versions = wait.pending.map((p) => `${p.secret}@${p.version ?? 'current'}`).join(', ');
  return `coalescing ${wait.pending.length} pending version(s) (${versions}): one restart due at ${wait.dueAt.toISOString()} (window ${policy.windowMs / 1000} s, cap ${policy.capMs / 1000} s)`;
}

function restartRef(restart: CoalescedRestart): CoalescedRestartRef {
  return {
    id: restart.id,
    at: new Date(restart.at),
    covers: restart.covered.map((c) => ({ secret: c.secret, version: c.version ?? null })),
  };
}

/** The connector-level steps of coalescing, on the state store through the connector's leases. */
export class RestartCoalescing {
  constructor(
    private readonly leases: ConnectorLeases,
    readonly policy: CoalescingPolicy,
  ) {}

  /**
   * Records the arrival in the connector's group (compare-and-set, so concurrent rotations of one connector all
   * land) and says where the group stands on the freshest record. A duplicate writes nothing.
   */
  async arrive(connectorKey: string, arrival: Arrival): Promise<CoalescingState> {
    let state: CoalescingState = { kind: 'covered' };
    await this.leases.updateIf(connectorKey, (record) => {
      state = assessArrival(record, arrival, this.policy);
      if (state.kind === 'covered' || sameGroup(record.coalescing, state.group)) return undefined;
      return { ...record, coalescing: state.group };
    });
    return state;
  }

  /** A claim on the group, to take with the connector's lock: `refuse` decides on the freshest record. */
  claim(connectorKey: string, arrival: Arrival): CoalescingClaim {
    return new CoalescingClaim(connectorKey, arrival, this.policy);
  }
}

/**
 * The delivery that finds the group due claims it with the connector's lock. Decided again inside the lock's
 * compare-and-set: a new version that arrived meanwhile puts the group back to waiting (`waiting` is then set), and
 * the versions claimed are exactly those the restart records as applied.
 */
export class CoalescingClaim {
  readonly id: string;
  /** The lock's operation: another delivery meeting the lock is told which restart holds it. */
  readonly operation: string;
  waiting?: CoalescingWait;
  private claimed: Group = {};

  constructor(
    connectorKey: string,
    private readonly arrival: Arrival,
    readonly policy: CoalescingPolicy,
  ) {
    this.id = `${connectorKey}@${new Date(arrival.at).toISOString()}`;
    this.operation = `${CLAIM_OPERATION}${this.id}`;
  }

  /** For the lock's `refuse`: undefined to take the lock (the group is claimed), or why not. */
  refuse(record: ConnectorRecord | null): string | undefined {
    const state = assessArrival(record, this.arrival, this.policy);
    if (state.kind === 'covered') return 'a restart recorded meanwhile covers this version';
    if (state.kind === 'waiting') {
      this.waiting = coalescingWait(state);
      return describeWait(this.waiting, this.policy);
    }
    this.claimed = state.group;
    return undefined;
  }

  /**
   * The record after the restart was accepted at `acceptedAt`: every claimed version applied, the coalesced restart
   * recorded, and the group left with what arrived after the claim and the restart did not cover.
   */
  applied(record: ConnectorRecord, acceptedAt: number): ConnectorRecord {
    const appliedVersions: Record<string, string> = { ...record.appliedVersions };
    for (const [secretKey, entry] of Object.entries(this.claimed)) {
      if (entry.version !== undefined) appliedVersions[secretKey] = entry.version;
    }
    const restarted: ConnectorRecord = {
      ...record,
      lastRestartAt: acceptedAt,
      appliedVersions,
      coalescedRestart: this.recorded(acceptedAt),
    };
    const { coalescing: _replaced, ...rest } = restarted;
    const unclaimed = Object.fromEntries(
      Object.entries(record.coalescing ?? {}).filter(([key, entry]) => !sameEntry(this.claimed[key], entry)),
    );
    const left = pending({ ...restarted, coalescing: unclaimed });
    return Object.keys(left).length > 0 ? { ...rest, coalescing: left } : rest;
  }

  ref(acceptedAt: number): CoalescedRestartRef {
    return restartRef(this.recorded(acceptedAt));
  }

  private recorded(acceptedAt: number): CoalescedRestart {
    return {
      id: this.id,
      at: acceptedAt,
      covered: Object.entries(this.claimed)
        .map(([secretKey, entry]) => ({
          secretKey,
          secret: entry.secret,
          ...(entry.version !== undefined ? { version: entry.version } : {}),
        }))
        .sort((a, b) => a.secret.localeCompare(b.secret)),
    };
  }
}

function sameGroup(a: Group | undefined, b: Group): boolean {
  const keys = Object.keys(b);
  return Object.keys(a ?? {}).length === keys.length && keys.every((key) => sameEntry(a?.[key], b[key]));
}

function sameEntry(a: CoalescingEntry | undefined, b: CoalescingEntry | undefined): boolean {
  return (
    a !== undefined &&
    b !== undefined &&
    a.secret === b.secret &&
    a.version === b.version &&
    a.becameCurrentAt === b.becameCurrentAt &&
    a.arrivedAt === b.arrivedAt &&
    a.pendingSince === b.pendingSince
  );
}
