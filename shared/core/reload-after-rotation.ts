import pLimit from 'p-limit';
import type { ConnectorLeases } from './connector-lease';
import { type ConnectorPattern, firstMatchingPattern } from './connector-pattern';
import { connectorKey } from './connector-ref';
import type { SecretRotated } from './events';
import type {
  Clock,
  ConnectorPlatform,
  ConnectorRecord,
  Logger,
  Notifier,
  RestartMethod,
  SecretSnapshot,
  SecretSource,
} from './ports';
import {
  type Decision,
  type PlannedTarget,
  type ReloadOutcome,
  type ReloadPlan,
  type ReloadReport,
  SKIP_REASONS,
  type SkipDecision,
  type SkipReason,
} from './reload-plan';
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
}

export interface ReloadDependencies {
  readonly secrets: SecretSource;
  readonly platform: ConnectorPlatform;
  readonly resolver: TargetResolver;
  readonly leases: ConnectorLeases;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly notifier?: Notifier;
}

interface VersionAssessment {
  readonly version: string | null;
  readonly becameCurrentAt?: Date;
  readonly notes: string[];
  readonly notCurrent?: string;
}

const skip = (reason: SkipReason, detail: string = SKIP_REASONS[reason]): SkipDecision => ({
  action: 'skip',
  reason,
  detail,
});

export class ReloadAfterRotation {
  constructor(
    private readonly deps: ReloadDependencies,
    private readonly settings: ReloadSettings,
  ) {}

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
    const outcomes = await Promise.all(
      plan.targets.map(async (target) => {
        if (target.decision.action === 'skip') return skipped(target, target.decision);
        const started = await limit(() => this.startRestart(target, plan, secretKey));
        return 'result' in started ? started : this.verify(started, startedAt);
      }),
    );
    const report: ReloadReport = {
      trigger: event.source,
      secret: plan.secret,
      version: plan.version,
      dryRun: this.settings.dryRun,
      notes: plan.notes,
      ...(plan.eventSkip ? { eventSkip: plan.eventSkip } : {}),
      outcomes,
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
    return this.notify(report);
  }

  /**
   * The restarts are done and verified whatever happens to the notification: a failed publish is logged with the
   * whole outcome (so it is not lost) and flagged on the report for the handler's metrics, not thrown, since a
   * retry of the event would find every connector already covered and could never re-send it.
   */
  private async notify(report: ReloadReport): Promise<ReloadReport> {
    try {
      await this.deps.notifier?.publish(report);
      return report;
    } catch (error) {
      const notificationError = (error as Error).message;
      this.deps.logger.error('outcome notification failed', {
        error: notificationError,
        secret: report.secret,
        version: report.version,
        outcomes: report.outcomes.map((o) => ({
          connector: connectorKey(o.connector),
          result: o.result,
          reason: o.reason,
        })),
      });
      return { ...report, notificationError };
    }
  }

  private async decide(candidate: Candidate, secret: SecretRef, assessment: VersionAssessment): Promise<Decision> {
    if (!candidate.snapshot) return skip('not-found');
    if (this.deps.resolver.isOtherCloud(candidate, secret)) {
      return skip('other-cloud', `cluster runs on ${candidate.cloud}, the secret is on ${secret.provider}`);
    }
    const exclusion = firstMatchingPattern(this.settings.exclusions, candidate.connector);
    if (exclusion) return skip('excluded', `matches exclusion "${exclusion.text}"`);
    if (candidate.snapshot.status.state === 'PAUSED') return skip('paused');
    const record = await this.deps.leases.read(connectorKey(candidate.connector));
    const covered = coveredBy(record, secret, assessment);
    if (covered) return skip('already-covered', covered);
    if (this.deps.leases.lockActive(record))
      return skip('in-flight', `${SKIP_REASONS['in-flight']} (${record?.lock?.operation})`);
    if (this.settings.dryRun) return skip('dry-run');
    return { action: 'restart' };
  }

  /** Takes the connector's lock and asks for the restart; the lock is kept until verification ends. */
  private async startRestart(
    target: PlannedTarget,
    plan: ReloadPlan,
    secretKey: string,
  ): Promise<AcceptedRestart | ReloadOutcome> {
    const { connector, sources } = target;
    const key = connectorKey(connector);
    const assessment: VersionAssessment = {
      version: plan.version,
      notes: [],
      ...(plan.versionBecameCurrentAt ? { becameCurrentAt: plan.versionBecameCurrentAt } : {}),
    };
    const lease = await this.deps.leases.acquire(key, `reload ${plan.secret}@${plan.version ?? 'current'}`, (record) =>
      coveredBy(record, undefined, assessment, secretKey),
    );
    if (!lease.acquired) {
      return lease.inFlight
        ? skipped(target, skip('in-flight', `${SKIP_REASONS['in-flight']} (${lease.holder})`))
        : skipped(target, skip('already-covered', lease.refusal));
    }
    try {
      const { method } = await this.deps.platform.restart(connector);
      const acceptedAt = this.deps.clock.now().getTime();
      await this.deps.leases.update(key, (record) => recordRestart(record, secretKey, plan.version, acceptedAt));
      return { target, method, acceptedAt };
    } catch (error) {
      await this.deps.leases.release(key);
      return { connector, sources, result: 'restart-error', detail: (error as Error).message };
    }
  }

  /** Polls the restarted connector to its verdict, then releases its lock. */
  private async verify({ target, method, acceptedAt }: AcceptedRestart, handledAt: Date): Promise<ReloadOutcome> {
    const { connector, sources } = target;
    try {
      const verification = await verifyRestart(this.deps.platform, this.deps.clock, connector, this.settings.verify);
      const base = { connector, sources, method, restartLatencyMs: acceptedAt - handledAt.getTime() };
      switch (verification.result) {
        case 'restarted':
          return { ...base, result: 'restarted', finalStatus: verification.status };
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

interface AcceptedRestart {
  readonly target: PlannedTarget;
  readonly method: RestartMethod;
  readonly acceptedAt: number;
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
  if (!record || !key) return undefined;
  if (assessment.version !== null && record.appliedVersions?.[key] === assessment.version) {
    return `version ${assessment.version} was already applied to this connector`;
  }
  if (record.lastRestartAt !== undefined && assessment.becameCurrentAt !== undefined) {
    if (record.lastRestartAt > latestPossibleInstant(assessment.becameCurrentAt)) {
      return `restarted at ${new Date(record.lastRestartAt).toISOString()}, after the version became current at ${assessment.becameCurrentAt.toISOString()}`;
    }
  }
  return undefined;
}

/**
 * Event and version times often come in whole seconds (EventBridge `time`, Key Vault `created`): the change may have
 * happened anywhere in that second, so a restart only covers it once that second is over.
 */
function latestPossibleInstant(at: Date): number {
  const ms = at.getTime();
  return ms % 1000 === 0 ? ms + 999 : ms;
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

function skipped(target: PlannedTarget, decision: SkipDecision): ReloadOutcome {
  return {
    connector: target.connector,
    sources: target.sources,
    result: 'skipped',
    reason: decision.reason,
    detail: decision.detail,
  };
}
