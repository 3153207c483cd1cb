import { confirm, ensureConfirmable } from '#cli/confirm';
import type { Output } from '#cli/output';
import { paintState, taskSummary } from '#cli/render';
import type { CliRuntime } from '#cli/runtime';
import { connectorKey, parseConnectorRef } from '#core/connector-ref';
import type { ManualRestartOutcome } from '#core/restart-connector';

/**
 * `restart ENV/LKC/NAME`: one connector, under its lock (skipped while a function holds it), verified RUNNING, and
 * recorded as its last restart. Returns whether it came back RUNNING (a DRY_RUN counts as done).
 */
export async function restart(
  out: Output,
  runtime: CliRuntime,
  target: string,
  options: { yes?: boolean; json?: boolean },
): Promise<boolean> {
  const connector = parseConnectorRef(target);
  const key = connectorKey(connector);
  if (!options.yes && !runtime.settings.dryRun) {
    const confirmation = { action: 'restart without asking' };
    ensureConfirmable(out, confirmation);
    const current = await runtime.reloader.platform.getStatus(connector);
    const question = `Restart ${key} (${current.state}, tasks ${taskSummary(current.tasks.map((t) => t.state))}) and verify it?`;
    if (!(await confirm(out, { ...confirmation, question }))) {
      out.line('nothing restarted');
      return true;
    }
  }
  const outcome = await runtime.reloader
    .manualRestart(runtime.invocationId('restart'))
    .execute(connector, runtime.operator);
  if (options.json) out.json(JSON.parse(JSON.stringify(outcome)));
  else renderOutcome(out, outcome);
  return outcome.result === 'restarted' || outcome.reason === 'dry-run';
}

function renderOutcome(out: Output, outcome: ManualRestartOutcome): void {
  const label =
    outcome.result === 'restarted'
      ? out.colors.green('restarted + verified RUNNING')
      : outcome.result === 'skipped'
        ? out.colors.yellow(`skipped: ${outcome.reason}`)
        : out.colors.red(outcome.result);
  out.table(
    ['connector', 'before', 'outcome', 'method', 'detail'],
    [
      [
        connectorKey(outcome.connector),
        paintState(out, outcome.stateBefore),
        label,
        outcome.method ?? '',
        outcome.detail ?? '',
      ],
    ],
  );
}
