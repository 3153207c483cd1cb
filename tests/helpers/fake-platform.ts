import type { ClusterScope, ConnectorSnapshot, ConnectorStatus } from '#core/connector';
import { type ClusterRef, type ConnectorRef, clusterKey, connectorKey } from '#core/connector-ref';
import type { ConnectorPlatform, ListClustersOptions, RestartMethod, RestartOptions } from '#core/ports';

/**
 * An in-memory ConnectorPlatform for unit tests of the core. After a restart, the connector reports each status in
 * `afterRestart` in turn (the last one repeats), so tests script what verification sees.
 */
export class FakePlatform implements ConnectorPlatform {
  readonly clusters: ClusterScope[] = [];
  private readonly connectors = new Map<string, ConnectorSnapshot>();
  private readonly afterRestart = new Map<string, ConnectorStatus[]>();
  readonly restarts: string[] = [];
  readonly resumes: string[] = [];
  readonly calls: string[] = [];
  restartError?: Error;
  pauseResume = false;
  crashBetweenPauseAndResume = false;

  addCluster(cluster: ClusterScope): this {
    this.clusters.push(cluster);
    return this;
  }

  addConnector(ref: ConnectorRef, config: Record<string, string>, state = 'RUNNING'): this {
    this.connectors.set(connectorKey(ref), { ref, config, status: running(state) });
    return this;
  }

  addConnectorWithStatus(
    ref: ConnectorRef,
    connectorStatus: ConnectorStatus,
    config: Record<string, string> = {},
    id?: string,
  ): this {
    this.connectors.set(connectorKey(ref), { ref, config, status: connectorStatus, ...(id ? { id } : {}) });
    return this;
  }

  scriptAfterRestart(ref: ConnectorRef, statuses: ConnectorStatus[]): void {
    this.afterRestart.set(connectorKey(ref), statuses);
  }

  async listClusters(options: ListClustersOptions = {}): Promise<ClusterScope[]> {
    this.calls.push(options.describe ? 'listClusters describe' : 'listClusters');
    return this.clusters;
  }

  async listConnectors(cluster: ClusterRef): Promise<ConnectorSnapshot[]> {
    this.calls.push(`listConnectors ${clusterKey(cluster)}`);
    return [...this.connectors.values()].filter((c) => clusterKey(c.ref) === clusterKey(cluster));
  }

  async getStatus(connector: ConnectorRef): Promise<ConnectorStatus> {
    const key = connectorKey(connector);
    this.calls.push(`getStatus ${key}`);
    const scripted = this.afterRestart.get(key);
    if (scripted && scripted.length > 0 && this.restarts.includes(key)) {
      return scripted.length > 1 ? (scripted.shift() as ConnectorStatus) : (scripted[0] as ConnectorStatus);
    }
    const snapshot = this.connectors.get(key);
    if (!snapshot) throw new Error(`no connector ${key}`);
    return snapshot.status;
  }

  /**
   * A restart; with `pauseResume` set it goes by pause/resume, telling the recorder, and `crashBetweenPauseAndResume`
   * makes it throw after the pause (the connector is left PAUSED, as after a crash).
   */
  async restart(connector: ConnectorRef, options: RestartOptions = {}): Promise<{ method: RestartMethod }> {
    const key = connectorKey(connector);
    this.calls.push(`restart ${key}`);
    if (this.restartError) throw this.restartError;
    if (this.pauseResume) {
      await options.pauses?.pausing();
      if (this.crashBetweenPauseAndResume) {
        const snapshot = this.connectors.get(key);
        if (snapshot) this.connectors.set(key, { ...snapshot, status: running('PAUSED') });
        throw new Error('injected fault between pause and resume');
      }
      await options.pauses?.released();
    }
    this.restarts.push(key);
    if (!this.afterRestart.has(key)) this.afterRestart.set(key, [status('PROVISIONING', []), running('RUNNING')]);
    return { method: this.pauseResume ? 'pause-resume' : 'restart' };
  }

  async resume(connector: ConnectorRef): Promise<void> {
    const key = connectorKey(connector);
    this.calls.push(`resume ${key}`);
    this.resumes.push(key);
    // A resume starts the connector like a restart: scripted statuses (or PROVISIONING, RUNNING) follow.
    this.restarts.push(key);
    if (!this.afterRestart.has(key)) this.afterRestart.set(key, [status('PROVISIONING', []), running('RUNNING')]);
  }
}

export function status(state: string, taskStates: string[] = [state], trace?: string): ConnectorStatus {
  return { state, tasks: taskStates.map((s, id) => ({ id, state: s })), ...(trace ? { trace } : {}) };
}

function running(state: string): ConnectorStatus {
  // A PAUSED connector's tasks are STOPPED (Confluent's vocabulary).
  return status(state, [state === 'PAUSED' ? 'STOPPED' : state]);
}
