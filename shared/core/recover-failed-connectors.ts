import pLimit from 'p-limit';
import {
  type ClusterScope,
  type ConnectorSnapshot,
  failureTrace,
  isFailed,
  isHealthy,
  isPausedConnector,
} from './connector';
import type { ConnectorLeases } from './connector-lease';
import { type ConnectorPattern, firstMatchingPattern } from './connector-pattern';
import { clusterKey, connectorKey } from './connector-ref';
import type { ConnectorFailed } from './events';
import { deferralEnd, type MaintenanceWindow } from './maintenance-windows';
import type { Clock, ConnectorPlatform, ConnectorRecord, FailureRestarts, Logger } from './ports';
import {
  RECOVERY_SKIP_REASONS,
  type RecoveryOutcome,
  type RecoveryReport,
  type RecoverySkipReason,
} from './recovery-report';
import { decideFailureRestart } from './restart-budget';
import { type VerifyOptions, verifyRestart } from './verify-restart';

/**
 * The use case "connectors failed: restart them, safely". Fed by failure notifications (never trusted: the state
 * is confirmed with the Connect API first) and by a scheduled sweep (one list call per cluster in scope). Each
 * FAILED connector is restarted under its restart budget (restart-budget.ts), outside maintenance windows, with
 * one operation in flight per connector; PAUSED connectors are never touched.
 */
export interface RecoverySettings {
  readonly dryRun: boolean;
  readonly maxAutoRestarts: number;
  /** After this long, a spent restart budget starts over (0: only when the connector is seen healthy). */
  readonly budgetRearmMs: number;
  readonly maintenanceWindows: readonly MaintenanceWindow[];
  readonly exclusions: readonly ConnectorPattern[];
  readonly restartConcurrency: number;
  readonly verify: VerifyOptions;
}

export interface RecoveryDependencies {
  readonly platform: ConnectorPlatform;
  readonly leases: ConnectorLeases;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Receives every report; the composition root routes it to alerts and outcome events. */
  readonly notify?: (report: RecoveryReport) => Promise<void>;
}

type Verdict =
  | { readonly act: true; readonly streak: FailureRestarts; readonly attempt: number }
  | {
      readonly act: false;
      readonly reason: RecoverySkipReason;
      readonly detail: string;
      readonly nextAttemptAt?: number;
      readonly alert?: boolean;
    };

export class RecoverFailedConnectors {
  constructor(
    private readonly deps: RecoveryDependencies,
    private readonly settings: RecoverySettings,
  ) {}

  /** A failure notification: find the connectors it names (any part may be missing), or sweep when it names none. */
  async onFailureReported(events: readonly ConnectorFailed[]): Promise<RecoveryReport> {
    const startedAt = this.deps.clock.now();
    const clusters = await this.deps.platform.listClusters();
    const named = events.filter((event) => event.connector.name !== undefined || event.connectorId !== undefined);
    if (named.length === 0) return this.recover('webhook (sweep: no connector named)', clusters, () => true, startedAt);

    const wanted = (snapshot: ConnectorSnapshot) =>
      named.some(
        (event) =>
          (event.connector.name === undefined || event.connector.name === snapshot.ref.name) &&
          (event.connectorId === undefined || event.connectorId === snapshot.id) &&
          (event.connector.environmentId === undefined ||
            event.connector.environmentId === snapshot.ref.environmentId) &&
          (event.connector.clusterId === undefined || event.connector.clusterId === snapshot.ref.clusterId),
      );
    const inScope = clusters.filter((cluster) =>
      named.some(
        (event) =>
          (event.connector.environmentId === undefined || event.connector.environmentId === cluster.environmentId) &&
          (event.connector.clusterId === undefined || event.connector.clusterId === cluster.clusterId),
      ),
    );
    const report = await this.recover('webhook', inScope, wanted, startedAt);
    if (report.outcomes.length > 0) return report;
    const notFound: RecoveryOutcome[] = named.map((event) => ({
      connector: {
        environmentId: event.connector.environmentId ?? '?',
        clusterId: event.connector.clusterId ?? '?',
        name: event.connector.name ?? event.connectorId ?? '?',
      },
      result: 'skipped',
      reason: 'not-found',
      detail: RECOVERY_SKIP_REASONS['not-found'],
    }));
    return { ...report, outcomes: notFound };
  }

