import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { CoalescedRestart, CoalescingEntry, ConnectorRecord, PendingVersion, VersionedRecord } from '#core/ports';
import { StateStoreError } from './state-store-error';

/**
 * The item layout of the state table. One item per connector:
 * - `pk` (S): the connector key, the table's partition key;
 * - `revision` (N): bumped on every write, the compare-and-set etag;
 * - `lock` (M), `lastRestartAt` (N), `appliedVersions` (M of S), `failureRestarts` (M), `pausedByReloader` (M),
 *   `lastAlert` (M), `alertAck` (M), `rolloutHalt` (M, on a secret's rollout record),
 *   `pendingVersions` (M of M), `coalescing` (M of M), `coalescedRestart` (M, its `covered` an L of M),
 *   `expiresAt` (N, epoch ms): the ConnectorRecord fields, named alike;
 * - `ttl` (N): `expiresAt` in epoch SECONDS, the attribute DynamoDB TTL must be enabled on (it ignores milliseconds).
 *   TTL deletes lazily (typically within days), so an expired item may still be read: that is harmless, as nothing
 *   relies on its absence.
 */
export const PARTITION_KEY = 'pk';
export const REVISION_ATTRIBUTE = 'revision';
export const TTL_ATTRIBUTE = 'ttl';

type Item = Record<string, AttributeValue>;

export function recordToItem(record: ConnectorRecord, revision: number): Item {
  const item: Item = {
    [PARTITION_KEY]: { S: record.connectorKey },
    [REVISION_ATTRIBUTE]: number(revision),
  };
  if (record.lock) {
    item.lock = {
      M: {
        owner: { S: record.lock.owner },
        operation: { S: record.lock.operation },
        expiresAt: number(record.lock.expiresAt),
      },
    };
  }
  if (record.lastRestartAt !== undefined) item.lastRestartAt = number(record.lastRestartAt);
  if (record.appliedVersions) {
    const versions: Item = {};
    for (const [secret, version] of Object.entries(record.appliedVersions)) versions[secret] = { S: version };
    item.appliedVersions = { M: versions };
  }
  if (record.failureRestarts) {
    const { count, lastRestartAt, healthySince, deferredUntil, exhaustedAt } = record.failureRestarts;
    // Every field: without healthySince the budget never resets, without exhaustedAt the alert repeats every sweep.
    item.failureRestarts = {
      M: {
        count: number(count),
        lastRestartAt: number(lastRestartAt),
        ...(healthySince === undefined ? {} : { healthySince: number(healthySince) }),
        ...(deferredUntil === undefined ? {} : { deferredUntil: number(deferredUntil) }),
        ...(exhaustedAt === undefined ? {} : { exhaustedAt: number(exhaustedAt) }),
      },
    };
  }
  if (record.pausedByReloader) {
    // Without it a connector left PAUSED by a crash between pause and resume would pass for paused by a person.
    const { operation, at } = record.pausedByReloader;
    item.pausedByReloader = { M: { operation: { S: operation }, at: number(at) } };
  }
  if (record.lastAlert) {
    const { signature, sentAt, suppressed } = record.lastAlert;
    item.lastAlert = { M: { signature: { S: signature }, sentAt: number(sentAt), suppressed: number(suppressed) } };
  }
  if (record.alertAck) {
    const { at, until } = record.alertAck;
    item.alertAck = { M: { at: number(at), ...(until === undefined ? {} : { until: number(until) }) } };
  }
  if (record.rolloutHalt) {
    // Empty strings are left out: not every DynamoDB (dynalite) takes them.
    const { version, at, firstWave, trace } = record.rolloutHalt;
    item.rolloutHalt = {
      M: {
        ...(version === '' ? {} : { version: { S: version } }),
        at: number(at),
        firstWave: { L: firstWave.map((key) => ({ S: key })) },
        ...(trace === '' ? {} : { trace: { S: trace } }),
      },
    };
  }
  if (record.pendingVersions) {
    // Without it the lock holder would not know a rotation waited on it, and the connector would stay stale.
    const pending: Item = {};
    for (const [secret, { secret: id, version, becameCurrentAt, since }] of Object.entries(record.pendingVersions)) {
      pending[secret] = {
        M: {
          secret: { S: id },
          ...(version === undefined ? {} : { version: { S: version } }),
          becameCurrentAt: number(becameCurrentAt),
          since: number(since),
        },
      };
    }
    item.pendingVersions = { M: pending };
  }
  if (record.coalescing) {
    // Without it a coalesced restart would apply only the version of the delivery that made it.
    const entries: Item = {};
    for (const [secretKey, entry] of Object.entries(record.coalescing)) {
      const { secret, version, becameCurrentAt, arrivedAt, pendingSince } = entry;
      entries[secretKey] = {
        M: {
          secret: { S: secret },
          ...(version === undefined ? {} : { version: { S: version } }),
          ...(becameCurrentAt === undefined ? {} : { becameCurrentAt: number(becameCurrentAt) }),
          arrivedAt: number(arrivedAt),
          pendingSince: number(pendingSince),
        },
      };
    }
    item.coalescing = { M: entries };
  }
  if (record.coalescedRestart) {
    const { id, at, covered } = record.coalescedRestart;
    item.coalescedRestart = {
      M: {
        id: { S: id },
        at: number(at),
        covered: {
          L: covered.map(({ secretKey, secret, version }) => ({
            M: {
              secretKey: { S: secretKey },
              secret: { S: secret },
              ...(version === undefined ? {} : { version: { S: version } }),
            },
          })),
        },
      },
    };
  }
  if (record.expiresAt !== undefined) {
    item.expiresAt = number(record.expiresAt);
    item[TTL_ATTRIBUTE] = number(Math.ceil(record.expiresAt / 1000));
  }
  return item;
}

