import { confirm, ensureConfirmable } from '#cli/confirm';
import type { Output } from '#cli/output';
import { instant } from '#cli/render';
import type { CliRuntime } from '#cli/runtime';
import { requireDeployedState } from '#cli/state-store';
import { connectorKey, parseConnectorRef } from '#core/connector-ref';
import type { BudgetView } from '#core/operator-state';

/** `budget show ENV/LKC/NAME`: the failure-restart budget as the recovery functions see it. */
export async function budgetShow(out: Output, runtime: CliRuntime, target: string, options: { json?: boolean }) {
  requireDeployedState(runtime.state, 'budget show');
  const connector = parseConnectorRef(target);
  const budget = await runtime.reloader.operatorState(runtime.invocationId('budget')).budgetOf(connector);
  if (options.json) out.json({ connector, ...budget });
  else renderBudget(out, connectorKey(connector), budget);
}

/**
 * `budget reset ENV/LKC/NAME`: gives a connector its whole automatic-restart budget back (after a person fixed
 * it, say), so recovery restarts it at its next failure. Returns false when refused (an operation holds the lock).
 */
export async function budgetReset(
  out: Output,
  runtime: CliRuntime,
  target: string,
  options: { yes?: boolean; json?: boolean },
): Promise<boolean> {
  requireDeployedState(runtime.state, 'budget reset');
  const connector = parseConnectorRef(target);
  const key = connectorKey(connector);
  const confirmation = { yes: options.yes, action: 'reset the budget without asking' };
  ensureConfirmable(out, confirmation);
  const state = runtime.reloader.operatorState(runtime.invocationId('budget'));
  if (!options.yes) {
    if (!options.json) renderBudget(out, key, await state.budgetOf(connector));
    if (!(await confirm(out, { ...confirmation, question: `Give ${key} its whole restart budget back?` }))) {
      out.line('budget kept');
      return true;
    }
  }
  const result = await state.resetBudget(connector);
  if (options.json) out.json({ connector, ...result });
  else if (result.reset) out.line(`budget reset: ${result.previous.count} automatic restart(s) forgotten`);
  else if (result.reason === 'in-flight')
    out.line(`not reset: an operation holds the lock (${result.holder}); try again after it`);
  else out.line('nothing to reset: no automatic restart is recorded');
  return result.reset || result.reason === 'nothing-to-reset';
}

function renderBudget(out: Output, key: string, budget: BudgetView): void {
  const { streak, maxAutoRestarts, ifFailedNow } = budget;
  const next =
    ifFailedNow.action === 'restart'
      ? `restart at once (automatic restart ${ifFailedNow.attempt})`
      : ifFailedNow.action === 'wait'
        ? `wait until ${instant(ifFailedNow.until)} (backoff)`
        : `left alone: budget spent${ifFailedNow.rearmsAt === undefined ? ' until reset' : `; re-arms at ${instant(ifFailedNow.rearmsAt)}`}`;
  out.details([
    ['connector', key],
    ['automatic restarts', `${streak.count} of ${maxAutoRestarts} (MAX_AUTO_RESTARTS)`],
    ['last automatic restart', streak.lastRestartAt > 0 ? instant(streak.lastRestartAt) : 'never'],
    ['healthy since', instant(streak.healthySince)],
    ['deferred until', instant(streak.deferredUntil)],
    ['budget spent at', instant(streak.exhaustedAt)],
    ['if it failed now', next],
  ]);
}
