import { connectorKey } from '#core/connector-ref';
import type { OutcomeReport } from '#core/outcome-report';
import { cleanTrace } from '#observability/trace-hygiene';

/**
 * What is worth a person's attention in an outcome report, and how it reads in each alert channel. Failures,
 * exhausted restart budgets and secret expiry always alert; successes only when asked. Only ids, versions, states
 * and Confluent's traces (scrubbed and bounded, trace-hygiene.ts) go into a message: never a secret value.
 */
export type AlertFormat = 'generic' | 'slack' | 'teams';

export interface Alert {
  readonly severity: 'critical' | 'warning' | 'info';
  readonly title: string;
  readonly lines: readonly string[];
  /** What a person should do now, most likely first (failures only). */
  readonly next?: readonly string[];
}

/**
 * What to do after a rotation restart did not end RUNNING, by how it ended: the connector still holds the old
 * credential or cannot use the new one, and nothing retries a verified failure by itself.
 */
function nextSteps(secret: string, results: ReadonlySet<string>): string[] {
  const reload = `npx connector-reloader reload --secret ${secret}`;
  const steps: string[] = [];
  if (results.has('failed')) {
    steps.push(
      "FAILED: read the connector's error in Confluent Cloud (trace above); if the new credential is wrong, fix the secret (a new version reloads again), else fix the cause and run `" +
        `${reload}\`.`,
    );
  }
  if (results.has('timed-out')) {
    steps.push(
      `timed-out: check \`npx connector-reloader status\`; a connector still provisioning may yet come up, else run \`${reload}\`.`,
    );
  }
  if (results.has('restart-error')) {
    steps.push(
      `restart-error: Confluent refused the restart; the event is retried, and if it ends on the dead-letter queue, run \`${reload}\` once Confluent accepts restarts.`,
    );
  }
  return steps;
}

export function alertFor(outcome: OutcomeReport, includeSuccesses: boolean): Alert | undefined {
  switch (outcome.kind) {
    case 'secret-expiry': {
      const { warning } = outcome;
      return { severity: warning.expired ? 'critical' : 'warning', title: cleanTrace(warning.message), lines: [] };
    }
    case 'rotation': {
      const { report } = outcome;
      const bad = report.outcomes.filter(
        (o) => o.result === 'failed' || o.result === 'timed-out' || o.result === 'restart-error',
      );
      const good = report.outcomes.filter((o) => o.result === 'restarted');
      // Halted by a rollout wave: the first wave's line above carries the trace, so theirs do not repeat it.
      const halted = report.outcomes.filter((o) => o.reason === 'halted');
      if (bad.length === 0 && halted.length === 0 && !(includeSuccesses && good.length > 0)) return undefined;
      const next = nextSteps(report.secret, new Set(bad.map((o) => o.result)));
      return {
        severity: bad.length > 0 || halted.length > 0 ? 'critical' : 'info',
        title: `Rotation of ${report.secret} (version ${report.version ?? 'current'}): ${good.length} restarted, ${bad.length} failed${halted.length > 0 ? `, ${halted.length} halted (the first wave failed with a credential error: fix the secret, a new version rolls out again)` : ''}`,
        lines: [
          ...[...bad, ...(includeSuccesses ? good : [])].map(
            (o) => `${connectorKey(o.connector)}: ${o.result}${o.detail ? ` — ${cleanTrace(o.detail)}` : ''}`,
          ),
          ...halted.map((o) => `${connectorKey(o.connector)}: halted (not restarted)`),
        ],
        ...(next.length > 0 ? { next } : {}),
      };
    }
    case 'recovery': {
      const { report } = outcome;
      const exhausted = report.outcomes.filter((o) => o.alert);
      const bad = report.outcomes.filter((o) => o.result !== 'restarted' && o.result !== 'skipped');
      const good = report.outcomes.filter((o) => o.result === 'restarted');
      if (exhausted.length === 0 && bad.length === 0 && !(includeSuccesses && good.length > 0)) return undefined;
      return {
        severity: exhausted.length > 0 || bad.length > 0 ? 'critical' : 'info',
        title: `Failed connectors (${report.trigger}): ${good.length} recovered, ${bad.length} still failing, ${exhausted.length} out of restart budget`,
        lines: [...exhausted, ...bad, ...(includeSuccesses ? good : [])].map(
          (o) =>
            `${connectorKey(o.connector)}: ${o.alert ? 'restart budget exhausted' : o.result}${o.attempt ? ` (automatic restart ${o.attempt})` : ''}${o.detail ? ` — ${cleanTrace(o.detail)}` : ''}`,
        ),
      };
    }
  }
}

/** The clause that says which connectors a digest left out (alert-suppression.ts), appended to its title. */
export function withDigestNote(alert: Alert, left: { readonly repeats: number; readonly acknowledged: number }): Alert {
  const parts = [
    ...(left.repeats > 0 ? [`${left.repeats} more left out as repeats of their last alert`] : []),
    ...(left.acknowledged > 0 ? [`${left.acknowledged} acknowledged`] : []),
  ];
  return parts.length > 0 ? { ...alert, title: `${alert.title}; ${parts.join(', ')}` } : alert;
}

/** The digest's cap: one message per trigger lists this many connectors, then says how many more. */
const MAX_LINES = 20;

/** The HTTP body for one channel. Long lists are cut: an alert is a pointer, the logs hold everything. */
export function alertBody(alert: Alert, format: AlertFormat): unknown {
  const lines =
    alert.lines.length > MAX_LINES
      ? [...alert.lines.slice(0, MAX_LINES), `… and ${alert.lines.length - MAX_LINES} more`]
      : alert.lines;
  const next = alert.next ?? [];
  const text = [
    alert.title,
    ...lines.map((line) => `• ${line}`),
    ...(next.length > 0 ? ['Next:', ...next.map((step) => `→ ${step}`)] : []),
  ].join('\n');
  switch (format) {
    case 'slack':
      return {
        text: `[${alert.severity}] ${alert.title}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*[${alert.severity}] connector-reloader*\n${text}` } },
        ],
      };
    case 'teams':
      return {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              type: 'AdaptiveCard',
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              version: '1.4',
              body: [
                { type: 'TextBlock', weight: 'Bolder', text: `[${alert.severity}] connector-reloader`, wrap: true },
                { type: 'TextBlock', text, wrap: true },
              ],
            },
          },
        ],
      };
    case 'generic':
      return {
        source: 'connector-reloader',
        severity: alert.severity,
        title: alert.title,
        lines,
        ...(next.length > 0 ? { next } : {}),
      };
  }
}
