import * as z from 'zod/mini';

/**
 * The kinds of value a setting can hold: the type shown in docs/configuration.md and the zod/mini schema that parses
 * the environment variable's text. zod/mini, not full zod: the same checks at a few percent of the bundle size (cold
 * start, issue 7). Messages never quote the input (it may be a secret); a number may be quoted once it parsed.
 */
export interface SettingKind<S extends z.ZodMiniType = z.ZodMiniType> {
  /** Markdown, for the Type column. */
  readonly type: string;
  readonly schema: S;
  /** The value when the variable is unset and the row has no default (an empty list); otherwise undefined. */
  readonly empty?: z.output<S>;
}

const kind = <S extends z.ZodMiniType>(type: string, schema: S) => ({ type, schema });

const number = (message: string) => z.coerce.number(message);
const separated = (separator: string) =>
  z.pipe(
    z.string(),
    z.transform((v) =>
      v
        .split(separator)
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    ),
  );
/** A list: unset means empty, not undefined. */
const listKind = (type: string, separator: string) => ({ ...kind(type, separated(separator)), empty: [] as string[] });
const nonEmptyText = z.string().check(z.trim(), z.minLength(1, 'expected a non-empty value'));

/** Six NCRONTAB fields (the Functions host's timer format, with seconds) or an `hh:mm:ss` interval. */
const NCRONTAB = /^\S+( \S+){5}$/;
const TIME_SPAN = /^\d{1,2}:\d{2}:\d{2}$/;

export const KINDS = {
  flag: kind(
    '`true` or `false`',
    z.pipe(
      z.enum(['true', 'false', '1', '0', 'yes', 'no'], 'expected true or false'),
      z.transform((v) => v === 'true' || v === '1' || v === 'yes'),
    ),
  ),
  /** Set to anything at all (the no-color.org convention). */
  present: kind(
    'any value',
    z.pipe(
      z.string(),
      z.transform(() => true),
    ),
  ),
  url: kind('http(s) URL', z.url('expected an http(s) URL')),
  text: kind('text', nonEmptyText),
  /** An ARN, a Secrets Manager name, a Key Vault secret URI or a Secret Manager name; checked where it is used. */
  secret: kind('secret reference', nonEmptyText),
  commaList: listKind('comma-separated list', ','),
  semicolonList: listKind('`;`-separated list', ';'),
  count: kind(
    'whole number ≥ 0',
    number('expected a number').check(z.int('expected a whole number'), z.gte(0, 'expected 0 or more')),
  ),
  positiveCount: kind(
    'whole number > 0',
    number('expected a number').check(z.int('expected a whole number'), z.positive('expected a number above 0')),
  ),
  seconds: kind(
    'seconds ≥ 0',
    number('expected a number of seconds').check(z.nonnegative('expected 0 or more seconds')),
  ),
  /** A wait or an interval: 0 would make a poll loop spin or give up at once. */
  positiveSeconds: kind(
    'seconds > 0',
    number('expected a number of seconds').check(
      z.positive({ error: (issue) => `expected more than 0 seconds, got ${String(issue.input)}` }),
    ),
  ),
  hours: kind(
    'hours, whole ≥ 0',
    number('expected a number').check(z.int('expected a whole number'), z.gte(0, 'expected 0 or more')),
  ),
  days: kind(
    'days, whole > 0',
    number('expected a number').check(z.int('expected a whole number'), z.positive('expected a number above 0')),
  ),
  ncrontab: kind(
    'NCRONTAB (6 fields) or `hh:mm:ss`',
    nonEmptyText.check(
      z.refine(
        (v) => NCRONTAB.test(v) || TIME_SPAN.test(v),
        'expected six NCRONTAB fields ({second} {minute} {hour} {day} {month} {day-of-week}, e.g. 0 */5 * * * *) or hh:mm:ss',
      ),
    ),
  ),
} as const;

/** One of a few words; the Type column lists them. */
export function oneOf<const V extends readonly [string, ...string[]]>(values: V) {
  const words = values.map((value) => `\`${value}\``);
  const listed = `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
  const message = `expected ${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  return kind(listed, z.enum(values, message));
}

/** A positive number of seconds up to a platform's limit (which the Type column names). */
export function secondsUpTo(max: number) {
  return kind(
    `seconds > 0, ≤ ${max}`,
    number('expected a number of seconds').check(
      z.positive({ error: (issue) => `expected more than 0 seconds, got ${String(issue.input)}` }),
      z.lte(max, { error: (issue) => `expected at most ${max} seconds, got ${String(issue.input)}` }),
    ),
  );
}

/** Text of a fixed shape, e.g. a resource name; `shape` is how the Type column and the message show it. */
export function shaped(shape: string, pattern: RegExp) {
  return kind(`\`${shape}\``, nonEmptyText.check(z.regex(pattern, `expected ${shape}`)));
}
