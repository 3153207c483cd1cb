import type { ClusterScope, ConnectorSnapshot, ConnectorStatus } from '#core/connector';
import { type ClusterRef, type ConnectorRef, clusterKey, connectorKey, type Scope } from '#core/connector-ref';
import {
  type Clock,
  type ConnectorPlatform,
  type ListClustersOptions,
  type Logger,
  type PauseRecorder,
  type RestartMethod,
  type RestartOptions,
  silentLogger,
  systemClock,
} from '#core/ports';
import { classifyRestartRejection, FORBIDDEN_STATUS, isPaused, RESTART_ENDPOINT_STAGE } from './api-facts';
import type { ConfluentClient } from './confluent-client';
import { ConfluentApiError, ConfluentNotFoundError } from './confluent-errors';
import {
  ClusterNotFoundError,
  ConnectorAlreadyPausedError,
  PauseTimeoutError,
  RestartPermissionError,
} from './platform-errors';

/** `env-…` alone means every cluster of the environment; a named cluster may carry its cloud. */
export type ConfluentScope = Scope;

/** `auto`: the restart endpoint, falling back to pause/resume in a cluster where it is unavailable or forbidden. */
export type RestartMethodSetting = 'auto' | RestartMethod;

/** The client calls the platform uses; an interface so that tests can stand in for the API. */
export type ConfluentApi = Pick<
  ConfluentClient,
  'listEnvironments' | 'listClusters' | 'listConnectors' | 'getStatus' | 'pause' | 'resume' | 'restart'
>;

export interface ConfluentConnectorPlatformOptions {
  readonly client: ConfluentApi;
  /** Empty: every environment the API key can see. */
  readonly scopes?: readonly ConfluentScope[];
  readonly restartMethod?: RestartMethodSetting;
  /** How long a pause may take to show as PAUSED. */
  readonly pauseTimeoutMs?: number;
  readonly pollIntervalMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export const PLATFORM_DEFAULTS = { restartMethod: 'auto', pauseTimeoutMs: 120_000, pollIntervalMs: 2_000 } as const;

/** What `auto` does after the restart endpoint refused: fall back, ask whether the connector exists, or give up. */
export type RestartFallback = 'fall-back' | 'fall-back-if-connector-exists' | 'rethrow';

/** The fallback decision table: only an API answer that says "no such endpoint for you" leads to pause/resume. */
export function restartFallbackFor(error: unknown): RestartFallback {
  if (!(error instanceof ConfluentApiError)) return 'rethrow';
  switch (classifyRestartRejection(error.status)) {
    case 'forbidden':
    case 'unavailable':
      return 'fall-back';
    case 'unavailable-if-connector-exists':
      return 'fall-back-if-connector-exists';
    default:
      return 'rethrow';
  }
}

function namedCluster(scope: Scope): ClusterScope {
  const { environmentId, clusterId = '', cloud } = scope;
  return cloud === undefined ? { environmentId, clusterId } : { environmentId, clusterId, cloud };
}

/** The ConnectorPlatform port on Confluent Cloud. */
export class ConfluentConnectorPlatform implements ConnectorPlatform {
  private readonly client: ConfluentApi;
  private readonly scopes: readonly ConfluentScope[];
  private readonly restartMethod: RestartMethodSetting;
  private readonly pauseTimeoutMs: number;
  private readonly pollIntervalMs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  /**
   * Clusters (`env/lkc`) where the restart endpoint proved unavailable or forbidden and pause/resume worked instead:
   * later restarts there go straight to pause/resume. Per cluster, since role bindings are per cluster (or per
   * connector): a 403 in one cluster says nothing about another.
   */
  private readonly pauseResumeClusters = new Set<string>();

