import type { ConnectorRef } from '#core/connector-ref';
import { parseConnectorRef } from '#core/connector-ref';
import type { OutcomeResult, ReloadOutcome, ReloadReport, SkipReason, TargetSource } from '#core/reload-plan';
import type { ReceivedEvent } from './eventbridge-emulator';

/**
 * Rebuilds a report from the outcome events one rotation published, so the demo can show what the Lambda did from
 * what it told the bus (the only output a deployed function has besides logs and metrics).
 */
export function reportFromOutcomeEvents(events: readonly ReceivedEvent[]): ReloadReport | undefined {
  const [first] = events;
  if (!first) return undefined;
  const outcomes: ReloadOutcome[] = events.map(({ detail }) => {
    const connector: ConnectorRef = parseConnectorRef(String(detail.connector));
    return {
      connector,
      result: detail.result as OutcomeResult,
      sources: (detail.sources ?? []) as TargetSource[],
      ...(detail.method ? { method: detail.method as ReloadOutcome['method'] } : {}),
      ...(detail.reason ? { reason: detail.reason as SkipReason } : {}),
      ...(detail.detail ? { detail: String(detail.detail) } : {}),
    };
  });
  const finishedAt = new Date(String(first.detail.finishedAt));
  return {
    trigger: String(first.detail.trigger),
    secret: String(first.detail.secret),
    version: (first.detail.version ?? null) as string | null,
    dryRun: outcomes.some((outcome) => outcome.reason === 'dry-run'),
    notes: [],
    outcomes,
    startedAt: finishedAt,
    finishedAt,
  };
}
