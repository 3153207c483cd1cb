import pLimit from 'p-limit';
import { PAUSED_STATE } from '#confluent/api-facts';
import { type ConnectorStatus, isPausedConnector } from './connector';
import type { ConnectorLeases } from './connector-lease';
import { type ConnectorPattern, firstMatchingPattern } from './connector-pattern';
import { connectorKey } from './connector-ref';
import type { SecretRotated } from './events';
import { reportOutcome } from './outcome-report';
import { describeOrphanedPause, orphanedPause, pauseRecorder, withoutPause } from './paused-by-reloader';
import { restartCoverage, waitOnHolder } from './pending-versions';
import type {
  Clock,
  ConnectorPlatform,
  ConnectorRecord,
  Logger,
  OutcomeSink,
  PendingVersion,
  RestartMethod,
  SecretSnapshot,
  SecretSource,
} from './ports';
import {
  type CoalescedRestartRef,
  type CoalescingWait,
  type Decision,
  type PendingVersionRef,
  type PlannedTarget,
  type ReloadOutcome,
  type ReloadPlan,
  type ReloadReport,
  SKIP_REASONS,
  type SkipDecision,
  type SkipReason,
} from './reload-plan';
import {
  type Arrival,
  assessArrival,
  type CoalescingPolicy,
  claimedWait,
  coalescingOn,
  coalescingWait,
  describeWait,
  isCoalescedRestart,
  pendingVersions,
  RestartCoalescing,
  restartThatCovered,
} from './restart-coalescing';
import { type RolloutSettings, restartInWaves } from './rollout-waves';
import { canonicalSecretId, type SecretRef, secretIdentityKey } from './secret-ref';
import type { Candidate, TargetResolver } from './target-resolver';
import { type VerifyOptions, verifyRestart } from './verify-restart';

/**
 * The use case "a secret rotated: restart every connector that depends on it and verify it comes back".
 * Steps: confirm the version → resolve targets → decide per connector → restart in parallel (bounded) → verify.
 */
export interface ReloadSettings {
  readonly dryRun: boolean;
  readonly restartConcurrency: number;
  readonly exclusions: readonly ConnectorPattern[];
  readonly verify: VerifyOptions;
  /** Rollout waves (rollout-waves.ts); absent: every connector at once. */
  readonly rollout?: RolloutSettings;
  /** RESTART_COALESCE_SECONDS (restart-coalescing.ts); absent or a 0 window: every rotation restarts at once. */
  readonly coalescing?: CoalescingPolicy;
}

export interface ReloadDependencies {
  readonly secrets: SecretSource;
  readonly platform: ConnectorPlatform;
  readonly resolver: TargetResolver;
  readonly leases: ConnectorLeases;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The outcome channel every report goes to (alerts, outcome events, metrics). */
  readonly outcomes?: OutcomeSink;
}

interface VersionAssessment {
  readonly version: string | null;
  readonly becameCurrentAt?: Date;
  readonly notes: string[];
  readonly notCurrent?: string;
}

/** A rotation that finds the lock gone after waiting on it tries the restart again this many times at most. */
const MAX_WAIT_ROUNDS = 2;

const skip = (reason: SkipReason, detail: string = SKIP_REASONS[reason]): SkipDecision => ({
  action: 'skip',
  reason,
  detail,
});

export class ReloadAfterRotation {
  private readonly coalescing?: RestartCoalescing;

  constructor(
    private readonly deps: ReloadDependencies,
    private readonly settings: ReloadSettings,
  ) {
    if (coalescingOn(settings.coalescing)) this.coalescing = new RestartCoalescing(deps.leases, settings.coalescing);
  }

  /** Decides what to do for every affected connector, calling no mutating API and taking no lock. */
  async plan(event: SecretRotated): Promise<ReloadPlan> {
    return (await this.planFor(event)).plan;
  }

