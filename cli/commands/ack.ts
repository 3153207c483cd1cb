import { confirm, ensureConfirmable } from '#cli/confirm';
import type { Output } from '#cli/output';
import { instant } from '#cli/render';
import type { CliRuntime } from '#cli/runtime';
import { requireDeployedState } from '#cli/state-store';
import { connectorKey, parseConnectorRef } from '#core/connector-ref';

export class InvalidUntilError extends Error {
  override readonly name = 'InvalidUntilError';
}

const DURATION = /^(\d+)\s*(m|h|d)$/i;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `--until`: an ISO 8601 time (`2026-12-01T08:00Z`) or a duration from now (`90m`, `12h`, `7d`); in the future. */
export function parseUntil(text: string, now: number): number {
  const duration = DURATION.exec(text.trim());
  const at = duration
    ? now + Number(duration[1]) * UNIT_MS[(duration[2] ?? 'h').toLowerCase() as keyof typeof UNIT_MS]
    : Date.parse(text);
  if (!Number.isFinite(at)) {
    throw new InvalidUntilError(`--until: "${text}" is neither an ISO 8601 time nor a duration like 12h or 7d`);
  }
  if (at <= now) throw new InvalidUntilError(`--until: ${new Date(at).toISOString()} is not in the future`);
  return at;
}

/**
 * `ack ENV/LKC/NAME [--until TIME]`: silences a connector's alerts (a re-armed restart budget, repeated failures)
 * until TIME, or, without it, until recovery sees the connector healthy again. Its outcome events and metrics go on.
 */
export async function ack(
  out: Output,
  runtime: CliRuntime,
  target: string,
  options: { until?: string; yes?: boolean; json?: boolean },
): Promise<boolean> {
  requireDeployedState(runtime.state, 'ack');
  const connector = parseConnectorRef(target);
  const key = connectorKey(connector);
  const until = options.until === undefined ? undefined : parseUntil(options.until, Date.now());
  const confirmation = { yes: options.yes, action: 'acknowledge without asking' };
  ensureConfirmable(out, confirmation);
  const state = runtime.reloader.operatorState(runtime.invocationId('ack'));
  const span = until === undefined ? 'until recovery sees it healthy again' : `until ${instant(until)}`;
  if (!options.yes) {
    const current = await state.acknowledgementOf(connector);
    if (current && !options.json) {
      out.line(
        `${key} is acknowledged already (${current.until === undefined ? 'until healthy' : `until ${instant(current.until)}`})`,
      );
    }
    if (!(await confirm(out, { ...confirmation, question: `Silence the alerts of ${key} ${span}?` }))) {
      out.line('nothing acknowledged');
      return true;
    }
  }
  const acknowledgement = await state.acknowledge(connector, until);
  if (options.json) out.json({ connector, acknowledgement });
  else out.line(`acknowledged: alerts about ${key} are silenced ${span} (events and metrics go on)`);
  return true;
}
