import { isPausedConnector } from './connector';
import type { ConnectorLeases } from './connector-lease';
import { parseConnectorRef } from './connector-ref';
import { reportOutcome } from './outcome-report';
import { pauseRecorder } from './paused-by-reloader';
import { describePending, settlePendingByRestart, uncoveredPending, withoutCoveredPending } from './pending-versions';
import type { Clock, ConnectorPlatform, ConnectorRecord, Logger, OutcomeSink, PendingVersion } from './ports';
import type { ReloadOutcome } from './reload-plan';
import { type VerifyOptions, verifyRestart } from './verify-restart';

/**
 * The lock holder's side of pending-versions.ts: whoever releases a connector's lock (a rotation, a recovery, a
 * resume, an operator's restart) looks at the rotations that waited on it. Those its own restart covers are dropped;
 * for the others, whose version became current after that restart was accepted, it restarts the connector once more
 * and verifies it, reporting the outcome as the rotation's. The waiting rotation's own retry then finds the version
 * covered, so the connector is restarted once. Anything left (a failure here, a person's pause, a rotation arriving
 * during this restart) is left to that retry, which plans afresh from the live state.
 */
export interface FollowUpDependencies {
  readonly platform: ConnectorPlatform;
  /** Leases without an onReleased hook of their own: this restarts at most once per release. */
  readonly leases: ConnectorLeases;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly outcomes?: OutcomeSink;
}

export interface FollowUpSettings {
  readonly verify: VerifyOptions;
}

export const FOLLOW_UP_TRIGGER = 'pending-version follow-up';

export class PendingVersionFollowUp {
  constructor(
    private readonly deps: FollowUpDependencies,
    private readonly settings: FollowUpSettings,
  ) {}

  /** The ConnectorLeases `onReleased` hook. Never throws: the holder's own outcome must not depend on this. */
  async afterRelease(connectorKey: string, released: ConnectorRecord): Promise<void> {
    if (!released.pendingVersions) return;
    try {
      await this.followUp(connectorKey, released);
    } catch (error) {
      this.deps.logger.warn('pending-version follow-up failed: the waiting rotation is retried on its own', {
        connector: connectorKey,
        pending: describePending(Object.entries(released.pendingVersions)),
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private async followUp(key: string, released: ConnectorRecord): Promise<void> {
    const { leases, platform, clock, logger } = this.deps;
    const waiting = uncoveredPending(released);
    if (waiting.length === 0) {
      await leases.updateIf(key, withoutCoveredPending);
      return;
    }
    const connector = parseConnectorRef(key);
    if (isPausedConnector(await platform.getStatus(connector))) {
      // A person paused it meanwhile (or a pause of ours needs resuming): the rotation's retry decides on it.
      logger.info('pending-version follow-up: connector is PAUSED, left to the waiting rotation', { connector: key });
      return;
    }
    const operation = `reload pending ${describePending(waiting)}`;
    const lease = await leases.acquire(key, operation, (fresh) =>
      uncoveredPending(fresh).length === 0 ? 'covered meanwhile' : undefined,
    );
    // Another operation took it (its own release re-checks), or a restart covered the versions meanwhile.
    if (!lease.acquired) return;
    const startedAt = clock.now();
    let outcome: ReloadOutcome;
    try {
      const pauses = pauseRecorder(leases, key, operation, clock);
      const { method } = await platform.restart(connector, { pauses });
      const acceptedAt = clock.now().getTime();
      await leases.update(key, (record) => settlePendingByRestart(record, acceptedAt));
      const verification = await verifyRestart(platform, clock, connector, this.settings.verify);
      const base = { connector, sources: [], method, restartLatencyMs: acceptedAt - startedAt.getTime() } as const;
      outcome =
        verification.result === 'restarted'
          ? { ...base, result: 'restarted', finalStatus: verification.status }
          : verification.result === 'failed'
            ? { ...base, result: 'failed', detail: verification.trace, finalStatus: verification.status }
            : {
                ...base,
                result: 'timed-out',
                detail: `not RUNNING after ${this.settings.verify.timeoutMs} ms`,
                ...(verification.status ? { finalStatus: verification.status } : {}),
              };
    } catch (error) {
      outcome = { connector, sources: [], result: 'restart-error', detail: (error as Error).message };
    } finally {
      await leases.release(key, (record) => withoutCoveredPending(record) ?? record);
    }
    logger.info('pending-version follow-up outcome', { connector: key, pending: operation, result: outcome.result });
    await this.report(waiting, outcome, startedAt);
  }

  /** One rotation report per waiting version, so alerts and outcome events read as that rotation's. */
  private async report(waiting: [string, PendingVersion][], outcome: ReloadOutcome, startedAt: Date): Promise<void> {
    const finishedAt = this.deps.clock.now();
    for (const [, entry] of waiting) {
      const report = {
        trigger: FOLLOW_UP_TRIGGER,
        secret: entry.secret,
        version: entry.version ?? null,
        dryRun: false,
        notes: [
          `the connector was locked by another operation when the rotation came; restarted once that operation released it`,
        ],
        outcomes: [outcome],
        startedAt,
        finishedAt,
      };
      await reportOutcome(this.deps.outcomes, { kind: 'rotation', report }, this.deps.logger);
    }
  }
}