  /**
   * The plan plus the secret as the provider resolved it: versions are recorded under that secret's identity, so
   * a reload asked for by bare name (the CLI) and one from a cloud event (full ARN) read and write the same key.
   */
  private async planFor(event: SecretRotated): Promise<{ plan: ReloadPlan; resolvedSecret: SecretRef }> {
    const snapshot = await this.deps.secrets.describe(event.secret);
    const assessment = assessVersion(event, snapshot);
    const secret = canonicalSecretId(snapshot.secret);
    if (assessment.notCurrent) {
      const eventSkip = skip('version-not-current', assessment.notCurrent);
      return {
        plan: { secret, version: event.version, notes: assessment.notes, eventSkip, targets: [] },
        resolvedSecret: snapshot.secret,
      };
    }
    const resolved = await this.deps.resolver.resolve(snapshot.secret, snapshot.tags);
    const targets = await Promise.all(
      resolved.candidates.map(async (candidate) => ({
        connector: candidate.connector,
        sources: candidate.sources,
        ...(candidate.snapshot ? { state: candidate.snapshot.status.state } : {}),
        decision: await this.decide(candidate, snapshot.secret, assessment),
      })),
    );
    const plan: ReloadPlan = {
      secret,
      version: assessment.version,
      ...(assessment.becameCurrentAt ? { versionBecameCurrentAt: assessment.becameCurrentAt } : {}),
      notes: [...assessment.notes, ...resolved.notes],
      targets,
    };
    return { plan, resolvedSecret: snapshot.secret };
  }

  async execute(event: SecretRotated): Promise<ReloadReport> {
    const startedAt = this.deps.clock.now();
    const { plan, resolvedSecret } = await this.planFor(event);
    const secretKey = secretIdentityKey(resolvedSecret);
    // Only the restart requests are bounded: verification is polling, paced by the shared HTTP gate, and must not
    // hold back the next restart (that would add a whole verification to the event-to-restart latency).
    const limit = pLimit(this.settings.restartConcurrency);
    const outcomes = await restartInWaves(
      { secretKey, version: plan.version, targets: plan.targets },
      async (planned) => {
        const target = await this.joinCoalescingGroup(planned, plan, secretKey);
        if (!('decision' in target)) return target;
        const started = await this.start(target, plan, secretKey, limit);
        return 'result' in started ? started : this.verify(started, startedAt);
      },
      this.deps,
      this.settings.rollout,
    );
    const report: ReloadReport = {
      trigger: event.source,
      secret: plan.secret,
      version: plan.version,
      dryRun: this.settings.dryRun,
      notes: plan.notes,
      ...(plan.eventSkip ? { eventSkip: plan.eventSkip } : {}),
      outcomes,
      ...(event.occurredAt ? { eventTime: event.occurredAt } : {}),
      startedAt,
      finishedAt: this.deps.clock.now(),
    };
    for (const outcome of outcomes) {
      this.deps.logger.info('reload outcome', {
        connector: connectorKey(outcome.connector),
        result: outcome.result,
        reason: outcome.reason,
        detail: outcome.detail,
      });
    }
    // The restarts are done and verified whatever happens to the report: a failed delivery is logged, not thrown,
    // since a retry of the event would find every connector already covered and could never re-send it.
    await reportOutcome(this.deps.outcomes, { kind: 'rotation', report }, this.deps.logger);
    return report;
  }

  private async decide(candidate: Candidate, secret: SecretRef, assessment: VersionAssessment): Promise<Decision> {
    if (!candidate.snapshot) return skip('not-found');
    if (this.deps.resolver.isOtherCloud(candidate, secret)) {
      return skip('other-cloud', `cluster runs on ${candidate.cloud}, the secret is on ${secret.provider}`);
    }
    if (isPausedConnector(candidate.snapshot.status)) return this.decidePaused(candidate.snapshot.status, candidate);
    const targeting = targetingSkip(candidate, assessment);
    if (targeting) return targeting;
    const exclusion = firstMatchingPattern(this.settings.exclusions, candidate.connector);
    if (exclusion) return skip('excluded', `matches exclusion "${exclusion.text}"`);
    const record = await this.deps.leases.read(connectorKey(candidate.connector));
    const covered = coveredBy(record, secret, assessment);
    if (covered) return coveredSkip(covered, coalescedRestartOf(record, secret, assessment));
    if (this.deps.leases.lockActive(record)) {
      const holder = record?.lock?.operation ?? '';
      return (
        this.claimedSkip(holder, this.arrival(secret, assessment)) ??
        skip('in-flight', `${SKIP_REASONS['in-flight']} (${holder})`)
      );
    }
    const decision = this.coalescingDecision(record, secret, assessment);
    if (this.settings.dryRun && decision.action === 'restart') return dryRunSkip(decision.coalesced);
    return decision;
  }