  constructor(options: ConfluentConnectorPlatformOptions) {
    this.client = options.client;
    this.scopes = options.scopes ?? [];
    this.restartMethod = options.restartMethod ?? PLATFORM_DEFAULTS.restartMethod;
    this.pauseTimeoutMs = options.pauseTimeoutMs ?? PLATFORM_DEFAULTS.pauseTimeoutMs;
    this.pollIntervalMs = options.pollIntervalMs ?? PLATFORM_DEFAULTS.pollIntervalMs;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Whether `auto` has switched to pause/resume for this cluster. */
  fallsBackToPauseResume(cluster: ClusterRef): boolean {
    return this.pauseResumeClusters.has(clusterKey(cluster));
  }

  async listClusters(options: ListClustersOptions = {}): Promise<ClusterScope[]> {
    if (this.scopes.length === 0) {
      const environments = await this.client.listEnvironments();
      const clusters = await Promise.all(environments.map((environment) => this.client.listClusters(environment.id)));
      return clusters.flat();
    }
    const perEnvironment = new Map<string, Map<string, Scope> | 'all'>();
    for (const scope of this.scopes) {
      const wanted = perEnvironment.get(scope.environmentId) ?? new Map<string, Scope>();
      if (scope.clusterId === undefined || wanted === 'all') perEnvironment.set(scope.environmentId, 'all');
      else if (!wanted.has(scope.clusterId))
        perEnvironment.set(scope.environmentId, wanted.set(scope.clusterId, scope));
    }
    const clusters = await Promise.all(
      [...perEnvironment].map(async ([environmentId, wanted]) => {
        // A named cluster is taken as named: no cmk/v2 call. Its connectors' configs tell their cloud
        // (`cloud.provider`, target-resolver.ts) unless the scope does; a wrong id fails its connector listing.
        if (wanted !== 'all' && !options.describe) return [...wanted.values()].map(namedCluster);
        const listed = await this.client.listClusters(environmentId);
        if (wanted === 'all') return listed;
        return [...wanted.keys()].map((clusterId) => {
          const cluster = listed.find((candidate) => candidate.clusterId === clusterId);
          if (!cluster) throw new ClusterNotFoundError(environmentId, clusterId);
          return cluster;
        });
      }),
    );
    return clusters.flat();
  }

  listConnectors(cluster: ClusterRef): Promise<ConnectorSnapshot[]> {
    return this.client.listConnectors(cluster.environmentId, cluster.clusterId);
  }

  getStatus(connector: ConnectorRef): Promise<ConnectorStatus> {
    return this.client.getStatus(connector);
  }

  async restart(connector: ConnectorRef, options: RestartOptions = {}): Promise<{ method: RestartMethod }> {
    const { pauses } = options;
    if (this.restartMethod === 'pause-resume') return this.pauseResume(connector, { pauses });
    if (this.restartMethod === 'auto' && this.fallsBackToPauseResume(connector))
      return this.pauseResume(connector, { pauses });
    try {
      await this.client.restart(connector);
      return { method: 'restart' };
    } catch (error) {
      if (this.restartMethod === 'auto') return this.fallBack(connector, error, pauses);
      if (isForbidden(error)) throw new RestartPermissionError(connector, ['restart']);
      throw error;
    }
  }

  /** `PUT …/resume` (GA, 202): a no-op on a connector that is not paused (§1.5). */
  async resume(connector: ConnectorRef): Promise<void> {
    try {
      await this.client.resume(connector);
    } catch (error) {
      if (isForbidden(error)) throw new RestartPermissionError(connector, ['resume'], { leftPaused: true });
      throw error;
    }
  }

  private async fallBack(
    connector: ConnectorRef,
    restartError: unknown,
    pauses: PauseRecorder | undefined,
  ): Promise<{ method: RestartMethod }> {
    const decision = restartFallbackFor(restartError);
    if (decision === 'rethrow') throw restartError;
    let status: ConnectorStatus | undefined;
    if (decision === 'fall-back-if-connector-exists') {
      try {
        status = await this.client.getStatus(connector);
      } catch (statusError) {
        // The connector itself is missing: the 404 was about it, not about the endpoint.
        throw statusError instanceof ConfluentNotFoundError ? restartError : statusError;
      }
    }
    const restartRefused = isForbidden(restartError);
    const result = await this.pauseResume(connector, {
      ...(status ? { knownStatus: status } : {}),
      ...(pauses ? { pauses } : {}),
      restartRefused,
    });
    // Remembered once pause/resume proved to work here, so a key that may do neither is not steered away for nothing.
    const cluster = clusterKey(connector);
    if (!this.pauseResumeClusters.has(cluster)) {
      this.pauseResumeClusters.add(cluster);
      this.logger.warn('restart endpoint unavailable in this cluster, falling back to pause/resume there', {
        cluster,
        connector: connectorKey(connector),
        status: restartError instanceof ConfluentApiError ? restartError.status : undefined,
        stage: RESTART_ENDPOINT_STAGE,
      });
    }
    return result;
  }

  /**
   * PUT pause → wait for PAUSED → PUT resume. Never leaves a connector paused by us if it can help it, and tells
   * `pauses` before pausing and once no pause of ours is left, so that a crash in between is seen by the next run.
   */
  private async pauseResume(
    connector: ConnectorRef,
    options: { knownStatus?: ConnectorStatus; pauses?: PauseRecorder; restartRefused?: boolean },
  ): Promise<{ method: RestartMethod }> {
    const { pauses } = options;
    const before = options.knownStatus ?? (await this.client.getStatus(connector));
    if (isPaused(before)) throw new ConnectorAlreadyPausedError(connector);
    await pauses?.pausing();
    try {
      await this.client.pause(connector);
    } catch (error) {
      if (isForbidden(error)) {
        // Refused: nothing was paused, and a retry would be refused again.
        await pauses?.released();
        throw new RestartPermissionError(connector, options.restartRefused ? ['restart', 'pause'] : ['pause']);
      }
      await this.resumeQuietly(connector, pauses);
      throw error;
    }
    let lastState: string;
    try {
      lastState = await this.waitUntilPaused(connector);
    } catch (error) {
      await this.resumeQuietly(connector, pauses);
      throw error;
    }
    if (!isPaused({ state: lastState })) {
      const resumeSent = await this.resumeQuietly(connector, pauses);
      throw new PauseTimeoutError(connector, this.pauseTimeoutMs, lastState, resumeSent);
    }
    // A failure here leaves the connector PAUSED by us, with the record that says so: the next run resumes it.
    await this.resume(connector);
    await pauses?.released();
    return { method: 'pause-resume' };
  }

  /** Polls status until PAUSED or the timeout; returns the last state seen. */
  private async waitUntilPaused(connector: ConnectorRef): Promise<string> {
    const deadline = this.clock.now().getTime() + this.pauseTimeoutMs;
    for (;;) {
      const status = await this.client.getStatus(connector);
      if (isPaused(status)) return status.state;
      const remainingMs = deadline - this.clock.now().getTime();
      if (remainingMs <= 0) return status.state;
      await this.clock.sleep(Math.min(this.pollIntervalMs, remainingMs));
    }
  }

  /** Resume is a no-op on a connector that is not paused (§1.5), so it is safe after any failure mid-way. */
  private async resumeQuietly(connector: ConnectorRef, pauses: PauseRecorder | undefined): Promise<boolean> {
    try {
      await this.client.resume(connector);
    } catch (error) {
      this.logger.error('resume after a failed pause/resume did not go through', {
        connector: connectorKey(connector),
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
    try {
      await pauses?.released();
    } catch (error) {
      // The record stays: harmless, it only matters while the connector is PAUSED.
      this.logger.warn('could not clear the pause record after resuming', {
        connector: connectorKey(connector),
        error: error instanceof Error ? error.message : String(error),
      });
    }
    return true;
  }
}

function isForbidden(error: unknown): boolean {
  return error instanceof ConfluentApiError && error.status === FORBIDDEN_STATUS;
}