export function itemToVersionedRecord(item: Item): VersionedRecord {
  const connectorKey = item[PARTITION_KEY]?.S;
  if (connectorKey === undefined) throw new StateStoreError(`state item without ${PARTITION_KEY}`, 'MalformedItem');
  const read = new AttributeReader(connectorKey);
  const lock = item.lock && read.map(item.lock, 'lock');
  const appliedVersions = item.appliedVersions && read.map(item.appliedVersions, 'appliedVersions');
  const failureRestarts = item.failureRestarts && read.map(item.failureRestarts, 'failureRestarts');
  const pausedByReloader = item.pausedByReloader && read.map(item.pausedByReloader, 'pausedByReloader');
  const lastAlert = item.lastAlert && read.map(item.lastAlert, 'lastAlert');
  const alertAck = item.alertAck && read.map(item.alertAck, 'alertAck');
  const rolloutHalt = item.rolloutHalt && read.map(item.rolloutHalt, 'rolloutHalt');
  const coalescing = item.coalescing && read.map(item.coalescing, 'coalescing');
  const coalescedRestart = item.coalescedRestart && read.map(item.coalescedRestart, 'coalescedRestart');
  const versions: Record<string, string> = {};
  for (const [secret, version] of Object.entries(appliedVersions ?? {})) {
    versions[secret] = read.string(version, `appliedVersions.${secret}`);
  }
  const pendingItem = item.pendingVersions && read.map(item.pendingVersions, 'pendingVersions');
  const pending: Record<string, PendingVersion> = {};
  for (const [secret, value] of Object.entries(pendingItem ?? {})) {
    const path = `pendingVersions.${secret}`;
    const entry = read.map(value, path);
    pending[secret] = {
      secret: read.string(entry.secret, `${path}.secret`),
      ...(entry.version && { version: read.string(entry.version, `${path}.version`) }),
      becameCurrentAt: read.number(entry.becameCurrentAt, `${path}.becameCurrentAt`),
      since: read.number(entry.since, `${path}.since`),
    };
  }
  const record: ConnectorRecord = {
    connectorKey,
    ...(lock && {
      lock: {
        owner: read.string(lock.owner, 'lock.owner'),
        operation: read.string(lock.operation, 'lock.operation'),
        expiresAt: read.number(lock.expiresAt, 'lock.expiresAt'),
      },
    }),
    ...(item.lastRestartAt && { lastRestartAt: read.number(item.lastRestartAt, 'lastRestartAt') }),
    ...(appliedVersions && { appliedVersions: versions }),
    ...(failureRestarts && {
      failureRestarts: {
        count: read.number(failureRestarts.count, 'failureRestarts.count'),
        lastRestartAt: read.number(failureRestarts.lastRestartAt, 'failureRestarts.lastRestartAt'),
        ...(failureRestarts.healthySince && {
          healthySince: read.number(failureRestarts.healthySince, 'failureRestarts.healthySince'),
        }),
        ...(failureRestarts.deferredUntil && {
          deferredUntil: read.number(failureRestarts.deferredUntil, 'failureRestarts.deferredUntil'),
        }),
        ...(failureRestarts.exhaustedAt && {
          exhaustedAt: read.number(failureRestarts.exhaustedAt, 'failureRestarts.exhaustedAt'),
        }),
      },
    }),
    ...(pausedByReloader && {
      pausedByReloader: {
        operation: read.string(pausedByReloader.operation, 'pausedByReloader.operation'),
        at: read.number(pausedByReloader.at, 'pausedByReloader.at'),
      },
    }),
    ...(lastAlert && {
      lastAlert: {
        signature: read.string(lastAlert.signature, 'lastAlert.signature'),
        sentAt: read.number(lastAlert.sentAt, 'lastAlert.sentAt'),
        suppressed: read.number(lastAlert.suppressed, 'lastAlert.suppressed'),
      },
    }),
    ...(alertAck && {
      alertAck: {
        at: read.number(alertAck.at, 'alertAck.at'),
        ...(alertAck.until && { until: read.number(alertAck.until, 'alertAck.until') }),
      },
    }),
    ...(rolloutHalt && {
      rolloutHalt: {
        version: rolloutHalt.version ? read.string(rolloutHalt.version, 'rolloutHalt.version') : '',
        at: read.number(rolloutHalt.at, 'rolloutHalt.at'),
        firstWave: (rolloutHalt.firstWave?.L ?? []).map((key, i) => read.string(key, `rolloutHalt.firstWave.${i}`)),
        trace: rolloutHalt.trace ? read.string(rolloutHalt.trace, 'rolloutHalt.trace') : '',
      },
    }),
    ...(pendingItem && { pendingVersions: pending }),
    ...(coalescing && { coalescing: readCoalescing(read, coalescing) }),
    ...(coalescedRestart && { coalescedRestart: readCoalescedRestart(read, coalescedRestart) }),
    ...(item.expiresAt && { expiresAt: read.number(item.expiresAt, 'expiresAt') }),
  };
  return { record, etag: String(read.number(item[REVISION_ATTRIBUTE], REVISION_ATTRIBUTE)) };
}

