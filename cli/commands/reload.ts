import { createInterface } from 'node:readline/promises';
import { reportSucceeded } from '../../shared/core/reload-plan';
import type { Output } from '../output';
import { renderPlan, renderReport, reportJson } from '../render';
import type { CliRuntime } from '../runtime';
import { rotationsFrom } from './plan';

export class ConfirmationRequiredError extends Error {
  override readonly name = 'ConfirmationRequiredError';
}

/** The manual trigger: shows the plan, asks (or takes --yes), restarts and verifies. Returns whether all went well. */
export async function reload(
  out: Output,
  runtime: CliRuntime,
  options: { secret: string; yes?: boolean; json?: boolean },
) {
  const [rotation] = rotationsFrom({ secret: options.secret });
  if (!rotation) return false;
  const useCase = runtime.reloader.forInvocation('cli-reload');
  if (!options.yes && !runtime.settings.dryRun) {
    if (!process.stdin.isTTY)
      throw new ConfirmationRequiredError('not a terminal: pass --yes to restart without asking');
    renderPlan(out, await useCase.plan(rotation));
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await prompt.question('Restart the connectors marked "restart"? [y/N] ');
    prompt.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      out.line('nothing restarted');
      return true;
    }
  }
  const report = await useCase.execute(rotation);
  if (options.json) out.json(reportJson(report));
  else renderReport(out, report);
  return reportSucceeded(report);
}
