import { randomUUID } from 'node:crypto';
import type { Settings } from '#config/settings';
import { FleetRateBudget } from '#confluent/fleet-rate-budget';
import { type CredentialsProvider, createConfluentAdapters, type RequestObservation } from '#confluent/index';
import { AlertSuppression } from '#core/alert-suppression';
import { ConnectorIndexCache } from '#core/connector-index-cache';
import { ConnectorLeases } from '#core/connector-lease';
import { OperatorState } from '#core/operator-state';
import type { OutcomeReport } from '#core/outcome-report';
import { PendingVersionFollowUp } from '#core/pending-version-follow-up';
import type {
  Clock,
  ConnectorPlatform,
  Logger,
  OutcomeSink,
  RateBucketStore,
  SecretSource,
  StateStore,
} from '#core/ports';
import { systemClock } from '#core/ports';
import type { ProviderIntegrationSource } from '#core/provider-integration';
import { RecoverFailedConnectors } from '#core/recover-failed-connectors';
import { ReloadAfterRotation } from '#core/reload-after-rotation';
import { RestartConnector } from '#core/restart-connector';
import type { TargetMapping } from '#core/target-mapping';
import { TargetResolver } from '#core/target-resolver';
import type { SecretValueReader } from '#providers/secret-credentials';
import { FailureWebhook } from './failure-webhook';
import { targetMappingFrom } from './load-target-mapping';
import { alertSink, OutcomeFanOut } from './outcome-sinks';
import { webhookTokenSource } from './webhook-token-source';

/** The adapters a runtime (Lambda, Functions, CLI) supplies; everything else is built from settings. */
export interface ReloaderAdapters {
  readonly secrets: SecretSource;
  readonly credentials: CredentialsProvider;
  readonly state: StateStore;
  readonly logger: Logger;
  readonly clock?: Clock;
  /**
   * Reads secret values the reloader itself needs: the alert webhook URL and the failure webhook token. Defaults to
   * `secrets` when that provider can read values (every real one can).
   */
  readonly secretValues?: SecretValueReader;
  /**
   * A cloud's own sinks for every outcome (rotation, recovery, secret expiry), beside the alert webhook, which is
   * wired from settings: on AWS the EventBridge outcome events and the metrics.
   */
  readonly outcomeSinks?: readonly OutcomeSink[];
  /** Told of each outcome one or more sinks did not take (on AWS: counted as OutcomeNotificationsFailed). */
  readonly onOutcomeUndelivered?: (outcome: OutcomeReport) => void;
  /** Overrides TARGET_MAPPING and TARGET_MAPPING_FILE (tests). */
  readonly mapping?: TargetMapping;
  readonly onRequest?: (observation: RequestObservation) => void;
  /**
   * Where the fleet-wide token bucket lives (the state table), when the runtime has a store every instance shares:
   * with CONFLUENT_SHARED_RATE_LIMIT, every Confluent request takes a token from it.
   */
  readonly rateBuckets?: RateBucketStore;
}

/** Built once per process (cold start) and reused by every invocation, so the HTTP gate and caches are shared. */
export interface Reloader {
  readonly settings: Settings;
  readonly platform: ConnectorPlatform;
  /** pim/v1 and pim/v2, for `doctor`: which connectors use which provider integration. */
  readonly providerIntegrations: ProviderIntegrationSource;
  readonly resolver: TargetResolver;
  /**
   * A use case whose locks are owned by this invocation. `restartNow`: an operator's reload, which restarts without
   * waiting in a coalescing window and applies every version waiting there.
   */
  forInvocation(invocationId?: string, options?: { readonly restartNow?: boolean }): ReloadAfterRotation;
  /** The failed-connector recovery use case (webhook failures and the sweep), its locks owned by this invocation. */
  recovery(invocationId?: string): RecoverFailedConnectors;
  /** An operator's restart of one connector (the CLI), under the same locks, its lock owned by this invocation. */
  manualRestart(invocationId?: string): RestartConnector;
  /** An operator's view of a connector's lock and restart budget, and the means to clear them (the CLI). */
  operatorState(invocationId?: string): OperatorState;
  /** The Confluent notification webhook, its token read from WEBHOOK_TOKEN_SECRET (cached). */
  readonly failureWebhook: FailureWebhook;
  /** The outcome channel, composed once: the alert webhook and the cloud's sinks; never throws (failures are logged). */
  readonly outcomes: OutcomeSink;
}