  /**
   * Coalescing, as a plan sees it (nothing written, so a dry run and the CLI's plan see it too): a restart that
   * waits in the connector's window, or one that is due and applies the whole group. Execution records the arrival
   * (joinCoalescingGroup) and claims the group with the lock (startRestart).
   */
  private coalescingDecision(
    record: ConnectorRecord | null,
    secret: SecretRef,
    assessment: VersionAssessment,
  ): Decision {
    if (!this.coalescing) return { action: 'restart' };
    const state = assessArrival(record, this.arrival(secret, assessment), this.coalescing.policy);
    if (state.kind === 'waiting') return coalescingSkip(coalescingWait(state), this.coalescing.policy);
    return { action: 'restart', ...(state.kind === 'due' ? { coalesced: pendingVersions(state.group) } : {}) };
  }

  /** A coalesced restart holds the connector: look again once it is recorded, rather than end as in flight. */
  private claimedSkip(holder: string, arrival: Arrival): SkipDecision | undefined {
    if (!this.coalescing || this.settings.dryRun || !isCoalescedRestart(holder)) return undefined;
    const { wait, detail } = claimedWait(arrival, holder);
    return { ...skip('coalescing', detail), coalescing: wait };
  }

  /**
   * Records the rotation in the connector's coalescing group: the outcome when the connector waits (or a restart
   * covered it meanwhile), else the target to restart now. A rotation that meets another operation's lock joins
   * too, so the holder's release does not restart the connector on half a credential; once the group is due it
   * waits on the holder as any rotation does. Without coalescing, the target as planned.
   */
  private async joinCoalescingGroup(
    target: PlannedTarget,
    plan: ReloadPlan,
    secretKey: string,
  ): Promise<ReloadOutcome | PlannedTarget> {
    const { decision } = target;
    if (this.settings.dryRun && decision.action === 'skip' && decision.reason === 'coalescing') {
      // Nothing is recorded in a dry run, so nothing would ever come due: said, never delivered again.
      return skipped(target, skip('dry-run', `DRY_RUN: would wait: ${decision.detail}`));
    }
    if (!this.coalescing || this.settings.dryRun || !joinsGroup(decision)) return target;
    const state = await this.coalescing.arrive(connectorKey(target.connector), this.arrivalOf(plan, secretKey));
    if (state.kind === 'waiting') {
      return skipped(target, coalescingSkip(coalescingWait(state), this.coalescing.policy));
    }
    if (state.kind === 'covered') {
      return skipped(
        target,
        coveredSkip('a restart recorded since this rotation was planned covers its version', state.restart),
      );
    }
    const coalesced = pendingVersions(state.group);
    return decision.action === 'restart' ? { ...target, decision: { action: 'restart', coalesced } } : target;
  }

  /** This rotation reaching a connector now, at plan time (the secret and its assessment). */
  private arrival(secret: SecretRef, assessment: VersionAssessment): Arrival {
    return this.arrivalOf(
      {
        secret: canonicalSecretId(secret),
        version: assessment.version,
        ...(assessment.becameCurrentAt ? { versionBecameCurrentAt: assessment.becameCurrentAt } : {}),
      },
      secretIdentityKey(secret),
    );
  }

  /** This rotation reaching a connector now, in execution (the plan). */
  private arrivalOf(
    plan: Pick<ReloadPlan, 'secret' | 'version' | 'versionBecameCurrentAt'>,
    secretKey: string,
  ): Arrival {
    return {
      secretKey,
      secret: plan.secret,
      version: plan.version,
      ...(plan.versionBecameCurrentAt ? { becameCurrentAt: plan.versionBecameCurrentAt.getTime() } : {}),
      at: this.deps.clock.now().getTime(),
    };
  }

  /**
   * A PAUSED connector is left alone, unless the reloader's own pause holds it (a pause/resume that never resumed):
   * that one is resumed, whatever the exclusions say, since the pause was ours.
   */
  private async decidePaused(status: ConnectorStatus, candidate: Candidate): Promise<Decision> {
    const record = await this.deps.leases.read(connectorKey(candidate.connector));
    const orphan = orphanedPause(status, record);
    if (!orphan) return skip('paused');
    if (this.deps.leases.lockActive(record))
      return skip('in-flight', `${SKIP_REASONS['in-flight']} (${record?.lock?.operation})`);
    if (this.settings.dryRun) return skip('dry-run', `DRY_RUN: would resume it: ${describeOrphanedPause(orphan)}`);
    return { action: 'restart', resumes: orphan };
  }

