import type { Estate, EstateCluster, EstateConnector, EstateEnvironment } from '#local/estate';
import type { ConnectorView, StartOutcome, TaskErrorState } from './types';

/** The version every secret has until rotateSecret names a new one. */
export const INITIAL_SECRET_VERSION = 'initial';

/**
 * Confluent's status vocabulary for fully-managed connectors (docs.confluent.io "Interpret Connector Statuses for
 * Confluent Cloud"). Kafka Connect's task state FAILED is not part of it, so the emulator never reports it.
 */
export const TASK_STATES = {
  running: 'RUNNING',
  /** Tasks of a PAUSED connector. */
  stopped: 'STOPPED',
  /** Awaiting a worker. */
  unassigned: 'UNASSIGNED',
  restarting: 'RESTARTING',
  systemError: 'SYSTEM_ERROR',
  userActionableError: 'USER_ACTIONABLE_ERROR',
} as const;

const DEFAULT_FAILURE_TRACE = 'org.apache.kafka.connect.errors.ConnectException: Connector failed (emulated failure)';
const ALWAYS_FAILS_TRACE =
  'org.apache.kafka.connect.errors.ConnectException: Connector failed again right after its restart (emulated)';
const DEFAULT_TASK_FAILURE = 'org.apache.kafka.connect.errors.ConnectException: Task failed (emulated)';

interface TaskError {
  readonly state: TaskErrorState;
  readonly msg: string;
}

/**
 * Where a connector is in its lifecycle. Timed phases keep their start time so the observed state is computed from
 * the injected clock on each read: fake clocks work without timers.
 */
type Phase =
  | { readonly kind: 'running' }
  | { readonly kind: 'paused' }
  /** Every task in error (`tasks`), or the connector itself failed before it had tasks (`tasks` absent). */
  | { readonly kind: 'failed'; readonly since: number; readonly trace?: string; readonly tasks?: TaskError }
  /** Some tasks RUNNING, the `failing` ones UNASSIGNED until `errorAt`, then in error. */
  | {
      readonly kind: 'degraded';
      readonly failing: readonly number[];
      readonly error: TaskError;
      readonly errorAt: number;
    }
  /**
   * After an accepted restart or resume. Asynchronous (§1.5): for `statusLagMs` the status still shows what it was
   * (`before`), then PROVISIONING (tasks RESTARTING after a restart, none yet after a resume), then the outcome.
   */
  | {
      readonly kind: 'starting';
      readonly since: number;
      readonly via: 'restart' | 'resume';
      readonly before: StatusView;
    }
  | { readonly kind: 'pausing'; readonly since: number; readonly before: Phase };

export interface TaskStatusView {
  id: number;
  state: string;
  msg?: string;
}

export interface StatusView {
  state: string;
  trace?: string;
  tasks: TaskStatusView[];
}

export interface ConnectorEntry {
  readonly key: string;
  readonly connector: EstateConnector;
}

interface ConnectorRecord extends ConnectorEntry {
  phase: Phase;
  restarts: number;
  pauses: number;
  resumes: number;
  startOutcome: StartOutcome;
  /** Stays PROVISIONING after a start until turned off (setSlowStart). */
  slowStart: boolean;
  heldVersions: Map<string, string>;
}

export interface LifecycleTiming {
  readonly provisioningMs: number;
  readonly pauseMs: number;
  /** How long the status still shows the old state after a 202. */
  readonly statusLagMs: number;
}

export interface FailOptions {
  /** Fail the tasks (each carrying the message) rather than the connector itself. */
  readonly taskOnly?: boolean;
  /** Only these tasks (ids): the others stay RUNNING and the connector is DEGRADED. Implies taskOnly. */
  readonly tasks?: readonly number[];
  /** Default SYSTEM_ERROR. */
  readonly taskState?: TaskErrorState;
}

export class UnknownConnectorError extends Error {
  constructor(key: string) {
    super(`Unknown connector "${key}" (expected env-id/lkc-id/name)`);
    this.name = 'UnknownConnectorError';
  }
}

export function connectorKey(environmentId: string, clusterId: string, name: string): string {
  return `${environmentId}/${clusterId}/${name}`;
}

/** The estate and each connector's lifecycle, as the emulated Confluent Cloud sees them. */
export class EmulatorState {
  private readonly records = new Map<string, ConnectorRecord>();
  private readonly secretVersions = new Map<string, string>();

  constructor(
    private readonly estate: Estate,
    private readonly now: () => number,
    private readonly timing: LifecycleTiming,
  ) {
    for (const connector of estate.connectors) {
      const key = connectorKey(connector.environmentId, connector.clusterId, connector.name);
      this.records.set(key, {
        key,
        connector,
        phase: initialPhase(connector, now()),
        restarts: 0,
        pauses: 0,
        resumes: 0,
        startOutcome: { kind: 'running' },
        slowStart: false,
        heldVersions: new Map(connector.secretRefs.map((secretId) => [secretId, this.currentVersion(secretId)])),
      });
    }
  }

  environments(): readonly EstateEnvironment[] {
    return this.estate.environments;
  }

