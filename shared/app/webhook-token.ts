import crypto from 'node:crypto';

/**
 * Constant-time token comparison. Both sides are hashed first so that the comparison takes the same time whatever
 * the lengths (timingSafeEqual itself throws on unequal lengths, which would leak the length).
 */
export function tokensMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined || expected === '') return false;
  const a = crypto.createHash('sha256').update(presented, 'utf8').digest();
  const b = crypto.createHash('sha256').update(expected, 'utf8').digest();
  return crypto.timingSafeEqual(a, b);
}

/** The token from the URL: the last path segment (`…/webhook/<token>`) or the `token` query parameter. */
export function tokenFromUrl(url: URL): string | undefined {
  const query = url.searchParams.get('token');
  if (query) return query;
  const last = url.pathname
    .split('/')
    .filter((segment) => segment !== '')
    .at(-1);
  if (!last) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    // A malformed escape (`%E0%A4%A`) is no token: 401 like any other wrong one, not a crash of the function.
    return undefined;
  }
}
