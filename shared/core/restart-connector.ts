import type { ConnectorStatus } from './connector';
import type { ConnectorLeases } from './connector-lease';
import { type ConnectorRef, connectorKey } from './connector-ref';
import type { Clock, ConnectorPlatform, Logger, RestartMethod } from './ports';
import type { OutcomeResult } from './reload-plan';
import { type VerifyOptions, verifyRestart } from './verify-restart';

/**
 * The use case "an operator asks to restart this connector": under the connector's lock, like every other
 * restart, so it never runs beside a rotation reload or a failure recovery; recorded as the connector's last
 * restart, so a rotation whose version was already current counts as covered; verified like the others. A PAUSED
 * connector is left alone (a pause/resume restart would resume it). The failure-restart budget is not touched.
 */
export const MANUAL_RESTART_SKIP_REASONS = {
  paused: 'connector is PAUSED: a person paused it; resume it in Confluent Cloud instead',
  'in-flight': 'another operation on this connector is in flight',
  'dry-run': 'DRY_RUN: would restart',
} as const;
export type ManualRestartSkipReason = keyof typeof MANUAL_RESTART_SKIP_REASONS;

export interface ManualRestartOutcome {
  readonly connector: ConnectorRef;
  readonly result: OutcomeResult;
  /** The state before anything was done. */
  readonly stateBefore: string;
  readonly reason?: ManualRestartSkipReason;
  /** The skip reason, the FAILED trace, or the error. Never a secret value. */
  readonly detail?: string;
  readonly method?: RestartMethod;
  readonly finalStatus?: ConnectorStatus;
}

export interface RestartConnectorDependencies {
  readonly platform: ConnectorPlatform;
  readonly leases: ConnectorLeases;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface RestartConnectorSettings {
  readonly dryRun: boolean;
  readonly verify: VerifyOptions;
}

export class RestartConnector {
  constructor(
    private readonly deps: RestartConnectorDependencies,
    private readonly settings: RestartConnectorSettings,
  ) {}

  /** `requestedBy` names the person or tool, for whoever meets the lock meanwhile. */
  async execute(connector: ConnectorRef, requestedBy: string): Promise<ManualRestartOutcome> {
    const outcome = await this.restart(connector, requestedBy);
    this.deps.logger.info('manual restart outcome', {
      connector: connectorKey(connector),
      requestedBy,
      result: outcome.result,
      reason: outcome.reason,
      detail: outcome.detail,
    });
    return outcome;
  }

  private async restart(connector: ConnectorRef, requestedBy: string): Promise<ManualRestartOutcome> {
    const key = connectorKey(connector);
    const before = await this.deps.platform.getStatus(connector);
    const base = { connector, stateBefore: before.state };
    const skip = (reason: ManualRestartSkipReason, detail: string = MANUAL_RESTART_SKIP_REASONS[reason]) => ({
      ...base,
      result: 'skipped' as const,
      reason,
      detail,
    });
    if (before.state === 'PAUSED') return skip('paused');
    if (this.settings.dryRun) {
      const record = await this.deps.leases.read(key);
      return this.deps.leases.lockActive(record)
        ? skip('in-flight', `${MANUAL_RESTART_SKIP_REASONS['in-flight']} (${record?.lock?.operation})`)
        : skip('dry-run');
    }
    const lease = await this.deps.leases.acquire(key, `manual restart by ${requestedBy}`, () => undefined);
    if (!lease.acquired) {
      const holder = lease.inFlight ? lease.holder : lease.refusal;
      return skip('in-flight', `${MANUAL_RESTART_SKIP_REASONS['in-flight']} (${holder})`);
    }
    let method: RestartMethod;
    try {
      ({ method } = await this.deps.platform.restart(connector));
      const acceptedAt = this.deps.clock.now().getTime();
      await this.deps.leases.update(key, (record) => ({ ...record, lastRestartAt: acceptedAt }));
    } catch (error) {
      await this.deps.leases.release(key);
      return { ...base, result: 'restart-error', detail: (error as Error).message };
    }
    try {
      const verification = await verifyRestart(this.deps.platform, this.deps.clock, connector, this.settings.verify);
      switch (verification.result) {
        case 'restarted':
          return { ...base, result: 'restarted', method, finalStatus: verification.status };
        case 'failed':
          return { ...base, result: 'failed', method, detail: verification.trace, finalStatus: verification.status };
        case 'timed-out':
          return {
            ...base,
            result: 'timed-out',
            method,
            detail: `not RUNNING after ${this.settings.verify.timeoutMs} ms (last state ${verification.status?.state ?? 'unknown'})`,
            ...(verification.status ? { finalStatus: verification.status } : {}),
          };
      }
    } finally {
      await this.deps.leases.release(key);
    }
  }
}