  findEnvironment(environmentId: string): EstateEnvironment | undefined {
    return this.estate.environments.find((environment) => environment.id === environmentId);
  }

  clustersOf(environmentId: string): EstateCluster[] {
    return this.estate.clusters.filter((cluster) => cluster.environmentId === environmentId);
  }

  findCluster(environmentId: string, clusterId: string): EstateCluster | undefined {
    return this.clustersOf(environmentId).find((cluster) => cluster.id === clusterId);
  }

  connectorsOf(environmentId: string, clusterId: string): ConnectorEntry[] {
    return [...this.records.values()].filter(
      ({ connector }) => connector.environmentId === environmentId && connector.clusterId === clusterId,
    );
  }

  findConnector(environmentId: string, clusterId: string, name: string): ConnectorEntry | undefined {
    return this.records.get(connectorKey(environmentId, clusterId, name));
  }

  status(entry: ConnectorEntry): StatusView {
    return this.statusOf(this.settle(entry.key));
  }

  restart(entry: ConnectorEntry): void {
    const record = this.settle(entry.key);
    record.restarts += 1;
    // Kafka Connect restarts a paused connector into its target state, so it stays paused.
    if (record.phase.kind === 'paused' || record.phase.kind === 'pausing') return;
    this.start(record, 'restart');
  }

  pause(entry: ConnectorEntry): void {
    const record = this.settle(entry.key);
    record.pauses += 1;
    if (record.phase.kind === 'paused' || record.phase.kind === 'pausing') return;
    // Whether Confluent lets a FAILED connector pause and later recover by resuming is UNCONFIRMED; here it does.
    record.phase = { kind: 'pausing', since: this.now(), before: record.phase };
  }

  resume(entry: ConnectorEntry): void {
    const record = this.settle(entry.key);
    record.resumes += 1;
    if (record.phase.kind === 'paused') {
      this.start(record, 'resume');
    } else if (record.phase.kind === 'pausing') {
      // The pause is called off before it took effect.
      record.phase = record.phase.before;
    }
  }

  rotateSecret(secretId: string, version: string): void {
    this.secretVersions.set(secretId, version);
  }

  failStaleConnectors(): string[] {
    const failed: string[] = [];
    for (const key of this.records.keys()) {
      const record = this.settle(key);
      if (record.phase.kind !== 'running') continue;
      const rejected = this.staleCredentialFailure(record);
      if (rejected === undefined) continue;
      record.phase = rejected;
      failed.push(key);
    }
    return failed;
  }

  failConnector(key: string, trace = DEFAULT_FAILURE_TRACE, options: FailOptions = {}): void {
    const record = this.settle(key);
    const error: TaskError = { state: options.taskState ?? TASK_STATES.systemError, msg: trace };
    const failing = options.tasks?.filter((id) => id >= 0 && id < record.connector.taskCount);
    if (failing !== undefined && failing.length < record.connector.taskCount) {
      record.phase = { kind: 'degraded', failing, error, errorAt: this.now() };
      return;
    }
    const taskOnly = options.taskOnly === true || failing !== undefined;
    record.phase = taskOnly
      ? { kind: 'failed', since: this.now(), tasks: error }
      : { kind: 'failed', since: this.now(), trace };
  }

  setStartOutcome(key: string, outcome: StartOutcome): void {
    this.record(key).startOutcome = outcome;
  }

  setAlwaysFails(key: string, on: boolean): void {
    this.setStartOutcome(key, on ? { kind: 'failed', msg: ALWAYS_FAILS_TRACE } : { kind: 'running' });
  }

  setSlowStart(key: string, on: boolean): void {
    this.record(key).slowStart = on;
  }

  view(key: string): ConnectorView {
    const record = this.settle(key);
    const status = this.statusOf(record);
    const errorSince = errorSinceOf(record.phase, this.now());
    return {
      key,
      state: status.state,
      tasks: status.tasks,
      ...(status.trace === undefined ? {} : { trace: status.trace }),
      ...(errorSince === undefined ? {} : { errorSince }),
      restarts: record.restarts,
      pauses: record.pauses,
      resumes: record.resumes,
      heldVersions: Object.fromEntries(record.heldVersions),
    };
  }

  views(): ConnectorView[] {
    return [...this.records.keys()].map((key) => this.view(key));
  }

  /** The connector fetches the current version of every secret it references, as a real start would. */
  private start(record: ConnectorRecord, via: 'restart' | 'resume'): void {
    const before = this.statusOf(record);
    for (const secretId of record.connector.secretRefs) {
      record.heldVersions.set(secretId, this.currentVersion(secretId));
    }
    record.phase = { kind: 'starting', since: this.now(), via, before };
  }

  /** What a start ends in at `at`: a credential rotated since it was fetched is rejected, else the scripted outcome. */
  private outcomeOf(record: ConnectorRecord, at: number): Phase {
    const rejected = this.staleCredentialFailure(record, at);
    if (rejected) return rejected;
    const outcome = record.startOutcome;
    if (outcome.kind === 'running') return { kind: 'running' };
    const error: TaskError = {
      state: outcome.state ?? TASK_STATES.systemError,
      msg: outcome.msg ?? DEFAULT_TASK_FAILURE,
    };
    if (outcome.kind === 'failed') return { kind: 'failed', since: at, trace: error.msg, tasks: error };
    return { kind: 'degraded', failing: outcome.failingTasks, error, errorAt: at + (outcome.unassignedMs ?? 0) };
  }

