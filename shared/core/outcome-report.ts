import { type ConnectorRef, connectorKey } from './connector-ref';
import type { Logger, OutcomeSink } from './ports';
import type { RecoveryReport } from './recovery-report';
import type { ReloadReport } from './reload-plan';

/** Everything the reloader tells the outside world about: what the outcome channel (alerts, events, metrics) gets. */
export type OutcomeReport =
  | { readonly kind: 'rotation'; readonly report: ReloadReport }
  | { readonly kind: 'recovery'; readonly report: RecoveryReport }
  | { readonly kind: 'secret-expiry'; readonly warning: SecretExpiryWarning };

export interface SecretExpiryWarning {
  readonly secret: string;
  readonly version: string | null;
  readonly expired: boolean;
  readonly expiresAt?: Date;
  readonly message: string;
}

/** What an outcome carried, in ids and results only: logged when it could not be delivered, so it is not lost. */
export function outcomeSummary(outcome: OutcomeReport): Record<string, unknown> {
  const results = (outcomes: readonly { connector: ConnectorRef; result: string; reason?: string }[]) =>
    outcomes.map((o) => ({ connector: connectorKey(o.connector), result: o.result, reason: o.reason }));
  switch (outcome.kind) {
    case 'rotation':
      return {
        secret: outcome.report.secret,
        version: outcome.report.version,
        outcomes: results(outcome.report.outcomes),
      };
    case 'recovery':
      return { trigger: outcome.report.trigger, outcomes: results(outcome.report.outcomes) };
    case 'secret-expiry':
      return { secret: outcome.warning.secret, version: outcome.warning.version, expired: outcome.warning.expired };
  }
}

/**
 * Hands an outcome to the channel. The use case's work is done by then: a delivery that throws is logged with what
 * it carried and never fails the use case (a retried trigger would find the work covered and could not resend it).
 */
export async function reportOutcome(
  outcomes: OutcomeSink | undefined,
  outcome: OutcomeReport,
  logger: Logger,
): Promise<void> {
  if (!outcomes) return;
  try {
    await outcomes.deliver(outcome);
  } catch (error) {
    logger.error('outcome notification failed', {
      sink: outcomes.name,
      outcome: outcome.kind,
      error: error instanceof Error ? error.message : String(error),
      ...outcomeSummary(outcome),
    });
  }
}