  /**
   * Restarts the target unless its decision is a skip. A connector another operation holds is not skipped: the
   * rotation waits on the holder (pending-versions.ts), or acts itself once the lock is gone.
   */
  private async start(
    target: PlannedTarget,
    plan: ReloadPlan,
    secretKey: string,
    limit: pLimit.Limit,
  ): Promise<AcceptedRestart | ReloadOutcome> {
    const { decision } = target;
    if (decision.action === 'skip' && (decision.reason !== 'in-flight' || this.settings.dryRun)) {
      return skipped(target, decision);
    }
    if (decision.action === 'restart') {
      const started = await limit(() => this.startRestart(target, plan, secretKey));
      if ('target' in started || started.reason !== 'in-flight') return started;
    }
    return this.waitOnHolder(target, plan, secretKey, limit);
  }

  private async waitOnHolder(
    target: PlannedTarget,
    plan: ReloadPlan,
    secretKey: string,
    limit: pLimit.Limit,
  ): Promise<AcceptedRestart | ReloadOutcome> {
    const key = connectorKey(target.connector);
    for (let round = 1; ; round++) {
      const now = this.deps.clock.now().getTime();
      const entry: PendingVersion = {
        secret: plan.secret,
        ...(plan.version !== null ? { version: plan.version } : {}),
        // Unknown: the version was current by the time this rotation ran, so a later restart covers it.
        becameCurrentAt: plan.versionBecameCurrentAt?.getTime() ?? now,
        since: now,
      };
      // A lock of another delivery of this same rotation: that delivery owns the outcome and its retries.
      const wait = await waitOnHolder(
        this.deps.leases,
        key,
        secretKey,
        entry,
        plan.version === null ? undefined : reloadOperation(plan),
      );
      if (wait.kind === 'covered') return skipped(target, skip('already-covered', wait.detail));
      if (wait.kind === 'pending') return pendingSkip(target, wait.holder, wait.lockExpiresAt);
      // The holder released the lock before it could see the entry. A paused connector is planned afresh by the
      // retry (its pause may have been resolved); any other restarts now, as if the lock had not been there.
      if (round >= MAX_WAIT_ROUNDS || target.state === PAUSED_STATE) {
        return pendingSkip(target, 'an operation that has just ended', now);
      }
      const started = await limit(() =>
        this.startRestart({ ...target, decision: { action: 'restart' } }, plan, secretKey),
      );
      if ('target' in started || started.reason !== 'in-flight') return started;
    }
  }

  /** Takes the connector's lock and asks for the restart; the lock is kept until verification ends. */
  private async startRestart(
    target: PlannedTarget,
    plan: ReloadPlan,
    secretKey: string,
  ): Promise<AcceptedRestart | ReloadOutcome> {
    const { connector, sources } = target;
    const key = connectorKey(connector);
    const orphan = target.decision.action === 'restart' ? target.decision.resumes : undefined;
    const assessment: VersionAssessment = {
      version: plan.version,
      notes: [],
      ...(plan.versionBecameCurrentAt ? { becameCurrentAt: plan.versionBecameCurrentAt } : {}),
    };
    // Coalescing: the lock claims the connector's whole group, decided again on the freshest record.
    const claim = this.coalescing && !orphan ? this.coalescing.claim(key, this.arrivalOf(plan, secretKey)) : undefined;
    let coveredByCoalesced: CoalescedRestartRef | undefined;
    const operation = claim?.operation ?? reloadOperation(plan);
    const lease = await this.deps.leases.acquire(key, operation, (record) => {
      if (orphan) return record?.pausedByReloader ? undefined : 'no longer paused by the reloader: resumed meanwhile';
      const covered = coveredBy(record, undefined, assessment, secretKey);
      if (covered) {
        coveredByCoalesced = restartThatCovered(
          record,
          secretKey,
          plan.version,
          plan.versionBecameCurrentAt?.getTime(),
        );
      }
      return covered ?? claim?.refuse(record);
    });
    if (!lease.acquired) {
      if (lease.inFlight) {
        const claimed = claim && this.claimedSkip(lease.holder, this.arrivalOf(plan, secretKey));
        return skipped(target, claimed || skip('in-flight', `${SKIP_REASONS['in-flight']} (${lease.holder})`));
      }
      if (claim?.waiting) return skipped(target, coalescingSkip(claim.waiting, claim.policy));
      return skipped(target, coveredSkip(lease.refusal, coveredByCoalesced));
    }
    try {
      let method: RestartMethod = 'resume';
      if (orphan) await this.deps.platform.resume(connector);
      else {
        const pauses = pauseRecorder(this.deps.leases, key, operation, this.deps.clock);
        ({ method } = await this.deps.platform.restart(connector, { pauses }));
      }
      const acceptedAt = this.deps.clock.now().getTime();
      // A resume starts the connector, so it fetches the current version just as a restart does.
      await this.deps.leases.update(key, (record) => {
        const restarted = recordRestart(orphan ? withoutPause(record) : record, secretKey, plan.version, acceptedAt);
        return claim ? claim.applied(restarted, acceptedAt) : restarted;
      });
      return {
        target,
        method,
        acceptedAt,
        ...(orphan ? { note: `resumed: ${describeOrphanedPause(orphan)}` } : {}),
        ...(claim ? { coalescedRestart: claim.ref(acceptedAt) } : {}),
      };
    } catch (error) {
      await this.deps.leases.release(key);
      return {
        connector,
        sources,
        result: 'restart-error',
        detail: (error as Error).message,
        ...((error as { retryable?: unknown }).retryable === false ? { retryable: false as const } : {}),
      };
    }
  }