  /** The scheduled sweep: every FAILED connector (or connector with a FAILED task) in scope. */
  async sweep(): Promise<RecoveryReport> {
    const startedAt = this.deps.clock.now();
    return this.recover('sweep', await this.deps.platform.listClusters(), () => true, startedAt);
  }

  private async recover(
    trigger: string,
    clusters: readonly ClusterScope[],
    wanted: (snapshot: ConnectorSnapshot) => boolean,
    startedAt: Date,
  ): Promise<RecoveryReport> {
    const listings = await Promise.all(clusters.map((cluster) => this.deps.platform.listConnectors(cluster)));
    const candidates = listings.flat().filter(wanted);
    const limit = pLimit(this.settings.restartConcurrency);
    const outcomes = (
      await Promise.all(candidates.map((snapshot) => limit(() => this.recoverOne(snapshot, trigger))))
    ).filter((outcome): outcome is RecoveryOutcome => outcome !== undefined);
    const report: RecoveryReport = {
      trigger,
      dryRun: this.settings.dryRun,
      clustersListed: new Set(clusters.map(clusterKey)).size,
      outcomes,
      startedAt,
      finishedAt: this.deps.clock.now(),
    };
    for (const outcome of outcomes) {
      const log = outcome.alert || outcome.result === 'failed' || outcome.result === 'restart-error' ? 'warn' : 'info';
      this.deps.logger[log]('recovery outcome', {
        connector: connectorKey(outcome.connector),
        result: outcome.result,
        reason: outcome.reason,
        attempt: outcome.attempt,
        detail: outcome.detail,
      });
    }
    await this.deps.notify?.(report);
    return report;
  }

  /** Undefined for healthy connectors met by a sweep: those are not outcomes, just the estate. */
  private async recoverOne(snapshot: ConnectorSnapshot, trigger: string): Promise<RecoveryOutcome | undefined> {
    const connector = snapshot.ref;
    const skip = (
      reason: RecoverySkipReason,
      detail: string = RECOVERY_SKIP_REASONS[reason],
      extra = {},
    ): RecoveryOutcome => ({
      connector,
      result: 'skipped',
      reason,
      detail,
      ...extra,
    });
    if (isPausedConnector(snapshot.status)) return skip('paused');
    if (!isFailed(snapshot.status)) {
      if (trigger === 'sweep') return undefined;
      // Seen healthy: if a person fixed a connector whose streak ran out, its budget can reset (restart-budget.ts).
      if (isHealthy(snapshot.status) && !this.settings.dryRun) await this.markHealthy(connectorKey(connector));
      return skip('not-failed');
    }
    const exclusion = firstMatchingPattern(this.settings.exclusions, connector);
    if (exclusion) return skip('excluded', `matches exclusion "${exclusion.text}"`);

    const key = connectorKey(connector);
    const now = this.deps.clock.now().getTime();
    const record = await this.deps.leases.read(key);
    const verdict = this.judge(record, now);
    if (!verdict.act) {
      if (verdict.reason === 'budget-exhausted' && verdict.alert) {
        // Alert once per streak, even with concurrent sweeps and webhooks: only the writer of exhaustedAt alerts.
        const first = await this.deps.leases.updateIf(key, (r) =>
          r.failureRestarts?.exhaustedAt === undefined && r.failureRestarts
            ? { ...r, failureRestarts: { ...r.failureRestarts, exhaustedAt: now } }
            : undefined,
        );
        return skip('budget-exhausted', budgetDetail(record, this.settings.maxAutoRestarts, snapshot), {
          alert: first,
        });
      }
      if (verdict.reason === 'deferred' && verdict.nextAttemptAt !== undefined && !this.settings.dryRun) {
        const until = verdict.nextAttemptAt;
        await this.deps.leases.updateIf(key, (r) =>
          withStreak(r, { ...(r.failureRestarts ?? { count: 0, lastRestartAt: 0 }), deferredUntil: until }),
        );
      }
      return skip(
        verdict.reason,
        verdict.detail,
        verdict.nextAttemptAt ? { nextAttemptAt: verdict.nextAttemptAt } : {},
      );
    }
    if (this.settings.dryRun)
      return skip('dry-run', `${RECOVERY_SKIP_REASONS['dry-run']} (automatic restart ${verdict.attempt})`);

    const lease = await this.deps.leases.acquire(key, `recover failed (attempt ${verdict.attempt})`, (fresh) => {
      const again = this.judge(fresh, now);
      return again.act ? undefined : again.detail;
    });
    if (!lease.acquired)
      return lease.inFlight
        ? skip('in-flight', `${RECOVERY_SKIP_REASONS['in-flight']} (${lease.holder})`)
        : skip('backoff', lease.refusal);

    let method: RecoveryOutcome['method'];
    try {
      ({ method } = await this.deps.platform.restart(connector));
      const acceptedAt = this.deps.clock.now().getTime();
      const streak: FailureRestarts = { count: verdict.attempt, lastRestartAt: acceptedAt };
      await this.deps.leases.update(key, (r) => ({ ...withStreak(r, streak), lastRestartAt: acceptedAt }));
    } catch (error) {
      await this.deps.leases.release(key);
      return { connector, result: 'restart-error', attempt: verdict.attempt, detail: (error as Error).message };
    }
    try {
      const verification = await verifyRestart(this.deps.platform, this.deps.clock, connector, this.settings.verify);
      const base = { connector, attempt: verdict.attempt, method, finalStatus: verification.status };
      if (verification.result === 'restarted') {
        const healthyAt = this.deps.clock.now().getTime();
        await this.deps.leases.release(key, (r) =>
          r.failureRestarts ? withStreak(r, { ...r.failureRestarts, healthySince: healthyAt }) : r,
        );
        return { ...base, result: 'restarted' };
      }
      await this.deps.leases.release(key);
      return verification.result === 'failed'
        ? { ...base, result: 'failed', detail: verification.trace }
        : { ...base, result: 'timed-out', detail: `not RUNNING after ${this.settings.verify.timeoutMs} ms` };
    } catch (error) {
      await this.deps.leases.release(key);
      throw error;
    }
  }

