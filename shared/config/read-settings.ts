import type * as z from 'zod/mini';
import { issueText } from '#validation/issue-text';
import { InvalidSettingError } from './invalid-setting-error';
import { RUNTIMES, type Runtime, SETTINGS, type SettingName, type SettingRow } from './setting-table';
import { STARTUP_RULES } from './startup-rules';

type Row<K extends SettingName> = (typeof SETTINGS)[K];
type Parsed<K extends SettingName> = z.output<Row<K>['kind']['schema']>;

/** A setting's value: undefined only when it may be unset (no default, not required, not a list). */
export type SettingValue<K extends SettingName> =
  Row<K> extends { default: string } | { required: true }
    ? Parsed<K>
    : Row<K>['kind'] extends { empty: unknown }
      ? Parsed<K>
      : Parsed<K> | undefined;
export type SettingValues<N extends SettingName> = { readonly [K in N]: SettingValue<K> };

type RuntimesOf<K extends SettingName> = Row<K>['runtimes'][number];
/** The settings every runtime reads: they make up `Settings` (settings.ts). */
export type SharedSettingName = { [K in SettingName]: Runtime extends RuntimesOf<K> ? K : never }[SettingName];
export type SettingNameReadBy<R extends Runtime> = {
  [K in SettingName]: R extends RuntimesOf<K> ? K : never;
}[SettingName];

const NAMES = Object.keys(SETTINGS) as SettingName[];
const rowOf = (name: SettingName): SettingRow => SETTINGS[name];

export const SHARED_SETTINGS = NAMES.filter((name) =>
  RUNTIMES.every((runtime) => rowOf(name).runtimes.includes(runtime)),
) as SharedSettingName[];

/** Every row a runtime reads, its shared ones included: a loader validates these and no others. */
export function settingsReadBy<R extends Runtime>(runtime: R): SettingNameReadBy<R>[] {
  return NAMES.filter((name) => rowOf(name).runtimes.includes(runtime)) as SettingNameReadBy<R>[];
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Parses the named rows from the environment (an empty variable counts as unset), then applies every start-up rule
 * whose variables are all among them. Throws one InvalidSettingError naming every wrong variable and broken rule.
 */
export function readSettings<N extends SettingName>(names: readonly N[], env: Env): SettingValues<N> {
  const values: Partial<Record<SettingName, unknown>> = {};
  const problems: string[] = [];
  const parsed = new Set<SettingName>();
  for (const name of names) {
    const row = rowOf(name);
    const given = env[name];
    const text = given === undefined || given === '' ? row.default : given;
    if (text === undefined) {
      if (row.required) problems.push(`${name}: required`);
      else parsed.add(name);
      values[name] = row.kind.empty;
      continue;
    }
    const result = row.kind.schema.safeParse(text);
    if (result.success) {
      values[name] = result.data;
      parsed.add(name);
    } else {
      problems.push(...result.error.issues.map((issue) => `${name}: ${issueText(issue)}`));
    }
  }
  for (const rule of STARTUP_RULES) {
    if (!rule.variables.every((variable) => parsed.has(variable))) continue;
    const problem = rule.check(values);
    if (problem) problems.push(problem);
  }
  if (problems.length > 0) throw new InvalidSettingError(`invalid configuration: ${problems.join('; ')}`);
  return values as SettingValues<N>;
}