  /** Polls the restarted connector to its verdict, then releases its lock. */
  private async verify(accepted: AcceptedRestart, handledAt: Date): Promise<ReloadOutcome> {
    const { target, method, acceptedAt, note, coalescedRestart } = accepted;
    const { connector, sources } = target;
    try {
      const verification = await verifyRestart(this.deps.platform, this.deps.clock, connector, this.settings.verify);
      const base = {
        connector,
        sources,
        method,
        restartLatencyMs: acceptedAt - handledAt.getTime(),
        ...(coalescedRestart ? { coalescedRestart } : {}),
      };
      switch (verification.result) {
        case 'restarted':
          return { ...base, result: 'restarted', finalStatus: verification.status, ...(note ? { detail: note } : {}) };
        case 'failed':
          return { ...base, result: 'failed', detail: verification.trace, finalStatus: verification.status };
        case 'timed-out':
          return {
            ...base,
            result: 'timed-out',
            detail: `not RUNNING after ${this.settings.verify.timeoutMs} ms (last state ${verification.status?.state ?? 'unknown'})`,
            ...(verification.status ? { finalStatus: verification.status } : {}),
          };
      }
    } finally {
      await this.deps.leases.release(connectorKey(connector));
    }
  }
}

/**
 * Skips that follow from how the config references the secret: as plain text (Confluent never fetches it), or
 * pinned to a version other than the one being applied (a restart fetches the pinned one again). A connector
 * pinned to the new version is restarted: that is how it picks the version up.
 */
function targetingSkip(candidate: Candidate, assessment: VersionAssessment): SkipDecision | undefined {
  if (candidate.plainConfig) {
    return skip(
      'plain-config',
      `${candidate.referencingKeys.join(', ')} reference the secret, but the config has no secret.manager.provider.integration.id: Confluent does not fetch it, so a restart would not pick up a new version (name the connector in the secret's tag or the mapping file to restart it anyway)`,
    );
  }
  const pinned = candidate.pinnedVersions;
  const applied = assessment.version?.toLowerCase();
  if (pinned && applied !== undefined && !pinned.includes(applied)) {
    return skip(
      'pinned-version',
      `${candidate.referencingKeys.join(', ')} pin version ${pinned.join(', ')} of the secret, not ${assessment.version}: a restart would fetch version ${pinned.join(', ')} again`,
    );
  }
  return undefined;
}

interface AcceptedRestart {
  readonly target: PlannedTarget;
  readonly method: RestartMethod;
  readonly acceptedAt: number;
  /** Said of a restarted connector on its outcome (the resume of an orphaned pause). */
  readonly note?: string;
  /** The coalesced group this restart applied (restart-coalescing.ts). */
  readonly coalescedRestart?: CoalescedRestartRef;
}

