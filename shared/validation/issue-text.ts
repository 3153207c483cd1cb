import type { core } from 'zod/mini';

/**
 * One validation issue as short text. zod/mini carries no locale (that is most of full zod's size), so issues
 * without a message of our own are described here from their code. Never quotes the input: it may be a secret.
 */
export function issueText(issue: core.$ZodIssue): string {
  if (issue.message !== '' && issue.message !== 'Invalid input') return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}`;
    case 'too_small':
      return `expected at least ${String(issue.minimum)}${issue.origin === 'number' ? '' : ` ${itemsOf(issue.origin)}`}`;
    case 'too_big':
      return `expected at most ${String(issue.maximum)}${issue.origin === 'number' ? '' : ` ${itemsOf(issue.origin)}`}`;
    case 'invalid_format':
      return `expected ${issue.format}`;
    case 'invalid_value':
      return `expected ${issue.values.map((value) => JSON.stringify(value)).join(' or ')}`;
    case 'unrecognized_keys':
      return `unexpected key(s) ${issue.keys.join(', ')}`;
    default:
      return 'invalid value';
  }
}

function itemsOf(origin: string): string {
  return origin === 'string' ? 'character(s)' : 'item(s)';
}

/** `path: text` for each issue, the path dotted (`(root)` when empty). */
export function describeIssues(issues: readonly core.$ZodIssue[], limit = issues.length): string {
  return issues
    .slice(0, limit)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issueText(issue)}`)
    .join('; ');
}
