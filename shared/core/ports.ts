import type { ClusterScope, ConnectorSnapshot, ConnectorStatus } from './connector';
import type { ClusterRef, ConnectorRef } from './connector-ref';
import type { OutcomeReport } from './outcome-report';
import type { SecretRef } from './secret-ref';

/**
 * What a secret manager tells about a rotated secret. Never carries the secret's value: the reloader only needs
 * to know which version is current, since when, and the secret's tags.
 */
export interface SecretSnapshot {
  /** The secret as the provider resolves it (on AWS, the full ARN with its suffix). */
  readonly secret: SecretRef;
  readonly currentVersion: string | null;
  /** When the current version became current, when the provider knows it. */
  readonly currentSince?: Date;
  /** Versions written but not yet current (AWS AWSPENDING): a rotation still in progress. */
  readonly pendingVersions: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

export interface SecretSource {
  describe(secret: SecretRef): Promise<SecretSnapshot>;
}

/** How a connector was (re)started: the restart endpoint, pause then resume, or a resume of one the reloader had paused. */
export type RestartMethod = 'restart' | 'pause-resume' | 'resume';

/**
 * Told about each pause the platform makes on the way to a restart (pause/resume), so that a connector the reloader
 * paused is never orphaned: the use case records the pause in the state store before it is sent, and clears it once
 * the connector is not paused by the reloader any more.
 */
export interface PauseRecorder {
  /** Before the pause is sent. A failure here stops the restart with nothing paused. */
  pausing(): Promise<void>;
  /** A resume was accepted after the pause, or the pause was refused: the reloader holds no pause on it. */
  released(): Promise<void>;
}

export interface RestartOptions {
  readonly pauses?: PauseRecorder;
}

export interface ListConnectorsOptions {
  /**
   * Epoch ms: answer with a listing requested at or after this time (a cache must not serve older state). A
   * platform without a cache always lists afresh and can ignore it.
   */
  readonly freshSince?: number;
}

export interface ListClustersOptions {
  /**
   * Ask discovery (cmk/v2) about clusters the scopes name too, for their cloud, region and kind and to check they
   * exist (doctor, status). Without it a named cluster is taken as named, at no API call.
   */
  readonly describe?: boolean;
}

export interface ConnectorPlatform {
  /** The clusters in the configured scope, with cloud, region and kind where discovery (or the scope) tells. */
  listClusters(options?: ListClustersOptions): Promise<ClusterScope[]>;
  /** Every connector of one cluster with its config and status: one API call (or a cached listing). */
  listConnectors(cluster: ClusterRef, options?: ListConnectorsOptions): Promise<ConnectorSnapshot[]>;
  getStatus(connector: ConnectorRef): Promise<ConnectorStatus>;
  /** Asks for a restart and returns once it is accepted; says which method was used. */
  restart(connector: ConnectorRef, options?: RestartOptions): Promise<{ method: RestartMethod }>;
  /** Asks for a resume (a no-op on a connector that is not paused) and returns once it is accepted. */
  resume(connector: ConnectorRef): Promise<void>;
}

/**
 * The per-connector record the reloader keeps: its in-flight lock, its last restart and the versions it applied.
 * Stores only ids, versions and times: never a secret value.
 */
export interface ConnectorRecord {
  readonly connectorKey: string;
  readonly lock?: { readonly owner: string; readonly operation: string; readonly expiresAt: number };
  /** Epoch ms when the last restart of this connector (by anyone through this tool) was accepted. */
  readonly lastRestartAt?: number;
  /** secretIdentityKey → the last version a restart was issued for. */
  readonly appliedVersions?: Readonly<Record<string, string>>;
  /** Automatic failure-recovery bookkeeping (restart-budget.ts). */
  readonly failureRestarts?: FailureRestarts;
  /**
   * Set before the reloader pauses the connector (pause/resume), cleared once it is resumed. A connector found PAUSED
   * with it is one the reloader paused and did not resume (it crashed, or the resume failed): the next rotation,
   * recovery or sweep resumes it. Only a PAUSED connector without it was paused by a person.
   */
  readonly pausedByReloader?: PausedByReloader;
  /** The last alert sent about this connector, and the identical ones left out since (alert-suppression.ts). */
  readonly lastAlert?: LastAlert;
  /** An operator's acknowledgement (`ack`): the connector's alerts are left out while it holds. */
  readonly alertAck?: AlertAck;
  /**
   * Only on a secret's rollout record (rollout-waves.ts rolloutKey), never a connector's: the version whose first
   * wave failed with a credential error, so the rest of that version stays halted on a redelivery.
   */
  readonly rolloutHalt?: RolloutHalt;
  /**
   * secretIdentityKey → a rotation that found the connector locked by another operation (pending-versions.ts). The
   * holder, once it releases the lock, restarts the connector once more unless its own restart covered the version.
   */
  readonly pendingVersions?: Readonly<Record<string, PendingVersion>>;
  /**
   * secretIdentityKey → a rotated version waiting in this connector's coalescing window (restart-coalescing.ts):
   * one restart, once the window is quiet or its cap is reached, applies every one of them.
   */
  readonly coalescing?: Readonly<Record<string, CoalescingEntry>>;
  /** The last coalesced restart: which (secret, version) pairs it applied, so each rotation's report can name it. */
  readonly coalescedRestart?: CoalescedRestart;
  /** Epoch ms after which the store may drop the record. */
  readonly expiresAt?: number;
}

export interface PausedByReloader {
  /** The operation that paused it (the lock's operation, e.g. `reload <secret>@<version>`). */
  readonly operation: string;
  /** Epoch ms when the pause was about to be sent. */
  readonly at: number;
}

export interface LastAlert {
  /** What makes two alerts identical: the result and its trace, digits folded (alert-suppression.ts). */
  readonly signature: string;
  /** Epoch ms when it was sent. */
  readonly sentAt: number;
  /** Identical alerts left out since. */
  readonly suppressed: number;
}

export interface AlertAck {
  /** Epoch ms of the acknowledgement. */
  readonly at: number;
  /** Epoch ms it ends; absent: until recovery sees the connector healthy again. */
  readonly until?: number;
}

export interface RolloutHalt {
  /** The version whose rollout halted ('' when the secret manager named none). */
  readonly version: string;
  readonly at: number;
  /** Connector keys of the first wave. */
  readonly firstWave: readonly string[];
  /** The first wave's failure trace (scrubbed, as verification read it). */
  readonly trace: string;
}

export interface PendingVersion {
  /** The canonical secret id, for reports and logs. */
  readonly secret: string;
  /** The version waiting to be applied; absent when the secret manager did not say. */
  readonly version?: string;
  /** Epoch ms when the version became current (or when the rotation saw it current, if the source did not say). */
  readonly becameCurrentAt: number;
  /** Epoch ms when the rotation found the connector locked and recorded this. */
  readonly since: number;
}

export interface CoalescingEntry {
  /** The canonical secret id, for plans and reports. */
  readonly secret: string;
  /** The version waiting to be applied; absent when the secret manager named none. */
  readonly version?: string;
  /** Epoch ms when the version became current, when known: a restart after it covers the version. */
  readonly becameCurrentAt?: number;
  /** Epoch ms of the latest arrival of a new version of this secret: the quiet window counts from the latest one. */
  readonly arrivedAt: number;
  /** Epoch ms since when this secret has had a version waiting: the cap counts from the group's earliest one. */
  readonly pendingSince: number;
}

export interface CoalescedRestart {
  /** Names the restart in every report it covers: `<connector key>@<ISO time it was claimed>`. */
  readonly id: string;
  /** Epoch ms when the restart was accepted. */
  readonly at: number;
  readonly covered: readonly CoalescedVersion[];
}

export interface CoalescedVersion {
  readonly secretKey: string;
  readonly secret: string;
  readonly version?: string;
}

export interface FailureRestarts {
  /** Automatic restarts in the current streak; reset once the connector stayed RUNNING for a backoff interval. */
  readonly count: number;
  /** Epoch ms of the last automatic restart (0 before the first). */
  readonly lastRestartAt: number;
  /** Epoch ms when the connector was last seen RUNNING with every task RUNNING after such a restart. */
  readonly healthySince?: number;
  /** Epoch ms until which a restart is held back by a maintenance window. */
  readonly deferredUntil?: number;
  /** Epoch ms when the budget ran out and the alert went out (sent once per streak). */
  readonly exhaustedAt?: number;
}

export interface VersionedRecord {
  readonly record: ConnectorRecord;
  /** Opaque concurrency token (DynamoDB revision, Table ETag) to pass back to `write`. */
  readonly etag: string;
}

/** Compare-and-set storage; the locking and idempotency rules on top live in core (connector-lease.ts), once. */
export interface StateStore {
  read(connectorKey: string): Promise<VersionedRecord | null>;
  /** Writes when the stored etag still equals `expectedEtag` (null: only if absent). False on conflict. */
  write(record: ConnectorRecord, expectedEtag: string | null): Promise<boolean>;
}

/** A token bucket's state as every instance shares it: tokens left at `refilledAt` (epoch ms). */
export interface RateBucket {
  readonly tokens: number;
  readonly refilledAt: number;
}

/**
 * Compare-and-set storage of named token buckets, beside the connector records (the state table), so that every
 * instance of the reloader draws its Confluent requests from one budget (shared/confluent/fleet-rate-budget.ts).
 */
export interface RateBucketStore {
  read(name: string): Promise<{ readonly bucket: RateBucket; readonly etag: string } | null>;
  /**
   * Writes when the stored etag still equals `expectedEtag` (null: only if absent): the new etag ('' when the store
   * did not say), null on conflict.
   */
  write(name: string, bucket: RateBucket, expectedEtag: string | null): Promise<string | null>;
}

/**
 * The one outcome channel: every use case reports what it did here (a rotation's restarts, a recovery, a secret
 * expiry warning). The alert webhook, the outcome events and the metrics are its adapters, composed once per
 * runtime (shared/app/outcome-sinks.ts). Each sink decides for itself what is worth sending. A delivery may throw;
 * the caller logs it and keeps its result (reportOutcome), since the restarts already happened.
 */
export interface OutcomeSink {
  /** Named in the error log when a delivery fails. */
  readonly name: string;
  deliver(outcome: OutcomeReport): Promise<void>;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
