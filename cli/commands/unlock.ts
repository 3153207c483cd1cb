import { confirm, ensureConfirmable } from '#cli/confirm';
import type { Output } from '#cli/output';
import { instant } from '#cli/render';
import type { CliRuntime } from '#cli/runtime';
import { requireDeployedState } from '#cli/state-store';
import { connectorKey, parseConnectorRef } from '#core/connector-ref';
import type { LockView } from '#core/operator-state';

/**
 * `unlock ENV/LKC/NAME`: clears a stranded lock (its invocation died; it would block every operation on the
 * connector until its TTL ends). Shows who held it and until when first; clears only that lock. Returns whether
 * the connector is unlocked now.
 */
export async function unlock(
  out: Output,
  runtime: CliRuntime,
  target: string,
  options: { yes?: boolean; json?: boolean },
): Promise<boolean> {
  requireDeployedState(runtime.state, 'unlock');
  const connector = parseConnectorRef(target);
  const key = connectorKey(connector);
  const confirmation = { yes: options.yes, action: 'clear the lock without asking' };
  ensureConfirmable(out, confirmation);
  const state = runtime.reloader.operatorState(runtime.invocationId('unlock'));
  const lock = await state.lockOf(connector);
  if (!lock) {
    if (options.json) out.json({ connector, lock: null, cleared: false });
    else out.line(`no lock on ${key} (${runtime.state.where})`);
    return true;
  }
  if (!options.json) renderLock(out, key, lock);
  const question = lock.active
    ? 'Clear it? If that operation is still running, another may start beside it.'
    : 'Clear it? (It has expired and no longer blocks anyone.)';
  if (!(await confirm(out, { ...confirmation, question }))) {
    out.line('lock kept');
    return true;
  }
  const cleared = await state.unlock(connector, lock.owner);
  if (options.json) out.json({ connector, lock, cleared });
  else
    out.line(cleared ? 'lock cleared' : 'the lock changed since it was read (released or taken over): nothing cleared');
  return cleared;
}

function renderLock(out: Output, key: string, lock: LockView): void {
  const minutes = Math.round(Math.abs(lock.expiresAt - Date.now()) / 60_000);
  out.details([
    ['connector', key],
    ['held by', lock.owner],
    ['operation', lock.operation],
    [
      'expires',
      `${instant(lock.expiresAt)} (${lock.active ? `in ${minutes} min` : `${minutes} min ago: no longer blocks anyone`})`,
    ],
  ]);
}
