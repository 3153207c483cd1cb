import type { SettingValues } from './read-settings';
import type { SettingName } from './setting-table';

/**
 * Rules between settings, checked at start-up by every runtime that reads all of a rule's variables (so the
 * function-timeout rule runs in the deployed functions only). Each broken rule gives one message naming the
 * variables and their values; only numbers and words are quoted, never a secret. docs/configuration.md lists them.
 */
export interface StartupRule {
  readonly variables: readonly SettingName[];
  /** Markdown, one sentence, for docs/configuration.md. */
  readonly rule: string;
  readonly check: (values: Partial<Record<SettingName, unknown>>) => string | undefined;
}

function startupRule<const N extends SettingName>(
  variables: readonly N[],
  rule: string,
  check: (values: SettingValues<N>) => string | undefined,
): StartupRule {
  return { variables, rule, check: (values) => check(values as SettingValues<N>) };
}

type Timing = SettingValues<'VERIFY_TIMEOUT_SECONDS' | 'PAUSE_TIMEOUT_SECONDS' | 'RESTART_METHOD'>;
const TIMING = ['VERIFY_TIMEOUT_SECONDS', 'PAUSE_TIMEOUT_SECONDS', 'RESTART_METHOD'] as const;

/**
 * The longest one connector's restart can take, as configured: the wait for PAUSED (unless the method never pauses)
 * and then the verification. The settle time runs inside the verification, so it adds nothing.
 */
function restartSeconds(values: Timing): { readonly seconds: number; readonly text: string } {
  const verify = values.VERIFY_TIMEOUT_SECONDS;
  if (values.RESTART_METHOD === 'restart') {
    return { seconds: verify, text: `VERIFY_TIMEOUT_SECONDS (${verify}; RESTART_METHOD=restart never pauses)` };
  }
  const pause = values.PAUSE_TIMEOUT_SECONDS;
  const seconds = pause + verify;
  const why = `RESTART_METHOD=${values.RESTART_METHOD} may pause`;
  return {
    seconds,
    text: `PAUSE_TIMEOUT_SECONDS (${pause}) + VERIFY_TIMEOUT_SECONDS (${verify}) = ${round(seconds)} (${why})`,
  };
}

const round = (seconds: number) => Math.round(seconds * 1000) / 1000;

export const STARTUP_RULES: readonly StartupRule[] = [
  startupRule(
    ['CONFLUENT_CLOUD_API_KEY', 'CONFLUENT_CLOUD_API_SECRET'],
    '`CONFLUENT_CLOUD_API_KEY` and `CONFLUENT_CLOUD_API_SECRET` are set together or not at all.',
    (v) =>
      (v.CONFLUENT_CLOUD_API_KEY === undefined) !== (v.CONFLUENT_CLOUD_API_SECRET === undefined)
        ? 'CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET go together'
        : undefined,
  ),
  startupRule(
    ['VERIFY_SETTLE_SECONDS', 'VERIFY_TIMEOUT_SECONDS'],
    '`VERIFY_SETTLE_SECONDS` is less than `VERIFY_TIMEOUT_SECONDS`: a RUNNING reading counts only once settled.',
    (v) =>
      v.VERIFY_SETTLE_SECONDS >= v.VERIFY_TIMEOUT_SECONDS
        ? `VERIFY_SETTLE_SECONDS (${v.VERIFY_SETTLE_SECONDS}) must be less than VERIFY_TIMEOUT_SECONDS (${v.VERIFY_TIMEOUT_SECONDS}): a RUNNING reading counts only after the settle time, so a restart that shows no transitional state could never be verified`
        : undefined,
  ),
  startupRule(
    ['LOCK_TTL_SECONDS', ...TIMING],
    '`LOCK_TTL_SECONDS` is more than `PAUSE_TIMEOUT_SECONDS` (unless `RESTART_METHOD=restart`) + `VERIFY_TIMEOUT_SECONDS`.',
    (v) => {
      const restart = restartSeconds(v);
      return v.LOCK_TTL_SECONDS > restart.seconds
        ? undefined
        : `LOCK_TTL_SECONDS (${v.LOCK_TTL_SECONDS}) must be more than ${restart.text}: the lock would expire while the restart is still being verified, and another delivery could restart the connector again`;
    },
  ),
  startupRule(
    ['FUNCTION_TIMEOUT_SECONDS', ...TIMING],
    '`FUNCTION_TIMEOUT_SECONDS`, when set (deployed), is more than that same sum.',
    (v) => {
      if (v.FUNCTION_TIMEOUT_SECONDS === undefined) return undefined;
      const restart = restartSeconds(v);
      return v.FUNCTION_TIMEOUT_SECONDS > restart.seconds
        ? undefined
        : `FUNCTION_TIMEOUT_SECONDS (${v.FUNCTION_TIMEOUT_SECONDS}) must be more than ${restart.text}: the function would be stopped mid-verification, its connectors left locked and the outcome unreported`;
    },
  ),
  startupRule(
    ['RESTART_COALESCE_SECONDS', 'RESTART_COALESCE_MAX_SECONDS'],
    'With coalescing on, `RESTART_COALESCE_MAX_SECONDS` is at least `RESTART_COALESCE_SECONDS`.',
    (v) =>
      v.RESTART_COALESCE_SECONDS > 0 && v.RESTART_COALESCE_MAX_SECONDS < v.RESTART_COALESCE_SECONDS
        ? `RESTART_COALESCE_MAX_SECONDS (${v.RESTART_COALESCE_MAX_SECONDS}) must be at least RESTART_COALESCE_SECONDS (${v.RESTART_COALESCE_SECONDS}): the cap would cut every window short, so the window would mean nothing`
        : undefined,
  ),
  startupRule(
    ['AZURE_STATE_TABLE_ENDPOINT', 'AZURE_STATE_TABLE_CONNECTION_STRING'],
    'On Azure, `AZURE_STATE_TABLE_ENDPOINT` or `AZURE_STATE_TABLE_CONNECTION_STRING` is set.',
    (v) =>
      v.AZURE_STATE_TABLE_ENDPOINT === undefined && v.AZURE_STATE_TABLE_CONNECTION_STRING === undefined
        ? 'AZURE_STATE_TABLE_ENDPOINT: required (or AZURE_STATE_TABLE_CONNECTION_STRING)'
        : undefined,
  ),
  startupRule(
    ['RESTART_COALESCE_SECONDS', 'AZURE_QUEUE_ENDPOINT', 'AZURE_QUEUE_CONNECTION_STRING'],
    'On Azure with coalescing on, `AZURE_QUEUE_ENDPOINT` or `AZURE_QUEUE_CONNECTION_STRING` is set.',
    (v) =>
      v.RESTART_COALESCE_SECONDS > 0 &&
      v.AZURE_QUEUE_ENDPOINT === undefined &&
      v.AZURE_QUEUE_CONNECTION_STRING === undefined
        ? `AZURE_QUEUE_ENDPOINT: required while RESTART_COALESCE_SECONDS (${v.RESTART_COALESCE_SECONDS}) is on (or AZURE_QUEUE_CONNECTION_STRING): a coalescing rotation waits on the rotation queue until its restart is due`
        : undefined,
  ),
];
