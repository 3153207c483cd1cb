import { randomUUID } from 'node:crypto';
import type { Settings } from '../config/settings';
import { type CredentialsProvider, createConfluentPlatform, type RequestObservation } from '../confluent';
import { ConnectorIndexCache } from '../core/connector-index-cache';
import { ConnectorLeases } from '../core/connector-lease';
import type { Clock, ConnectorPlatform, Logger, Notifier, SecretSource, StateStore } from '../core/ports';
import { systemClock } from '../core/ports';
import { ReloadAfterRotation } from '../core/reload-after-rotation';
import type { TargetMapping } from '../core/target-mapping';
import { TargetResolver } from '../core/target-resolver';
import { loadTargetMapping } from './load-target-mapping';

/** The adapters a runtime (Lambda, Functions, CLI) supplies; everything else is built from settings. */
export interface ReloaderAdapters {
  readonly secrets: SecretSource;
  readonly credentials: CredentialsProvider;
  readonly state: StateStore;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly notifier?: Notifier;
  /** Overrides TARGET_MAPPING_FILE (tests). */
  readonly mapping?: TargetMapping;
  readonly onRequest?: (observation: RequestObservation) => void;
}

/** Built once per process (cold start) and reused by every invocation, so the HTTP gate and caches are shared. */
export interface Reloader {
  readonly settings: Settings;
  readonly platform: ConnectorPlatform;
  readonly resolver: TargetResolver;
  /** A use case whose locks are owned by this invocation. */
  forInvocation(invocationId?: string): ReloadAfterRotation;
}

export function buildReloader(settings: Settings, adapters: ReloaderAdapters): Reloader {
  const clock = adapters.clock ?? systemClock;
  const platform = createConfluentPlatform({
    credentials: adapters.credentials,
    baseUrl: settings.confluentApiUrl,
    timeoutMs: settings.http.timeoutMs,
    retry: { maxRetries: settings.http.maxRetries },
    gate: { maxConcurrent: settings.http.maxConcurrency, requestsPerSecond: settings.http.ratePerSecond },
    scopes: settings.scopes,
    restartMethod: settings.restartMethod,
    pauseTimeoutMs: settings.pauseTimeoutMs,
    pollIntervalMs: settings.verify.pollIntervalMs,
    clock,
    logger: adapters.logger,
    ...(adapters.onRequest ? { onRequest: adapters.onRequest } : {}),
  });
  // Only target resolution reads through the index cache: status, restarts, recovery and the CLI see live state.
  const index = new ConnectorIndexCache(platform, { ttlMs: settings.connectorIndexTtlMs, clock });
  const resolver = new TargetResolver(index, adapters.mapping ?? loadTargetMapping(settings.targetMappingFile), {
    tagKey: settings.secretTagKey,
    configScan: settings.configScan,
    sameCloudOnly: settings.matchSameCloud,
    clock,
  });
  return {
    settings,
    platform,
    resolver,
    forInvocation(invocationId = randomUUID()) {
      const leases = new ConnectorLeases(adapters.state, clock, {
        owner: `${invocationId}:${randomUUID()}`,
        lockTtlMs: settings.lockTtlMs,
        retentionMs: settings.retentionMs,
      });
      return new ReloadAfterRotation(
        {
          secrets: adapters.secrets,
          platform,
          resolver,
          leases,
          clock,
          logger: adapters.logger,
          ...(adapters.notifier ? { notifier: adapters.notifier } : {}),
        },
        {
          dryRun: settings.dryRun,
          restartConcurrency: settings.restartConcurrency,
          exclusions: settings.exclusions,
          verify: settings.verify,
        },
      );
    },
  };
}