  /**
   * A connector holding a secret version that is no longer current is rejected by the system it logs in to: every
   * task comes back USER_ACTIONABLE_ERROR (the user must act: the credential is wrong), naming the secret, never a
   * value.
   */
  private staleCredentialFailure(record: ConnectorRecord, at = this.now()): Phase | undefined {
    const stale = [...record.heldVersions].find(([secretId, held]) => held !== this.currentVersion(secretId))?.[0];
    if (stale === undefined) return undefined;
    const trace =
      `org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed: the credential resolved ` +
      `from secret ${stale} at the last connector start was rejected; the secret has been rotated since.`;
    return { kind: 'failed', since: at, trace, tasks: { state: TASK_STATES.userActionableError, msg: trace } };
  }

  private currentVersion(secretId: string): string {
    return this.secretVersions.get(secretId) ?? INITIAL_SECRET_VERSION;
  }

  private record(key: string): ConnectorRecord {
    const record = this.records.get(key);
    if (!record) throw new UnknownConnectorError(key);
    return record;
  }

  /** Moves timed phases forward to what the clock says now. */
  private settle(key: string): ConnectorRecord {
    const record = this.record(key);
    if (record.slowStart && record.phase.kind === 'starting') return record;
    record.phase = this.advance(record, record.phase);
    return record;
  }

  private advance(record: ConnectorRecord, phase: Phase): Phase {
    const now = this.now();
    if (phase.kind === 'starting') {
      const end = phase.since + this.timing.statusLagMs + this.timing.provisioningMs;
      return now >= end ? this.outcomeOf(record, end) : phase;
    }
    if (phase.kind === 'pausing') {
      if (now >= phase.since + this.timing.pauseMs) return { kind: 'paused' };
      return { ...phase, before: this.advance(record, phase.before) };
    }
    return phase;
  }

  private statusOf(record: ConnectorRecord): StatusView {
    return statusOf(record.phase, record.connector.taskCount, this.now(), this.timing.statusLagMs);
  }
}

function initialPhase(connector: EstateConnector, now: number): Phase {
  switch (connector.state) {
    case 'RUNNING':
      return { kind: 'running' };
    case 'PAUSED':
      return { kind: 'paused' };
    case 'FAILED':
      // Confluent's FAILED: every task in an error state.
      return {
        kind: 'failed',
        since: now,
        trace: DEFAULT_FAILURE_TRACE,
        tasks: { state: TASK_STATES.systemError, msg: DEFAULT_FAILURE_TRACE },
      };
  }
}

/** When the error the connector shows now first appeared, if it shows one. */
function errorSinceOf(phase: Phase, now: number): number | undefined {
  if (phase.kind === 'failed') return phase.since;
  if (phase.kind === 'degraded' && now >= phase.errorAt) return phase.errorAt;
  return undefined;
}

function statusOf(phase: Phase, taskCount: number, now: number, statusLagMs: number): StatusView {
  const tasks = (state: string, msg?: string): TaskStatusView[] =>
    Array.from({ length: taskCount }, (_, id) => (msg === undefined ? { id, state } : { id, state, msg }));
  switch (phase.kind) {
    case 'running':
      return { state: 'RUNNING', tasks: tasks(TASK_STATES.running) };
    case 'paused':
      return { state: 'PAUSED', tasks: tasks(TASK_STATES.stopped) };
    case 'starting':
      if (now < phase.since + statusLagMs) return phase.before;
      // While provisioning after a resume the connector has no tasks yet; after a restart they are restarting.
      return { state: 'PROVISIONING', tasks: phase.via === 'restart' ? tasks(TASK_STATES.restarting) : [] };
    case 'pausing':
      // Pausing is asynchronous: until it takes effect the connector shows what it was doing.
      return statusOf(phase.before, taskCount, now, statusLagMs);
    case 'failed':
      return {
        state: 'FAILED',
        ...(phase.trace === undefined ? {} : { trace: phase.trace }),
        tasks: phase.tasks === undefined ? [] : tasks(phase.tasks.state, phase.tasks.msg),
      };
    case 'degraded': {
      const failed = now >= phase.errorAt;
      const view: TaskStatusView[] = tasks(TASK_STATES.running).map((task) =>
        !phase.failing.includes(task.id)
          ? task
          : failed
            ? { id: task.id, state: phase.error.state, msg: phase.error.msg }
            : { id: task.id, state: TASK_STATES.unassigned },
      );
      // Confluent's definitions: FAILED when every task is in error, DEGRADED when some run (or await a worker).
      const allFailed = view.every((task) => task.state === phase.error.state);
      return {
        state: allFailed ? 'FAILED' : view.every((t) => t.state === 'RUNNING') ? 'RUNNING' : 'DEGRADED',
        tasks: view,
      };
    }
  }
}
