/**
 * When a recovery run must have reported, from the time its function has left: Lambda tells it
 * (context.getRemainingTimeInMillis()); Functions does not, so the Function App counts from the invocation's start
 * with FUNCTION_TIMEOUT_SECONDS. A margin is kept to release locks and deliver the outcomes: a tenth of the time,
 * at most 10 s.
 */
export const MAX_REPORT_MARGIN_MS = 10_000;

export function runDeadline(nowMs: number, remainingMs: number | undefined): number | undefined {
  if (remainingMs === undefined || !Number.isFinite(remainingMs)) return undefined;
  return nowMs + remainingMs - Math.min(MAX_REPORT_MARGIN_MS, remainingMs / 10);
}
