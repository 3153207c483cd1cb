import type { Estate, EstateCluster, EstateConnector, EstateEnvironment } from '../estate';
import type { ConnectorView } from './types';

/** The version every secret has until rotateSecret names a new one. */
export const INITIAL_SECRET_VERSION = 'initial';

const DEFAULT_FAILURE_TRACE = 'org.apache.kafka.connect.errors.ConnectException: Connector failed (emulated failure)';
const ALWAYS_FAILS_TRACE =
  'org.apache.kafka.connect.errors.ConnectException: Connector failed again right after its restart (emulated)';

/**
 * Where a connector is in its lifecycle. Timed phases keep their start time so the observed state is computed from
 * the injected clock on each read: fake clocks work without timers.
 */
type Phase =
  | { readonly kind: 'running' }
  | { readonly kind: 'paused' }
  | { readonly kind: 'failed'; readonly trace?: string; readonly taskMsg?: string }
  | { readonly kind: 'starting'; readonly since: number; readonly failsWith?: string }
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
  alwaysFails: boolean;
  /** Stays PROVISIONING after a start until turned off (setSlowStart). */
  slowStart: boolean;
  heldVersions: Map<string, string>;
}

export interface LifecycleTiming {
  readonly provisioningMs: number;
  readonly pauseMs: number;
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
        phase: initialPhase(connector),
        restarts: 0,
        pauses: 0,
        resumes: 0,
        alwaysFails: false,
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
    const record = this.settle(entry.key);
    return statusOf(record.phase, record.connector.taskCount);
  }

  restart(entry: ConnectorEntry): void {
    const record = this.settle(entry.key);
    record.restarts += 1;
    // Kafka Connect restarts a paused connector into its target state, so it stays paused.
    if (record.phase.kind === 'paused' || record.phase.kind === 'pausing') return;
    this.start(record);
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
      this.start(record);
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
      const staleSecret = this.staleSecretOf(record);
      if (record.phase.kind !== 'running' || staleSecret === undefined) continue;
      const trace =
        `org.apache.kafka.common.errors.SaslAuthenticationException: Authentication failed: the credential resolved ` +
        `from secret ${staleSecret} at the last connector start was rejected; the secret has been rotated since.`;
      record.phase = { kind: 'failed', trace, taskMsg: trace };
      failed.push(key);
    }
    return failed;
  }

  failConnector(key: string, trace = DEFAULT_FAILURE_TRACE, opts: { taskOnly?: boolean } = {}): void {
    const record = this.settle(key);
    record.phase = opts.taskOnly ? { kind: 'failed', taskMsg: trace } : { kind: 'failed', trace };
  }

  setAlwaysFails(key: string, on: boolean): void {
    this.record(key).alwaysFails = on;
  }

  setSlowStart(key: string, on: boolean): void {
    this.record(key).slowStart = on;
  }

  view(key: string): ConnectorView {
    const record = this.settle(key);
    const status = statusOf(record.phase, record.connector.taskCount);
    return {
      key,
      state: status.state,
      tasks: status.tasks,
      ...(status.trace === undefined ? {} : { trace: status.trace }),
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
  private start(record: ConnectorRecord): void {
    for (const secretId of record.connector.secretRefs) {
      record.heldVersions.set(secretId, this.currentVersion(secretId));
    }
    record.phase = {
      kind: 'starting',
      since: this.now(),
      ...(record.alwaysFails ? { failsWith: ALWAYS_FAILS_TRACE } : {}),
    };
  }

  private staleSecretOf(record: ConnectorRecord): string | undefined {
    return [...record.heldVersions].find(([secretId, held]) => held !== this.currentVersion(secretId))?.[0];
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
    record.phase = this.advance(record.phase);
    return record;
  }

  private advance(phase: Phase): Phase {
    const now = this.now();
    if (phase.kind === 'starting' && now >= phase.since + this.timing.provisioningMs) {
      return phase.failsWith === undefined ? { kind: 'running' } : { kind: 'failed', trace: phase.failsWith };
    }
    if (phase.kind === 'pausing') {
      if (now >= phase.since + this.timing.pauseMs) return { kind: 'paused' };
      return { ...phase, before: this.advance(phase.before) };
    }
    return phase;
  }
}

function initialPhase(connector: EstateConnector): Phase {
  switch (connector.state) {
    case 'RUNNING':
      return { kind: 'running' };
    case 'PAUSED':
      return { kind: 'paused' };
    case 'FAILED':
      return { kind: 'failed', trace: DEFAULT_FAILURE_TRACE };
  }
}

function statusOf(phase: Phase, taskCount: number): StatusView {
  const tasks = (state: string, msg?: string): TaskStatusView[] =>
    Array.from({ length: taskCount }, (_, id) => (msg === undefined ? { id, state } : { id, state, msg }));
  switch (phase.kind) {
    case 'running':
      return { state: 'RUNNING', tasks: tasks('RUNNING') };
    case 'paused':
      return { state: 'PAUSED', tasks: tasks('PAUSED') };
    case 'starting':
      // Confluent reports no tasks while a connector provisions.
      return { state: 'PROVISIONING', tasks: [] };
    case 'pausing':
      // Pausing is asynchronous: until it takes effect the connector shows what it was doing.
      return statusOf(phase.before, taskCount);
    case 'failed':
      return {
        state: 'FAILED',
        ...(phase.trace === undefined ? {} : { trace: phase.trace }),
        tasks: phase.taskMsg === undefined ? [] : tasks('FAILED', phase.taskMsg),
      };
  }
}
