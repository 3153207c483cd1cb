/**
 * The reliability suite runs at two sizes: a fast subset inside `npm test` (CI) and the full run behind
 * `npm run test:reliability` (RELIABILITY=full). Scenarios read their sizes from here.
 */
export const FULL = process.env.RELIABILITY === 'full';

export function scaled(full: number, fast: number): number {
  return FULL ? full : fast;
}
