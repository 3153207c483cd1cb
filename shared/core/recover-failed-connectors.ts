import pLimit from 'p-limit';
import { withoutOpenAcknowledgement } from './alert-suppression';
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
import { type ConnectorRef, clusterKey, connectorKey } from './connector-ref';
import type { ConnectorFailed } from './events';
import { deferralEnd, type MaintenanceWindow } from './maintenance-windows';
import { reportOutcome } from './outcome-report';
import { describeOrphanedPause, orphanedPause, pauseRecorder, withoutPause } from './paused-by-reloader';
import type {
  Clock,
  ConnectorPlatform,
  ConnectorRecord,
  FailureRestarts,
  Logger,
  OutcomeSink,
  PausedByReloader,
  RestartMethod,
} from './ports';
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
 * failed connector (FAILED, or a task in an error state) is restarted under its restart budget (restart-budget.ts),
 * outside maintenance windows, with one operation in flight per connector; a PAUSED connector is never touched,
 * unless the reloader's own pause holds it (paused-by-reloader.ts).
 *
 * Within limits: only the restart requests wait for RESTART_CONCURRENCY; verification is polling, paced by the shared
 * HTTP gate, and runs for every accepted restart at once, so 100 failed connectors take one verification, not four
 * waves of them. A run given a deadline (the function's timeout) begins a restart only when its pause wait and
 * verification end before it; the others are skipped as `out-of-time`, still FAILED, for the next sweep. Whatever one
 * connector throws is that connector's outcome (`restart-error` before the restart was accepted, `verify-error`
 * after): it never rejects the run and drops the others' outcomes.
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
  /**
   * The longest one restart can take from its request to its verdict (the pause wait, unless the method never
   * pauses, plus VERIFY_TIMEOUT_SECONDS): what must fit before a run's deadline for the restart to begin. Default:
   * the verification timeout.
   */
  readonly restartAllowanceMs?: number;
}

/** Options of one run (a sweep, or one delivery of failure reports). */
export interface RecoveryRunOptions {
  /**
   * Epoch ms by which the run must have reported (the function's deadline, less a margin to report in). Unset: no
   * limit (the CLI, local runs).
   */
  readonly deadline?: number;
}

export interface RecoveryDependencies {
  readonly platform: ConnectorPlatform;
  readonly leases: ConnectorLeases;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The outcome channel every report goes to (alerts, outcome events, metrics). */
  readonly outcomes?: OutcomeSink;
}

/** A restart (or resume) Confluent accepted, its lock held until its verification ends. */
interface AcceptedRestart {
  readonly connector: ConnectorRef;
  readonly key: string;
  readonly fields: { readonly attempt?: number; readonly method: RestartMethod };
  readonly onHealthy: (record: ConnectorRecord) => ConnectorRecord;
  /** Said on the outcome when it is restarted (the resume of an orphaned pause). */
  readonly note?: string;
}

