import type { Output } from './output';

export class ConfirmationRequiredError extends Error {
  override readonly name = 'ConfirmationRequiredError';
}

/**
 * The guard in front of every verb that changes something: `--yes` goes ahead, a person is asked, and a script
 * without `--yes` is refused (exit 2) rather than left waiting for an answer no one will type.
 */
export interface Confirmation {
  readonly yes?: boolean;
  /** What `--yes` would let the command do, for the refusal: "restart without asking". */
  readonly action: string;
}

/** Refuses at once, before any work, when neither --yes was given nor a person can answer. */
export function ensureConfirmable(out: Output, confirmation: Confirmation): void {
  if (!confirmation.yes && !out.interactive) {
    throw new ConfirmationRequiredError(`not a terminal: pass --yes to ${confirmation.action}`);
  }
}

export async function confirm(out: Output, confirmation: Confirmation & { readonly question: string }) {
  ensureConfirmable(out, confirmation);
  if (confirmation.yes) return true;
  const answer = await out.ask(`${confirmation.question} [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}
