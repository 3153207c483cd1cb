import { connectorKey } from '#core/connector-ref';
import type { TriggerEvent } from '#core/events';
import type {
  CoalescingWait,
  Decision,
  OutcomeResult,
  PendingVersionRef,
  ReloadOutcome,
  ReloadPlan,
  ReloadReport,
} from '#core/reload-plan';
import { canonicalSecretId } from '#core/secret-ref';
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
        typeof summary.secret === 'string'
          ? out.secretId(summary.secret)
          : summary.connector
            ? JSON.stringify(summary.connector)
            : (summary.validationCode as string | undefined);
      return [event.kind, subject, out.version(summary.version as string | null | undefined), summary.reason as string];
    }),
  );
}

/** The line above a plan or report: which secret, which version. */
function secretHeading(out: Output, secret: string, version: string | null, suffix = ''): void {
  out.text(
    `${out.colors.bold('secret')}  ${out.secretId(secret)}   ${out.colors.bold('version')}  ${version === null ? '(current)' : out.version(version)}${suffix}`,
  );
}

export function renderPlan(out: Output, plan: ReloadPlan): void {
  secretHeading(out, plan.secret, plan.version);
  for (const note of plan.notes) out.text(out.colors.dim(`note: ${note}`));
  if (plan.eventSkip) out.text(out.colors.yellow(`event skipped (${plan.eventSkip.reason}): ${plan.eventSkip.detail}`));
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
      decisionDetail(out, target.decision),
    ]),
  );
}

/**
 * The plan's "why": a connector waiting in its coalescing window says when its one restart is due and what it
 * applies; one due now (a restart, or a dry run's) says which versions that restart applies.
 */
function decisionDetail(out: Output, decision: Decision): string {
  if (decision.action === 'skip' && decision.coalescing) return coalescingDetail(out, decision.coalescing);
  if (decision.coalesced?.length)
    return `coalesced: one restart, due now, applies ${pendingList(out, decision.coalesced)}`;
  return decision.action === 'skip' ? decision.detail : '';
}

/** A connector waiting in its coalescing window, for people: when its one restart is due and what it will apply. */
export function coalescingDetail(out: Output, wait: CoalescingWait): string {
  return `coalescing: one restart due at ${instant(wait.dueAt.getTime())}, applying ${pendingList(out, wait.pending)}`;
}

/** (secret, version) pairs as tables show them: `arn:…:prod/db-user-Ab12Cd@1a2b3c4d…, …`. */
export function pendingList(out: Output, pending: readonly PendingVersionRef[]): string {
  return pending
    .map((p) => `${out.secretId(p.secret)}@${p.version === null ? 'current' : out.version(p.version)}`)
    .join(', ');
}

const RESULT_COLOUR: Record<OutcomeResult, 'green' | 'yellow' | 'red'> = {
  restarted: 'green',
  skipped: 'yellow',
  failed: 'red',
  'timed-out': 'red',
  'restart-error': 'red',
};

export function renderReport(out: Output, report: ReloadReport): void {
  secretHeading(out, report.secret, report.version, report.dryRun ? '   (dry run)' : '');
  for (const note of report.notes) out.text(out.colors.dim(`note: ${note}`));
  if (report.eventSkip)
    out.text(out.colors.yellow(`event skipped (${report.eventSkip.reason}): ${report.eventSkip.detail}`));
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
    outcomeDetail(out, outcome),
  ];
}

/** A restart that applied a coalesced group names it, and what it applied, beside any other detail. */
function outcomeDetail(out: Output, outcome: ReloadOutcome): string {
  const restart = outcome.coalescedRestart;
  if (outcome.result !== 'restarted' || !restart) return outcome.detail ?? '';
  const applied = `coalescedRestart ${restart.id} applied ${pendingList(out, restart.covers)}`;
  return outcome.detail ? `${outcome.detail}; ${applied}` : applied;
}

/** The `--json` form of a report: dates as ISO strings, nothing else changed. */
export function reportJson(report: ReloadReport): Record<string, unknown> {
  return JSON.parse(JSON.stringify(report)) as Record<string, unknown>;
}

/** Task states as counts in order of first appearance: `2 RUNNING, 1 FAILED`; `-` for none. */
export function taskSummary(states: readonly string[]): string {
  if (states.length === 0) return '-';
  const counts = new Map<string, number>();
  for (const state of states) counts.set(state, (counts.get(state) ?? 0) + 1);
  return [...counts].map(([state, count]) => `${count} ${state}`).join(', ');
}

/** A connector state, coloured: RUNNING green, FAILED red, anything else yellow. */
export function paintState(out: Output, state: string): string {
  return state === 'RUNNING'
    ? out.colors.green(state)
    : state === 'FAILED'
      ? out.colors.red(state)
      : out.colors.yellow(state);
}

/** An epoch-ms instant for people: ISO 8601 to the second, in UTC. */
export function instant(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
