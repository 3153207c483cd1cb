import type { ConnectorLeases } from './connector-lease';
import type { ConnectorRecord, PendingVersion } from './ports';

/**
 * "Never drop a rotation that meets a locked connector." A rotation that finds a connector locked by another
 * operation (a recovery, another secret's reload) cannot restart it now, and skipping it would leave the connector
 * on the old credential. So the rotation leaves word in the connector's record (`pendingVersions`) and asks for its
 * own event to be delivered again later; the holder, once it releases the lock, restarts the connector once more
 * unless its own restart already covers the version (pending-version-follow-up.ts). Whichever comes first does the
 * restart; compare-and-set on the record makes the other find the version covered, so it is restarted once.
 */

/** What a rotation that met a lock learned, on the freshest record. */
export type LockWait =
  /** The entry is recorded and the holder will see it when it releases; the rotation is retried meanwhile. */
  | { readonly kind: 'pending'; readonly holder: string; readonly lockExpiresAt: number }
  /** A restart accepted after the version became current happened meanwhile (the holder's own, or another's). */
  | { readonly kind: 'covered'; readonly detail: string }
  /** The lock is gone: the holder released it before seeing the entry, so the rotation must act itself. */
  | { readonly kind: 'free' };

/**
 * Records `entry` for the holder of `connectorKey`'s lock, or says why not. Decided inside the compare-and-set loop,
 * so a holder releasing at the same moment either sees the entry in its release or makes this return `free`. A lock
 * whose operation is `sameOperation` is another delivery of this very rotation: it restarts for this version and
 * owns the outcome (and its own retries), so it counts as covering it.
 */
export async function waitOnHolder(
  leases: ConnectorLeases,
  connectorKey: string,
  secretKey: string,
  entry: PendingVersion,
  sameOperation?: string,
): Promise<LockWait> {
  let wait: LockWait = { kind: 'free' };
  await leases.updateIf(connectorKey, (record) => {
    const covered = restartCoverage(record, secretKey, entry.version ?? null, entry.becameCurrentAt);
    if (covered) {
      wait = { kind: 'covered', detail: covered };
      return undefined;
    }
    if (!record.lock || !leases.lockActive(record)) {
      wait = { kind: 'free' };
      return undefined;
    }
    if (sameOperation !== undefined && record.lock.operation === sameOperation) {
      wait = { kind: 'covered', detail: `another delivery of this rotation is restarting it (${sameOperation})` };
      return undefined;
    }
    wait = { kind: 'pending', holder: record.lock.operation, lockExpiresAt: record.lock.expiresAt };
    const existing = record.pendingVersions?.[secretKey];
    const merged = laterOf(existing, entry);
    return merged === existing
      ? undefined
      : { ...record, pendingVersions: { ...record.pendingVersions, [secretKey]: merged } };
  });
  return wait;
}

/**
 * Why a restart recorded on `record` already covers `version` of the secret: the same version was applied, or a
 * restart was accepted after the version became current (the connector fetched the new value when it started).
 */
export function restartCoverage(
  record: ConnectorRecord | null,
  secretKey: string,
  version: string | null,
  becameCurrentAt: number | undefined,
): string | undefined {
  if (!record) return undefined;
  if (version !== null && record.appliedVersions?.[secretKey] === version) {
    return `version ${version} was already applied to this connector`;
  }
  if (record.lastRestartAt !== undefined && becameCurrentAt !== undefined) {
    if (record.lastRestartAt > latestPossibleInstant(becameCurrentAt)) {
      return `restarted at ${new Date(record.lastRestartAt).toISOString()}, after the version became current at ${new Date(becameCurrentAt).toISOString()}`;
    }
  }
  return undefined;
}

/**
 * Event and version times often come in whole seconds (EventBridge `time`, Key Vault `created`): the change may have
 * happened anywhere in that second, so a restart only covers it once that second is over.
 */
export function latestPossibleInstant(ms: number): number {
  return ms % 1000 === 0 ? ms + 999 : ms;
}

/** The pending entries the record's last restart does not cover: the holder restarts once more for these. */
export function uncoveredPending(record: ConnectorRecord | null): [string, PendingVersion][] {
  return Object.entries(record?.pendingVersions ?? {}).filter(
    ([secretKey, entry]) => !restartCoverage(record, secretKey, entry.version ?? null, entry.becameCurrentAt),
  );
}

/** The record without the pending entries its restarts cover; undefined when there is none to drop. */
export function withoutCoveredPending(record: ConnectorRecord): ConnectorRecord | undefined {
  const pending = Object.keys(record.pendingVersions ?? {});
  if (pending.length === 0) return undefined;
  const left = Object.fromEntries(uncoveredPending(record));
  if (Object.keys(left).length === pending.length) return undefined;
  return withPending(record, left);
}

/**
 * A restart accepted at `acceptedAt` on behalf of the pending entries: each entry it covers is applied (its version
 * recorded, as a rotation's own restart records it) and dropped; entries that became current later stay.
 */
export function settlePendingByRestart(record: ConnectorRecord, acceptedAt: number): ConnectorRecord {
  const applied: Record<string, string> = { ...record.appliedVersions };
  const left: Record<string, PendingVersion> = {};
  for (const [secretKey, entry] of Object.entries(record.pendingVersions ?? {})) {
    if (acceptedAt > latestPossibleInstant(entry.becameCurrentAt)) {
      if (entry.version !== undefined) applied[secretKey] = entry.version;
    } else left[secretKey] = entry;
  }
  const versions = Object.keys(applied).length > 0 ? { appliedVersions: applied } : {};
  return { ...withPending(record, left), lastRestartAt: acceptedAt, ...versions };
}

export function describePending(entries: readonly [string, PendingVersion][]): string {
  return entries.map(([, entry]) => `${entry.secret}@${entry.version ?? 'current'}`).join(', ');
}

function withPending(record: ConnectorRecord, pending: Record<string, PendingVersion>): ConnectorRecord {
  const { pendingVersions: _dropped, ...rest } = record;
  return Object.keys(pending).length > 0 ? { ...rest, pendingVersions: pending } : rest;
}

/** One entry per secret: the version that became current last supersedes (a restart for it covers the older one). */
function laterOf(existing: PendingVersion | undefined, entry: PendingVersion): PendingVersion {
  if (!existing) return entry;
  if (existing.becameCurrentAt > entry.becameCurrentAt) return existing;
  if (existing.becameCurrentAt === entry.becameCurrentAt && existing.version === entry.version) return existing;
  return entry;
}
