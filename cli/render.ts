import { connectorKey } from '../shared/core/connector-ref';
import type { TriggerEvent } from '../shared/core/events';
import type { OutcomeResult, ReloadOutcome, ReloadPlan, ReloadReport } from '../shared/core/reload-plan';
import { canonicalSecretId } from '../shared/core/secret-ref';
import type { Output } from './output';

/** The `inspect-event --json` line: a stable, flat shape for scripts. */
export function eventSummary(event: TriggerEvent): Record<string, unknown> {
  const base = { kind: event.kind, source: event.source, ...(event.eventId ? { eventId: event.eventId } : {}) };
  switch (event.kind) {
    case 'secret-rotated':
    case 'secret-expiring':
    case 'secret-expired':
      return {
        ...base,
        provider: event.secret.provider,
        secret: canonicalSecretId(event.secret),
        version: event.version,
      };
    case 'connector-failed':
      return { ...base, connector: event.connector, ...(event.connectorId ? { connectorId: event.connectorId } : {}) };
    case 'subscription-validation':
      return { ...base, validationCode: event.validationCode };
    case 'ignored':
      return { ...base, reason: event.reason };
  }
}

export function renderEvents(out: Output, events: readonly TriggerEvent[]): void {
  out.table(
    ['kind', 'secret / subject', 'version', 'reason'],
    events.map((event) => {
      const summary = eventSummary(event);
      const subject =
        summary.secret ?? (summary.connector ? JSON.stringify(summary.connector) : summary.validationCode);
      return [
        event.kind,
        subject as string | undefined,
        (summary.version as string | null) ?? '',
        summary.reason as string,
      ];
    }),
  );
}

export function renderPlan(out: Output, plan: ReloadPlan): void {
  out.line(
    `${out.colors.bold('secret')}  ${plan.secret}   ${out.colors.bold('version')}  ${plan.version ?? '(current)'}`,
  );
  for (const note of plan.notes) out.line(out.colors.dim(`note: ${note}`));
  if (plan.eventSkip) out.line(out.colors.yellow(`event skipped (${plan.eventSkip.reason}): ${plan.eventSkip.detail}`));
  if (plan.targets.length === 0) return;
  out.table(
    ['connector', 'state', 'found by', 'action', 'why'],
    plan.targets.map((target) => [
      connectorKey(target.connector),
      target.state ?? '-',
      target.sources.join(', '),
      target.decision.action === 'restart'
        ? out.colors.green('restart')
        : out.colors.yellow(`skip: ${target.decision.reason}`),
      target.decision.action === 'skip' ? target.decision.detail : '',
    ]),
  );
}

const RESULT_COLOUR: Record<OutcomeResult, 'green' | 'yellow' | 'red'> = {
  restarted: 'green',
  skipped: 'yellow',
  failed: 'red',
  'timed-out': 'red',
  'restart-error': 'red',
};

export function renderReport(out: Output, report: ReloadReport): void {
  out.line(
    `${out.colors.bold('secret')}  ${report.secret}   ${out.colors.bold('version')}  ${report.version ?? '(current)'}${report.dryRun ? '   (dry run)' : ''}`,
  );
  for (const note of report.notes) out.line(out.colors.dim(`note: ${note}`));
  if (report.eventSkip)
    out.line(out.colors.yellow(`event skipped (${report.eventSkip.reason}): ${report.eventSkip.detail}`));
  if (report.outcomes.length === 0) return;
  out.table(
    ['connector', 'found by', 'outcome', 'method', 'detail'],
    report.outcomes.map((o) => outcomeRow(out, o)),
  );
}

function outcomeRow(out: Output, outcome: ReloadOutcome): string[] {
  const label =
    outcome.result === 'restarted'
      ? 'restarted + verified RUNNING'
      : outcome.result === 'skipped'
        ? `skipped: ${outcome.reason}`
        : outcome.result;
  return [
    connectorKey(outcome.connector),
    outcome.sources.join(', '),
    out.colors[RESULT_COLOUR[outcome.result]](label),
    outcome.method ?? '',
    outcome.detail ?? '',
  ];
}

/** The `--json` form of a report: dates as ISO strings, nothing else changed. */
export function reportJson(report: ReloadReport): Record<string, unknown> {
  return JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
}
