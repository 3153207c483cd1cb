import { connectorKey } from '../core/connector-ref';
import type { OutcomeReport } from '../core/outcome-report';
import { cleanTrace } from '../observability/trace-hygiene';

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
      if (bad.length === 0 && !(includeSuccesses && good.length > 0)) return undefined;
      return {
        severity: bad.length > 0 ? 'critical' : 'info',
        title: `Rotation of ${report.secret} (version ${report.version ?? 'current'}): ${good.length} restarted, ${bad.length} failed`,
        lines: [...bad, ...(includeSuccesses ? good : [])].map(
          (o) => `${connectorKey(o.connector)}: ${o.result}${o.detail ? ` — ${cleanTrace(o.detail)}` : ''}`,
        ),
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

const MAX_LINES = 20;

/** The HTTP body for one channel. Long lists are cut: an alert is a pointer, the logs hold everything. */
export function alertBody(alert: Alert, format: AlertFormat): unknown {
  const lines =
    alert.lines.length > MAX_LINES
      ? [...alert.lines.slice(0, MAX_LINES), `… and ${alert.lines.length - MAX_LINES} more`]
      : alert.lines;
  const text = [alert.title, ...lines.map((line) => `• ${line}`)].join('\n');
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
      return { source: 'connector-reloader', severity: alert.severity, title: alert.title, lines };
  }
}