export function buildReloader(settings: Settings, adapters: ReloaderAdapters): Reloader {
  const clock = adapters.clock ?? systemClock;
  const { platform, providerIntegrations } = createConfluentAdapters({
    credentials: adapters.credentials,
    baseUrl: settings.confluentApiUrl,
    timeoutMs: settings.http.timeoutMs,
    retry: { maxRetries: settings.http.maxRetries },
    gate: {
      maxConcurrent: settings.http.maxConcurrency,
      requestsPerSecond: settings.http.ratePerSecond,
      burst: settings.http.burst,
      ...(adapters.rateBuckets && settings.http.sharedRateLimit
        ? {
            shared: new FleetRateBudget({
              store: adapters.rateBuckets,
              name: FLEET_BUCKET,
              requestsPerSecond: settings.http.ratePerSecond,
              burst: settings.http.burst,
              clock,
              logger: adapters.logger,
            }),
          }
        : {}),
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
  const secretValues = adapters.secretValues ?? (isValueReader(adapters.secrets) ? adapters.secrets : undefined);
  const mapping =
    adapters.mapping ??
    targetMappingFrom({
      ...(settings.targetMapping ? { reference: settings.targetMapping } : {}),
      ...(settings.targetMappingFile ? { file: settings.targetMappingFile } : {}),
      ttlMs: settings.targetMappingTtlMs,
      secrets: secretValues,
      clock,
      logger: adapters.logger,
    });
  const resolver = new TargetResolver(index, mapping, {
    tagKey: settings.secretTagKey,
    configScan: settings.configScan,
    requireProviderIntegration: settings.requireProviderIntegration,
    sameCloudOnly: settings.matchSameCloud,
    clock,
  });
  const leaseOptions = (invocationId: string) => ({
    owner: `${invocationId}:${randomUUID()}`,
    lockTtlMs: settings.lockTtlMs,
    retentionMs: settings.retentionMs,
  });
  // Repeats and acknowledgements are screened on the connectors' records, in the same state store as the locks
  // (screening takes no lock, so these leases need no pending-version follow-up).
  const screen = new AlertSuppression(new ConnectorLeases(adapters.state, clock, leaseOptions('alerts')), clock, {
    repeatWindowMs: settings.alerts?.repeatWindowMs ?? 0,
  });
  const alerts = alertSink(settings, secretValues, screen);
  const outcomes = new OutcomeFanOut([...(alerts ? [alerts] : []), ...(adapters.outcomeSinks ?? [])], adapters.logger, {
    ...(adapters.onOutcomeUndelivered ? { onUndelivered: adapters.onOutcomeUndelivered } : {}),
  });
  // Whoever releases a lock restarts once more for a rotation that waited on it (pending-version-follow-up.ts).
  const leasesFor = (invocationId: string) => {
    const followUp = new PendingVersionFollowUp(
      {
        platform,
        leases: new ConnectorLeases(adapters.state, clock, leaseOptions(invocationId)),
        clock,
        logger: adapters.logger,
        outcomes,
      },
      { verify: settings.verify },
    );
    return new ConnectorLeases(adapters.state, clock, {
      ...leaseOptions(invocationId),
      onReleased: (key, released) => followUp.afterRelease(key, released),
    });
  };
  return {
    settings,
    platform,
    providerIntegrations,
    resolver,
    failureWebhook: new FailureWebhook(
      webhookTokenSource(settings.webhookTokenSecret, secretValues, adapters.logger, clock),
      adapters.logger,
    ),
    outcomes,
    recovery(invocationId = randomUUID()) {
      return new RecoverFailedConnectors(
        {
          platform,
          leases: leasesFor(invocationId),
          clock,
          logger: adapters.logger,
          outcomes,
        },
        {
          dryRun: settings.dryRun,
          maxAutoRestarts: settings.recovery.maxAutoRestarts,
          budgetRearmMs: settings.recovery.budgetRearmMs,
          maintenanceWindows: settings.recovery.maintenanceWindows,
          exclusions: settings.exclusions,
          restartConcurrency: settings.restartConcurrency,
          verify: settings.verify,
          restartAllowanceMs: restartAllowanceMs(settings),
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
    forInvocation(invocationId = randomUUID(), options = {}) {
      const leases = leasesFor(invocationId);
      return new ReloadAfterRotation(
        {
          secrets: adapters.secrets,
          platform,
          resolver,
          leases,
          clock,
          logger: adapters.logger,
          outcomes,
        },
        {
          dryRun: settings.dryRun,
          restartConcurrency: settings.restartConcurrency,
          exclusions: settings.exclusions,
          verify: settings.verify,
          rollout: settings.rollout,
          coalescing: {
            ...settings.coalescing,
            maintenanceWindows: settings.recovery.maintenanceWindows,
            ...(options.restartNow ? { restartNow: true } : {}),
          },
        },
      );
    },
  };
}

/** The state table's bucket every instance's Confluent requests draw from (one API key, one organisation). */
export const FLEET_BUCKET = 'confluent-requests';

/** The pause wait (unless RESTART_METHOD=restart never pauses) plus verification: the start-up rules' same sum. */
function restartAllowanceMs(settings: Settings): number {
  return (settings.restartMethod === 'restart' ? 0 : settings.pauseTimeoutMs) + settings.verify.timeoutMs;
}

function isValueReader(source: SecretSource): source is SecretSource & SecretValueReader {
  return typeof (source as Partial<SecretValueReader>).readSecretValue === 'function';
}
