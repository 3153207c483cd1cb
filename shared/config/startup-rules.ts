import type { SettingValues } from './read-settings';
import type { SettingName } from './setting-table';

/**
 * Rules between settings, checked at start-up by every runtime that reads all of a rule's variables (so an
 * Azure-only rule runs in the Function App only). Each broken rule gives one message naming the variables and their
 * values; only numbers and words are quoted, never a secret. docs/configuration.md lists them.
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
    ['AZURE_STATE_TABLE_ENDPOINT', 'AZURE_STATE_TABLE_CONNECTION_STRING'],
    'On Azure, `AZURE_STATE_TABLE_ENDPOINT` or `AZURE_STATE_TABLE_CONNECTION_STRING` is set.',
    (v) =>
      v.AZURE_STATE_TABLE_ENDPOINT === undefined && v.AZURE_STATE_TABLE_CONNECTION_STRING === undefined
        ? 'AZURE_STATE_TABLE_ENDPOINT: required (or AZURE_STATE_TABLE_CONNECTION_STRING)'
        : undefined,
  ),
];
