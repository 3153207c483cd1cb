import type { Output } from '#cli/output';
import { renderPlan } from '#cli/render';
import type { CliRuntime } from '#cli/runtime';
import type { SecretRotated } from '#core/events';
import { parseSecretRef } from '#core/secret-ref';
import { parseEventFile } from './inspect-event';

export class NothingToPlanError extends Error {
  override readonly name = 'NothingToPlanError';
}

/** The rotation events a `--secret` or `--event` option stands for. A bare name is an AWS secret in AWS_REGION. */
export function rotationsFrom(options: { secret?: string; event?: string }): SecretRotated[] {
  if (options.secret && options.event) throw new NothingToPlanError('give --secret or --event, not both');
  if (options.secret) {
    const secret = parseSecretRef(options.secret, {
      provider: 'aws',
      ...(process.env.AWS_REGION ? { region: process.env.AWS_REGION } : {}),
    });
    return [{ kind: 'secret-rotated', secret, version: null, source: 'cli', occurredAt: new Date() }];
  }
  if (options.event) {
    const rotations = parseEventFile(options.event).filter((e): e is SecretRotated => e.kind === 'secret-rotated');
    if (rotations.length === 0)
      throw new NothingToPlanError(`${options.event}: no secret-rotated event in it (see inspect-event)`);
    return rotations;
  }
  throw new NothingToPlanError('give --secret REF or --event FILE');
}

export async function plan(
  out: Output,
  runtime: CliRuntime,
  options: { secret?: string; event?: string; json?: boolean },
) {
  for (const rotation of rotationsFrom(options)) {
    const result = await runtime.reloader.forInvocation(runtime.invocationId('plan')).plan(rotation);
    if (options.json) out.json(result);
    else renderPlan(out, result);
  }
}
