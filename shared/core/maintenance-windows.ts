import type { CronExpressionParser } from 'cron-parser';

/**
 * Deny windows for automatic restarts: each starts at every occurrence of a cron expression (UTC) and lasts a number
 * of minutes. Written `<cron>|<minutes>`, e.g. `0 2 * * SAT|180` for Saturdays 02:00–05:00 UTC. A restart that falls
 * inside a window is deferred to its end, never dropped.
 */
export interface MaintenanceWindow {
  readonly text: string;
  /** The end (epoch ms) of the window that contains `at`, or undefined when `at` is outside every occurrence. */
  endIfInside(at: number): number | undefined;
}

export class InvalidMaintenanceWindowError extends Error {
  override readonly name = 'InvalidMaintenanceWindowError';
}

/**
 * cron-parser (and the date library under it, ~100 KB) is loaded on the first window parsed: a function without
 * MAINTENANCE_WINDOWS, and every rotation handler, never pays for it at cold start.
 */
let cronParser: typeof CronExpressionParser | undefined;
function cron(): typeof CronExpressionParser {
  cronParser ??= (require('cron-parser') as typeof import('cron-parser')).CronExpressionParser;
  return cronParser;
}

export function parseMaintenanceWindow(text: string): MaintenanceWindow {
  const [expression = '', minutesText = '', ...rest] = text.split('|').map((part) => part.trim());
  const minutes = Number(minutesText);
  if (rest.length > 0 || !Number.isInteger(minutes) || minutes <= 0) {
    throw new InvalidMaintenanceWindowError(
      `expected "<cron>|<minutes>", e.g. "0 2 * * SAT|180", got "${text.trim()}"`,
    );
  }
  try {
    cron().parse(expression, { tz: 'UTC', strict: false });
  } catch (error) {
    throw new InvalidMaintenanceWindowError(`"${expression}" is not a cron expression: ${(error as Error).message}`);
  }
  const lengthMs = minutes * 60_000;
  return {
    text: text.trim(),
    endIfInside(at) {
      // The latest start at or before `at` (cron-parser's prev() is exclusive, so start just after `at`).
      const start = cron()
        .parse(expression, { tz: 'UTC', currentDate: new Date(at + 1) })
        .prev()
        .getTime();
      return at < start + lengthMs ? start + lengthMs : undefined;
    },
  };
}

/** Back-to-back windows chained further than this are treated as ending here: a restart is never deferred forever. */
const MAX_CHAINED_WINDOWS = 32;

/** The end of the deny period containing `at`: windows that overlap or touch extend each other. */
export function deferralEnd(windows: readonly MaintenanceWindow[], at: number): number | undefined {
  let end: number | undefined;
  let cursor = at;
  for (let step = 0; step < MAX_CHAINED_WINDOWS; step++) {
    const ends = windows.map((window) => window.endIfInside(cursor)).filter((e): e is number => e !== undefined);
    if (ends.length === 0) return end;
    end = Math.max(...ends);
    cursor = end;
  }
  return end;
}
