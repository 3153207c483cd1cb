import type { ClusterScope, ConnectorSnapshot, ConnectorStatus } from '../core/connector';
import { type ClusterRef, type ConnectorRef, connectorKey, type Scope } from '../core/connector-ref';
import {
  type Clock,
  type ConnectorPlatform,
  type ListClustersOptions,
  type Logger,
  type RestartMethod,
  silentLogger,
  systemClock,
} from '../core/ports';
import { classifyRestartRejection, isPaused, RESTART_ENDPOINT_STAGE } from './api-facts';
import type { ConfluentClient } from './confluent-client';
import { ConfluentApiError, ConfluentNotFoundError } from './confluent-errors';
import { ClusterNotFoundError, ConnectorAlreadyPausedError, PauseTimeoutError } from './platform-errors';

/** `env-…` alone means every cluster of the environment; a named cluster may carry its cloud. */
export type ConfluentScope = Scope;

/** `auto`: the restart endpoint, falling back to pause/resume where it is unavailable. */
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
  /** Set once the restart endpoint proved unavailable: later restarts in this process go straight to pause/resume. */
  private restartEndpointUnavailable = false;

  constructor(options: ConfluentConnectorPlatformOptions) {
    this.client = options.client;
    this.scopes = options.scopes ?? [];
    this.restartMethod = options.restartMethod ?? PLATFORM_DEFAULTS.restartMethod;
    this.pauseTimeoutMs = options.pauseTimeoutMs ?? PLATFORM_DEFAULTS.pauseTimeoutMs;
    this.pollIntervalMs = options.pollIntervalMs ?? PLATFORM_DEFAULTS.pollIntervalMs;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
  }

  /** Whether `auto` has switched to pause/resume for this process. */
  get usesPauseResumeFallback(): boolean {
    return this.restartEndpointUnavailable;
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

  async restart(connector: ConnectorRef): Promise<{ method: RestartMethod }> {
    if (this.restartMethod === 'pause-resume') return this.pauseResume(connector);
    if (this.restartMethod === 'auto' && this.restartEndpointUnavailable) return this.pauseResume(connector);
    try {
      await this.client.restart(connector);
      return { method: 'restart' };
    } catch (error) {
      if (this.restartMethod !== 'auto') throw error;
      return this.fallBack(connector, error);
    }
  }

  private async fallBack(connector: ConnectorRef, restartError: unknown): Promise<{ method: RestartMethod }> {
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
    this.restartEndpointUnavailable = true;
    this.logger.warn('restart endpoint unavailable, falling back to pause/resume for this process', {
      connector: connectorKey(connector),
      status: restartError instanceof ConfluentApiError ? restartError.status : undefined,
      stage: RESTART_ENDPOINT_STAGE,
    });
    return this.pauseResume(connector, status);
  }

  /** PUT pause → wait for PAUSED → PUT resume. Never leaves a connector paused by us if it can help it. */
  private async pauseResume(
    connector: ConnectorRef,
    knownStatus?: ConnectorStatus,
  ): Promise<{ method: RestartMethod }> {
    const before = knownStatus ?? (await this.client.getStatus(connector));
    if (isPaused(before)) throw new ConnectorAlreadyPausedError(connector);
    let lastState: string;
    try {
      await this.client.pause(connector);
      lastState = await this.waitUntilPaused(connector);
    } catch (error) {
      await this.resumeQuietly(connector);
      throw error;
    }
    if (!isPaused({ state: lastState })) {
      const resumeSent = await this.resumeQuietly(connector);
      throw new PauseTimeoutError(connector, this.pauseTimeoutMs, lastState, resumeSent);
    }
    await this.client.resume(connector);
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
  private async resumeQuietly(connector: ConnectorRef): Promise<boolean> {
    try {
      await this.client.resume(connector);
      return true;
    } catch (error) {
      this.logger.error('resume after a failed pause/resume did not go through', {
        connector: connectorKey(connector),
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    }
  }
}