function readCoalescing(read: AttributeReader, group: Item): Record<string, CoalescingEntry> {
  const entries: Record<string, CoalescingEntry> = {};
  for (const [secretKey, value] of Object.entries(group)) {
    const path = `coalescing.${secretKey}`;
    const entry = read.map(value, path);
    entries[secretKey] = {
      secret: read.string(entry.secret, `${path}.secret`),
      ...(entry.version && { version: read.string(entry.version, `${path}.version`) }),
      ...(entry.becameCurrentAt && { becameCurrentAt: read.number(entry.becameCurrentAt, `${path}.becameCurrentAt`) }),
      arrivedAt: read.number(entry.arrivedAt, `${path}.arrivedAt`),
      pendingSince: read.number(entry.pendingSince, `${path}.pendingSince`),
    };
  }
  return entries;
}

function readCoalescedRestart(read: AttributeReader, restart: Item): CoalescedRestart {
  const covered = restart.covered?.L;
  if (!covered) throw read.malformed('coalescedRestart.covered');
  return {
    id: read.string(restart.id, 'coalescedRestart.id'),
    at: read.number(restart.at, 'coalescedRestart.at'),
    covered: covered.map((value, index) => {
      const path = `coalescedRestart.covered.${index}`;
      const entry = read.map(value, path);
      return {
        secretKey: read.string(entry.secretKey, `${path}.secretKey`),
        secret: read.string(entry.secret, `${path}.secret`),
        ...(entry.version && { version: read.string(entry.version, `${path}.version`) }),
      };
    }),
  };
}

function number(value: number): AttributeValue {
  return { N: String(value) };
}

/** Typed reads of one item's attributes; a wrong type names the connector and the attribute, never a value. */
class AttributeReader {
  constructor(private readonly connectorKey: string) {}

  string(value: AttributeValue | undefined, path: string): string {
    if (value?.S === undefined) throw this.malformed(path);
    return value.S;
  }

  number(value: AttributeValue | undefined, path: string): number {
    const parsed = value?.N === undefined ? Number.NaN : Number(value.N);
    if (!Number.isFinite(parsed)) throw this.malformed(path);
    return parsed;
  }

  map(value: AttributeValue, path: string): Record<string, AttributeValue> {
    if (value.M === undefined) throw this.malformed(path);
    return value.M;
  }

  malformed(path: string): StateStoreError {
    return new StateStoreError(`malformed state item for ${this.connectorKey}: attribute ${path}`, 'MalformedItem');
  }
}