  private async markHealthy(key: string): Promise<void> {
    const now = this.deps.clock.now().getTime();
    await this.deps.leases.updateIf(key, (r) =>
      r.failureRestarts && r.failureRestarts.healthySince === undefined
        ? withStreak(r, { ...r.failureRestarts, healthySince: now })
        : undefined,
    );
  }

  /** Budget, backoff and windows, on one record at one instant: the same answer before and inside the lock. */
  private judge(record: ConnectorRecord | null, now: number): Verdict {
    const decision = decideFailureRestart(
      record?.failureRestarts,
      now,
      this.settings.maxAutoRestarts,
      this.settings.budgetRearmMs,
    );
    if (decision.action === 'exhausted') {
      return {
        act: false,
        reason: 'budget-exhausted',
        detail: RECOVERY_SKIP_REASONS['budget-exhausted'],
        alert: decision.alert,
      };
    }
    if (decision.action === 'wait') {
      return {
        act: false,
        reason: 'backoff',
        detail: `${RECOVERY_SKIP_REASONS.backoff} until ${new Date(decision.until).toISOString()}`,
        nextAttemptAt: decision.until,
      };
    }
    const windowEnd = deferralEnd(this.settings.maintenanceWindows, now);
    if (windowEnd !== undefined) {
      return {
        act: false,
        reason: 'deferred',
        detail: `${RECOVERY_SKIP_REASONS.deferred} at ${new Date(windowEnd).toISOString()}`,
        nextAttemptAt: windowEnd,
      };
    }
    return { act: true, streak: decision.streak, attempt: decision.attempt };
  }
}

function withStreak(record: ConnectorRecord, streak: FailureRestarts): ConnectorRecord {
  return { ...record, failureRestarts: streak };
}

function budgetDetail(record: ConnectorRecord | null, max: number, snapshot: ConnectorSnapshot): string {
  const last = record?.failureRestarts?.lastRestartAt;
  const trace = failureTrace(snapshot.status);
  const lastText = last ? `, the last at ${new Date(last).toISOString()}` : '';
  return `${RECOVERY_SKIP_REASONS['budget-exhausted']}: ${max} automatic restart(s)${lastText}${trace ? `; last trace: ${trace}` : ''}`;
}
