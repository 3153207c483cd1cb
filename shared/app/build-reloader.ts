import { randomUUID } from 'node:crypto';
import type { Settings } from '../config/settings';
import { type CredentialsProvider, createConfluentPlatform, type RequestObservation } from '../confluent';
import { ConnectorIndexCache } from '../core/connector-index-cache';
import { ConnectorLeases } from '../core/connector-lease';
import { OperatorState } from '../core/operator-state';
import type { OutcomeReport } from '../core/outcome-report';
import type { Clock, ConnectorPlatform, Logger, Notifier, SecretSource, StateStore } from '../core/ports';
import { systemClock } from '../core/ports';
import { RecoverFailedConnectors } from '../core/recover-failed-connectors';
import { ReloadAfterRotation } from '../core/reload-after-rotation';
import { RestartConnector } from '../core/restart-connector';
import type { TargetMapping } from '../core/target-mapping';
import { TargetResolver } from '../core/target-resolver';
import type { SecretValueReader } from '../providers/secret-credentials';
import { FailureWebhook } from './failure-webhook';
import { loadTargetMapping } from './load-target-mapping';
import { alertSink, OutcomeFanOut, type OutcomeSink } from './outcome-sinks';
import { webhookTokenSource } from './webhook-token-source';

/** The adapters a runtime (Lambda, Functions, CLI) supplies; everything else is built from settings. */
export interface ReloaderAdapters {
  readonly secrets: SecretSource;
  readonly credentials: CredentialsProvider;
  readonly state: StateStore;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Rotation reports only (the AWS EventBridge outcome events); alerts are wired from settings. */
  readonly notifier?: Notifier;
  /**
   * Reads secret values the reloader itself needs: the alert webhook URL and the failure webhook token. Defaults to
   * `secrets` when that provider can read values (every real one can).
   */
  readonly secretValues?: SecretValueReader;
  /** A cloud's own sinks for every outcome (rotation, recovery, secret expiry), beside the alert webhook. */
  readonly outcomeSinks?: readonly OutcomeSink[];
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
  /** The failed-connector recovery use case (webhook failures and the sweep), its locks owned by this invocation. */
  recovery(invocationId?: string): RecoverFailedConnectors;
  /** An operator's restart of one connector (the CLI), under the same locks, its lock owned by this invocation. */
  manualRestart(invocationId?: string): RestartConnector;
  /** An operator's view of a connector's lock and restart budget, and the means to clear them (the CLI). */
  operatorState(invocationId?: string): OperatorState;
  /** The Confluent notification webhook, its token read from WEBHOOK_TOKEN_SECRET (cached). */
  readonly failureWebhook: FailureWebhook;
  /** Sends an outcome to the alert webhook and the cloud's sinks; never throws (failures are logged). */
  publishOutcome(outcome: OutcomeReport): Promise<void>;
}

export function buildReloader(settings: Settings, adapters: ReloaderAdapters): Reloader {
  const clock = adapters.clock ?? systemClock;
  const platform = createConfluentPlatform({
    credentials: adapters.credentials,
    baseUrl: settings.confluentApiUrl,
    timeoutMs: settings.http.timeoutMs,
    retry: { maxRetries: settings.http.maxRetries },
    gate: {
      maxConcurrent: settings.http.maxConcurrency,
      requestsPerSecond: settings.http.ratePerSecond,
      burst: settings.http.burst,
    },
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
  const secretValues = adapters.secretValues ?? (isValueReader(adapters.secrets) ? adapters.secrets : undefined);
  const alerts = alertSink(settings, secretValues);
  const outcomes = new OutcomeFanOut([...(alerts ? [alerts] : []), ...(adapters.outcomeSinks ?? [])], adapters.logger);
  const publishOutcome = (outcome: OutcomeReport) => outcomes.publish(outcome);
  // Rotation reports reach the alerts first (they never throw), then the cloud's own notifier (which may throw).
  const notifier: Notifier | undefined =
    outcomes.size > 0 || adapters.notifier
      ? {
          async publish(report) {
            await publishOutcome({ kind: 'rotation', report });
            await adapters.notifier?.publish(report);
          },
        }
      : undefined;
  const leasesFor = (invocationId: string) =>
    new ConnectorLeases(adapters.state, clock, {
      owner: `${invocationId}:${randomUUID()}`,
      lockTtlMs: settings.lockTtlMs,
      retentionMs: settings.retentionMs,
    });
  return {
    settings,
    platform,
    resolver,
    failureWebhook: new FailureWebhook(
      webhookTokenSource(settings.webhookTokenSecret, secretValues, adapters.logger, clock),
      adapters.logger,
    ),
    publishOutcome,
    recovery(invocationId = randomUUID()) {
      return new RecoverFailedConnectors(
        {
          platform,
          leases: leasesFor(invocationId),
          clock,
          logger: adapters.logger,
          notify: (report) => publishOutcome({ kind: 'recovery', report }),
        },
        {
          dryRun: settings.dryRun,
          maxAutoRestarts: settings.recovery.maxAutoRestarts,
          budgetRearmMs: settings.recovery.budgetRearmMs,
          maintenanceWindows: settings.recovery.maintenanceWindows,
          exclusions: settings.exclusions,
          restartConcurrency: settings.restartConcurrency,
          verify: settings.verify,
        },
      );
    },
    manualRestart(invocationId = randomUUID()) {
      return new RestartConnector(
        { platform, leases: leasesFor(invocationId), clock, logger: adapters.logger },
        { dryRun: settings.dryRun, verify: settings.verify },
      );
    },
    operatorState(invocationId = randomUUID()) {
      return new OperatorState(leasesFor(invocationId), clock, {
        maxAutoRestarts: settings.recovery.maxAutoRestarts,
        budgetRearmMs: settings.recovery.budgetRearmMs,
      });
    },
    forInvocation(invocationId = randomUUID()) {
      const leases = leasesFor(invocationId);
      return new ReloadAfterRotation(
        {
          secrets: adapters.secrets,
          platform,
          resolver,
          leases,
          clock,
          logger: adapters.logger,
          ...(notifier ? { notifier } : {}),
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

function isValueReader(source: SecretSource): source is SecretSource & SecretValueReader {
  return typeof (source as Partial<SecretValueReader>).readSecretValue === 'function';
}