/** Confirms the event's version against what the secret manager says is current now. */
function assessVersion(event: SecretRotated, snapshot: SecretSnapshot): VersionAssessment {
  const notes: string[] = [];
  const becameCurrentAt = snapshot.currentSince ?? event.occurredAt;
  const when = becameCurrentAt ? { becameCurrentAt } : {};
  const current = snapshot.currentVersion;
  if (event.version === null) {
    notes.push(`event names no version; using the current version ${current ?? '(unknown)'}`);
    return { version: current, notes, ...when };
  }
  if (current === null || event.version === current) return { version: event.version, notes, ...when };
  if (snapshot.pendingVersions.includes(event.version)) {
    return {
      version: event.version,
      notes,
      notCurrent: `version ${event.version} is pending, not current (current is ${current}): ${SKIP_REASONS['version-not-current']}`,
    };
  }
  notes.push(`version ${event.version} is no longer current; a newer version ${current} is, so reloading for it`);
  return { version: current, notes, ...when };
}

/**
 * Why an earlier restart already covers this version: the same version was applied, or a restart was accepted
 * after the version became current (the connector fetched the new value when it started).
 */
function coveredBy(
  record: ConnectorRecord | null,
  secret: SecretRef | undefined,
  assessment: VersionAssessment,
  key: string | undefined = secret ? secretIdentityKey(secret) : undefined,
): string | undefined {
  if (!key) return undefined;
  return restartCoverage(record, key, assessment.version, assessment.becameCurrentAt?.getTime());
}

function recordRestart(
  record: ConnectorRecord,
  secretKey: string,
  version: string | null,
  at: number,
): ConnectorRecord {
  return {
    ...record,
    lastRestartAt: at,
    ...(version !== null ? { appliedVersions: { ...record.appliedVersions, [secretKey]: version } } : {}),
  };
}

/** The lock's operation of a reload: how a duplicate delivery of the same rotation recognises the lock. */
function reloadOperation(plan: ReloadPlan): string {
  return `reload ${plan.secret}@${plan.version ?? 'current'}`;
}

/** An in-flight skip the rotation is not done with: it is delivered again, and the holder told (pending-versions.ts). */
function pendingSkip(target: PlannedTarget, holder: string, lockExpiresAt: number): ReloadOutcome {
  const detail = `${SKIP_REASONS['in-flight']} (${holder}): the rotation is retried, and the holder restarts it once more when it is done`;
  return { ...skipped(target, skip('in-flight', detail)), pending: { holder, lockExpiresAt } };
}

function skipped(target: PlannedTarget, decision: SkipDecision): ReloadOutcome {
  return {
    connector: target.connector,
    sources: target.sources,
    result: 'skipped',
    reason: decision.reason,
    detail: decision.detail,
    ...(decision.coalescing ? { coalescing: decision.coalescing } : {}),
    ...(decision.coalescedRestart ? { coalescedRestart: decision.coalescedRestart } : {}),
  };
}

/** A restart to make, or a wait on another operation's lock: either way the rotation joins the group. */
function joinsGroup(decision: Decision): boolean {
  if (decision.action === 'restart') return decision.resumes === undefined;
  return decision.reason === 'coalescing' || decision.reason === 'in-flight';
}

/** A dry run's restart; one due in a coalescing window says which versions its one restart would apply. */
function dryRunSkip(coalesced: readonly PendingVersionRef[] | undefined): SkipDecision {
  if (!coalesced || coalesced.length === 0) return skip('dry-run');
  const versions = coalesced.map((p) => `${p.secret}@${p.version ?? 'current'}`).join(', ');
  return { ...skip('dry-run', `DRY_RUN: would restart once, applying ${versions}`), coalesced };
}

function coalescingSkip(wait: CoalescingWait, policy: CoalescingPolicy): SkipDecision {
  return { ...skip('coalescing', describeWait(wait, policy)), coalescing: wait };
}

/** An already-covered skip, naming the coalesced restart that covered the version when one did. */
function coveredSkip(detail: string, restart: CoalescedRestartRef | undefined): SkipDecision {
  if (!restart) return skip('already-covered', detail);
  return { ...skip('already-covered', `${detail}, by the coalesced restart ${restart.id}`), coalescedRestart: restart };
}

/** The coalesced restart that covered this version, if one did. */
function coalescedRestartOf(
  record: ConnectorRecord | null,
  secret: SecretRef,
  assessment: VersionAssessment,
): CoalescedRestartRef | undefined {
  return restartThatCovered(
    record,
    secretIdentityKey(secret),
    assessment.version,
    assessment.becameCurrentAt?.getTime(),
  );
}