type Begun = RecoveryOutcome | AcceptedRestart | undefined;

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
  async onFailureReported(
    events: readonly ConnectorFailed[],
    options: RecoveryRunOptions = {},
  ): Promise<RecoveryReport> {
    const startedAt = this.deps.clock.now();
    const clusters = await this.deps.platform.listClusters();
    const named = events.filter((event) => event.connector.name !== undefined || event.connectorId !== undefined);
    if (named.length === 0)
      return this.recover('webhook (sweep: no connector named)', clusters, () => true, startedAt, options);

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
    const report = await this.recover('webhook', inScope, wanted, startedAt, options);
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

  /** The scheduled sweep: every FAILED connector, or one with a task in an error state (DEGRADED too), in scope. */
  async sweep(options: RecoveryRunOptions = {}): Promise<RecoveryReport> {
    const startedAt = this.deps.clock.now();
    return this.recover('sweep', await this.deps.platform.listClusters(), () => true, startedAt, options);
  }

  private async recover(
    trigger: string,
    clusters: readonly ClusterScope[],
    wanted: (snapshot: ConnectorSnapshot) => boolean,
    startedAt: Date,
    options: RecoveryRunOptions,
  ): Promise<RecoveryReport> {
    const listings = await Promise.all(clusters.map((cluster) => this.deps.platform.listConnectors(cluster)));
    const candidates = listings.flat().filter(wanted);
    // Only the restart requests are bounded: holding a slot through a verification would queue the next restarts
    // behind whole verifications (4 waves of up to VERIFY_TIMEOUT_SECONDS for 100 connectors at 25).
    const limit = pLimit(this.settings.restartConcurrency);
    const outcomes = (
      await Promise.all(
        candidates.map(async (snapshot) => {
          const begun = await limit(() => this.beginOne(snapshot, trigger, options.deadline));
          return begun && 'key' in begun ? this.verifyAndRelease(begun) : begun;
        }),
      )
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
      const log = outcome.alert || (outcome.result !== 'restarted' && outcome.result !== 'skipped') ? 'warn' : 'info';
      this.deps.logger[log]('recovery outcome', {
        connector: connectorKey(outcome.connector),
        result: outcome.result,
        reason: outcome.reason,
        attempt: outcome.attempt,
        detail: outcome.detail,
      });
    }
    // The restarts are done and their streaks stored: a failed delivery is logged, never a reason to retry them.
    await reportOutcome(this.deps.outcomes, { kind: 'recovery', report }, this.deps.logger);
    return report;
  }

  /**
   * Decides, takes the lock and asks for the restart; what it throws (the state store, say) is this connector's
   * `restart-error`, never the run's.
   */
  private async beginOne(snapshot: ConnectorSnapshot, trigger: string, deadline: number | undefined): Promise<Begun> {
    try {
      return await this.decideAndStart(snapshot, trigger, deadline);
    } catch (error) {
      return { connector: snapshot.ref, result: 'restart-error', detail: `not restarted: ${(error as Error).message}` };
    }
  }

  /** Undefined for healthy connectors met by a sweep: those are not outcomes, just the estate. */
  private async decideAndStart(
    snapshot: ConnectorSnapshot,
    trigger: string,
    deadline: number | undefined,
  ): Promise<Begun> {
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
    if (isPausedConnector(snapshot.status)) {
      // PAUSED by a person is left alone; PAUSED by a pause/resume of ours that never resumed is resumed now.
      const record = await this.deps.leases.read(connectorKey(connector));
      const orphan = orphanedPause(snapshot.status, record);
      if (!orphan) return skip('paused');
      return this.outOfTime(deadline) ? skip('out-of-time') : this.resumeOrphan(connector, orphan, record, skip);
    }
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
    // Checked as the restart is about to begin (after waiting for a restart slot), not when the sweep started.
    if (this.outOfTime(deadline)) return skip('out-of-time');

    const lease = await this.deps.leases.acquire(key, `recover failed (attempt ${verdict.attempt})`, (fresh) => {
      const again = this.judge(fresh, now);
      return again.act ? undefined : again.detail;
    });
    if (!lease.acquired)
      return lease.inFlight
        ? skip('in-flight', `${RECOVERY_SKIP_REASONS['in-flight']} (${lease.holder})`)
        : skip('backoff', lease.refusal);

    let method: RestartMethod;
    try {
      const pauses = pauseRecorder(
        this.deps.leases,
        key,
        `recover failed (attempt ${verdict.attempt})`,
        this.deps.clock,
      );
      ({ method } = await this.deps.platform.restart(connector, { pauses }));
      const acceptedAt = this.deps.clock.now().getTime();
      const streak: FailureRestarts = { count: verdict.attempt, lastRestartAt: acceptedAt };
      await this.deps.leases.update(key, (r) => ({ ...withStreak(r, streak), lastRestartAt: acceptedAt }));
    } catch (error) {
      // A refusal no retry can change (a missing permission) still counts as an attempt: the budget's backoff spaces
      // the next tries and its alert ends them, instead of a refused call on every sweep.
      const permanent = (error as { retryable?: unknown }).retryable === false;
      const at = this.deps.clock.now().getTime();
      await this.deps.leases.release(key, (r) =>
        permanent ? withStreak(r, { count: verdict.attempt, lastRestartAt: at }) : r,
      );
      return { connector, result: 'restart-error', attempt: verdict.attempt, detail: (error as Error).message };
    }
    return {
      connector,
      key,
      fields: { attempt: verdict.attempt, method },
      onHealthy: (r) => {
        const healthyAt = this.deps.clock.now().getTime();
        const healthy = r.failureRestarts ? withStreak(r, { ...r.failureRestarts, healthySince: healthyAt }) : r;
        return withoutOpenAcknowledgement(healthy);
      },
    };
  }

  /** Whether a restart begun now might still be verifying at the deadline. */
  private outOfTime(deadline: number | undefined): boolean {
    const allowance = this.settings.restartAllowanceMs ?? this.settings.verify.timeoutMs;
    return deadline !== undefined && this.deps.clock.now().getTime() + allowance > deadline;
  }

  /**
   * Resumes a connector the reloader paused and never resumed, then verifies it. Not an automatic restart: it undoes
   * our own pause, so neither the budget, the exclusions nor the maintenance windows hold it back.
   */
  private async resumeOrphan(
    connector: ConnectorRef,
    orphan: PausedByReloader,
    record: ConnectorRecord | null,
    skip: (reason: RecoverySkipReason, detail?: string) => RecoveryOutcome,
  ): Promise<RecoveryOutcome | AcceptedRestart> {
    const key = connectorKey(connector);
    const why = describeOrphanedPause(orphan);
    if (this.deps.leases.lockActive(record))
      return skip('in-flight', `${RECOVERY_SKIP_REASONS['in-flight']} (${record?.lock?.operation})`);
    if (this.settings.dryRun) return skip('dry-run', `DRY_RUN: would resume it: ${why}`);
    const lease = await this.deps.leases.acquire(key, 'resume a connector the reloader paused', (fresh) =>
      fresh?.pausedByReloader ? undefined : 'no longer paused by the reloader: resumed meanwhile',
    );
    if (!lease.acquired)
      return lease.inFlight
        ? skip('in-flight', `${RECOVERY_SKIP_REASONS['in-flight']} (${lease.holder})`)
        : skip('not-failed', lease.refusal);
    try {
      await this.deps.platform.resume(connector);
      const acceptedAt = this.deps.clock.now().getTime();
      await this.deps.leases.update(key, (r) => ({ ...withoutPause(r), lastRestartAt: acceptedAt }));
    } catch (error) {
      await this.deps.leases.release(key);
      return { connector, result: 'restart-error', method: 'resume', detail: `${why}; ${(error as Error).message}` };
    }
    return { connector, key, fields: { method: 'resume' }, onHealthy: (r) => r, note: `resumed: ${why}` };
  }

  /**
   * Polls the (re)started connector to its verdict, then drops the lock (applying `onHealthy` when it is RUNNING). A
   * status read that fails for good, or a lock that cannot be released, is this connector's `verify-error`: the
   * restart was accepted, only its verdict is unknown (the next sweep sees the connector as it is).
   */
  private async verifyAndRelease(accepted: AcceptedRestart): Promise<RecoveryOutcome> {
    const { connector, key, fields, onHealthy, note } = accepted;
    let outcome: RecoveryOutcome;
    let healthy = false;
    try {
      const verification = await verifyRestart(this.deps.platform, this.deps.clock, connector, this.settings.verify);
      const base = { connector, ...fields, finalStatus: verification.status };
      healthy = verification.result === 'restarted';
      outcome =
        verification.result === 'restarted'
          ? { ...base, result: 'restarted', ...(note ? { detail: note } : {}) }
          : verification.result === 'failed'
            ? { ...base, result: 'failed', detail: verification.trace }
            : { ...base, result: 'timed-out', detail: `not RUNNING after ${this.settings.verify.timeoutMs} ms` };
    } catch (error) {
      outcome = {
        connector,
        ...fields,
        result: 'verify-error',
        detail: `restart accepted, not verified: ${(error as Error).message}`,
      };
    }
    try {
      await (healthy ? this.deps.leases.release(key, onHealthy) : this.deps.leases.release(key));
    } catch (error) {
      // The lock expires on its own (LOCK_TTL_SECONDS); the verdict stands, the failed release is said beside it.
      const released = `lock not released (expires with LOCK_TTL_SECONDS): ${(error as Error).message}`;
      return { ...outcome, detail: outcome.detail ? `${outcome.detail}; ${released}` : released };
    }
    return outcome;
  }

  private async markHealthy(key: string): Promise<void> {
    const now = this.deps.clock.now().getTime();
    await this.deps.leases.updateIf(key, (r) => {
      const streakEnds = r.failureRestarts !== undefined && r.failureRestarts.healthySince === undefined;
      const healthy = r.failureRestarts && streakEnds ? withStreak(r, { ...r.failureRestarts, healthySince: now }) : r;
      const updated = withoutOpenAcknowledgement(healthy);
      return updated === r ? undefined : updated;
    });
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
