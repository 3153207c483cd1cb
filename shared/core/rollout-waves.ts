import type { ConnectorLeases } from './connector-lease';
import { connectorKey } from './connector-ref';
import type { Clock, Logger, RolloutHalt } from './ports';
import { type PlannedTarget, type ReloadOutcome, SKIP_REASONS } from './reload-plan';

/**
 * Rollout waves: a bad rotated credential (a wrong password pushed to the secret) must not take every dependent
 * connector down at once. When a rotation has more than `threshold` connectors to restart, `firstWave` of them are
 * restarted and verified first; if one of them fails with a credential-looking error, the rest are left untouched
 * and reported `halted` with its trace, and the halt is recorded against that version, so a redelivery halts again
 * while a corrected rotation (a new version) rolls out afresh. Any other first-wave result lets the rest proceed.
 */
export interface RolloutSettings {
  readonly mode: 'waves' | 'all-at-once';
  /** Waves only when more connectors than this are to be restarted. */
  readonly threshold: number;
  readonly firstWave: number;
}

export interface RolloutDependencies {
  readonly leases: ConnectorLeases;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** What the waves need of a plan: its secret (identity key) and version, and its targets. */
export interface RolloutPlan {
  readonly secretKey: string;
  readonly version: string | null;
  readonly targets: readonly PlannedTarget[];
}

/**
 * Auth failures as connectors and their databases report them: HTTP 401/403, "authentication failed", a rejected
 * password or login, access denied, SASL, invalid keys or tokens. Stack traces carry line numbers, so a bare 401 or
 * 403 only counts next to a word that makes it a status.
 */
const CREDENTIAL_ERROR_PATTERNS: readonly RegExp[] = [
  /\b(?:http|status(?: code)?|response code|error code|code)[\s:=]*40[13]\b/i,
  /\b401\s+unauthori[sz]ed\b|\b403\s+forbidden\b|\bunauthori[sz]ed\b/i,
  /authentication (?:failed|failure|error|required)|failed to authenticate|(?:error|exception) (?:while )?authenticating|not authenticated|authenticationexception/i,
  /password authentication failed|(?:invalid|wrong|incorrect|bad) password|using password: yes|password (?:is )?(?:incorrect|invalid|expired|wrong)/i,
  /(?:incorrect|invalid) (?:username|user name|user) or password|username or password (?:is )?(?:incorrect|invalid)/i,
  /access denied|accessdenied/i,
  /login failed|logon denied|invalid (?:username|user name|login)/i,
  /\bsasl\b/i,
  /invalid (?:api[ _-]?key|credentials?|client[ _-]?secret|access[ _-]?key|token)|bad credentials|credentials? (?:are |were )?(?:invalid|rejected|expired)/i,
  /ORA-01017|SignatureDoesNotMatch|InvalidClientTokenId|UnrecognizedClientException|InvalidSignatureException|access key id .*does not exist/i,
];

/** Whether a verification trace reads like a rejected credential (the only first-wave failure that halts). */
export function isCredentialError(trace: string | undefined): boolean {
  return trace !== undefined && CREDENTIAL_ERROR_PATTERNS.some((pattern) => pattern.test(trace));
}

/** The state-store key of a secret's rollout record (beside the connectors' records, never one of them). */
export function rolloutKey(secretKey: string): string {
  return `rollout|${secretKey}`;
}

type Restart = (target: PlannedTarget) => Promise<ReloadOutcome>;

/**
 * Runs `restart` for every target (it reports a skip decision as skipped itself), in waves when the settings ask
 * for them; outcomes come back in the targets' order.
 */
export async function restartInWaves(
  plan: RolloutPlan,
  restart: Restart,
  deps: RolloutDependencies,
  settings: RolloutSettings | undefined,
): Promise<ReloadOutcome[]> {
  // A resume of the reloader's own orphaned pause is no rollout: it undoes our pause whatever a halt says.
  const toRestart = plan.targets.filter((target) => target.decision.action === 'restart' && !target.decision.resumes);
  if (!settings || settings.mode === 'all-at-once' || toRestart.length === 0) {
    return Promise.all(plan.targets.map(restart));
  }
  const version = plan.version ?? '';
  const key = rolloutKey(plan.secretKey);
  // Read whatever the count: a redelivery after a halt may have fewer left to restart than the threshold.
  const halt = (await deps.leases.read(key))?.rolloutHalt;
  if (halt && halt.version === version) {
    return Promise.all(
      plan.targets.map((target) => (toRestart.includes(target) ? halted(target, halt) : restart(target))),
    );
  }
  if (toRestart.length <= settings.threshold) return Promise.all(plan.targets.map(restart));

  const first = new Set(firstWave(toRestart, settings.firstWave));
  const firstOutcomes = new Map<PlannedTarget, ReloadOutcome>();
  await Promise.all(
    plan.targets
      .filter((target) => first.has(target) || !toRestart.includes(target))
      .map(async (target) => firstOutcomes.set(target, await restart(target))),
  );
  const credentialFailure = [...first]
    .map((target) => firstOutcomes.get(target))
    .find((outcome) => outcome?.result === 'failed' && isCredentialError(outcome.detail));

  let rest: (target: PlannedTarget) => Promise<ReloadOutcome> = restart;
  if (credentialFailure) {
    const record: RolloutHalt = {
      version,
      at: deps.clock.now().getTime(),
      firstWave: [...first].map((target) => connectorKey(target.connector)),
      trace: credentialFailure.detail ?? '',
    };
    for (const halt of await haltedVersions(plan, credentialFailure, deps.leases)) {
      const haltRecord: RolloutHalt = { ...record, version: halt.version };
      await deps.leases.updateIf(rolloutKey(halt.secretKey), (current) => ({ ...current, rolloutHalt: haltRecord }));
    }
    deps.logger.warn('rollout halted after the first wave', {
      secret: plan.secretKey,
      version: plan.version,
      firstWave: record.firstWave,
      halted: toRestart.length - first.size,
    });
    rest = async (target) => halted(target, record);
  }
  return Promise.all(plan.targets.map((target) => firstOutcomes.get(target) ?? rest(target)));
}

/**
 * The versions a halt holds back: this rotation's, and, when the failed restart was a coalesced one
 * (restart-coalescing.ts), every version it applied, so the other rotations of that group halt too instead of
 * restarting the rest with the same credential.
 */
async function haltedVersions(
  plan: RolloutPlan,
  failure: ReloadOutcome,
  leases: ConnectorLeases,
): Promise<{ secretKey: string; version: string }[]> {
  const halts = new Map([[plan.secretKey, plan.version ?? '']]);
  if (failure.coalescedRestart) {
    const restart = (await leases.read(connectorKey(failure.connector)))?.coalescedRestart;
    if (restart?.id === failure.coalescedRestart.id) {
      for (const covered of restart.covered) halts.set(covered.secretKey, covered.version ?? '');
    }
  }
  return [...halts].map(([secretKey, version]) => ({ secretKey, version }));
}

/** The first wave: connectors RUNNING before the rotation first (their failure says most about the credential). */
function firstWave(targets: readonly PlannedTarget[], size: number): PlannedTarget[] {
  const running = targets.filter((target) => target.state === 'RUNNING');
  const others = targets.filter((target) => target.state !== 'RUNNING');
  return [...running, ...others].slice(0, size);
}

function halted(target: PlannedTarget, halt: RolloutHalt): ReloadOutcome {
  return {
    connector: target.connector,
    sources: target.sources,
    result: 'skipped',
    reason: 'halted',
    detail: `${SKIP_REASONS.halted}: the first wave (${halt.firstWave.join(', ')}) failed with a credential error: ${halt.trace}`,
  };
}
