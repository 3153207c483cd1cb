/**
 * EventBridge's content filtering (event patterns), for the local bus: what a rule's pattern lets through.
 * Fields are AND'ed, the values in a field's array OR'ed; an array in the event matches when any element does;
 * `$or` takes sub-patterns; leaves may be exact values or `prefix`, `suffix`, `wildcard` (`*` only),
 * `equals-ignore-case`, `exists`, `anything-but` (a value, a list or a prefix). Anything else is refused, so a
 * pattern this matcher cannot judge fails loudly instead of matching by accident.
 */
export class UnsupportedPatternError extends Error {
  override readonly name = 'UnsupportedPatternError';
}

type Json = unknown;

export function matchesPattern(pattern: Record<string, Json>, event: Json): boolean {
  return Object.entries(pattern).every(([key, condition]) => {
    if (key === '$or') {
      if (!Array.isArray(condition) || condition.length < 2) throw new UnsupportedPatternError('$or needs 2+ patterns');
      return condition.some((branch) => matchesPattern(branch as Record<string, Json>, event));
    }
    const value = isObject(event) ? event[key] : undefined;
    if (Array.isArray(condition)) return matchesLeaf(condition, value, isObject(event) && key in event);
    if (isObject(condition)) return isObject(value) && matchesPattern(condition, value);
    throw new UnsupportedPatternError(`field ${key}: expected an array of values or a nested pattern`);
  });
}

function matchesLeaf(conditions: readonly Json[], value: Json, present: boolean): boolean {
  const values = Array.isArray(value) ? value : [value];
  return conditions.some((condition) => {
    if (isObject(condition) && 'exists' in condition) return condition.exists === (present && !isObject(value));
    if (!present) return false;
    return values.some((candidate) => matchesValue(condition, candidate));
  });
}

function matchesValue(condition: Json, value: Json): boolean {
  if (!isObject(condition)) return condition === value;
  const [operator, operand, ...rest] = Object.entries(condition).flat();
  if (rest.length > 0) throw new UnsupportedPatternError(`one operator per filter: ${JSON.stringify(condition)}`);
  switch (operator) {
    case 'prefix':
      return typeof value === 'string' && value.startsWith(String(operand));
    case 'suffix':
      return typeof value === 'string' && value.endsWith(String(operand));
    case 'equals-ignore-case':
      return typeof value === 'string' && value.toLowerCase() === String(operand).toLowerCase();
    case 'wildcard':
      return typeof value === 'string' && wildcard(String(operand)).test(value);
    case 'anything-but':
      if (Array.isArray(operand)) return !operand.includes(value);
      if (isObject(operand)) return !matchesValue(operand, value);
      return value !== operand;
    default:
      throw new UnsupportedPatternError(`filter ${String(operator)} is not emulated`);
  }
}

function wildcard(pattern: string): RegExp {
  if (pattern.includes('**')) throw new UnsupportedPatternError('consecutive wildcards are not allowed');
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 's');
}

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
