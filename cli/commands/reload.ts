import { confirm, ensureConfirmable } from '#cli/confirm';
import type { Output } from '#cli/output';
import { renderPlan, renderReport, reportJson } from '#cli/render';
import type { CliRuntime } from '#cli/runtime';
import { reportSucceeded } from '#core/reload-plan';
import { rotationsFrom } from './plan';

/**
 * The manual trigger: shows the plan, asks (or takes --yes), restarts and verifies, under the same locks and with
 * the same version records as the functions when the runtime is on their state store. Returns whether all went well.
 * An operator's reload does not wait in a coalescing window (RESTART_COALESCE_SECONDS): it restarts now, and that
 * one restart applies every version waiting for the connector, so the waiting rotations find them covered.
 */
export async function reload(
  out: Output,
  runtime: CliRuntime,
  options: { secret: string; yes?: boolean; json?: boolean },
) {
  const [rotation] = rotationsFrom({ secret: options.secret });
  if (!rotation) return false;
  const useCase = runtime.reloader.forInvocation(runtime.invocationId('reload'), { restartNow: true });
  if (!options.yes && !runtime.settings.dryRun) {
    const confirmation = { action: 'restart without asking' };
    ensureConfirmable(out, confirmation);
    renderPlan(out, await useCase.plan(rotation));
    if (!(await confirm(out, { ...confirmation, question: 'Restart the connectors marked "restart"?' }))) {
      out.line('nothing restarted');
      return true;
    }
  }
  const report = await useCase.execute(rotation);
  if (options.json) out.json(reportJson(report));
  else renderReport(out, report);
  return reportSucceeded(report);
}
