import { deferralEnd, InvalidMaintenanceWindowError, parseMaintenanceWindow } from '#core/maintenance-windows';
import { backoffMs, decideFailureRestart, MINUTE_MS } from '#core/restart-budget';

describe('restart budget (Strimzi schedule)', () => {
  it('waits min(n² + n, 60) minutes before restart n + 1', () => {
    // Act
    const minutes = Array.from({ length: 11 }, (_, n) => backoffMs(n) / MINUTE_MS);

    // Assess
    expect(minutes).toEqual([0, 2, 6, 12, 20, 30, 42, 56, 60, 60, 60]);
  });

  it('restarts at once the first time, then waits the backoff', () => {
    // Prepare
    const t0 = 1_000_000;

    // Act
    const first = decideFailureRestart(undefined, t0, 7);
    const tooSoon = decideFailureRestart({ count: 2, lastRestartAt: t0 }, t0 + 5 * MINUTE_MS, 7);
    const due = decideFailureRestart({ count: 2, lastRestartAt: t0 }, t0 + 6 * MINUTE_MS, 7);

    // Assess
    expect(first).toMatchObject({ action: 'restart', attempt: 1 });
    expect(tooSoon).toEqual({ action: 'wait', until: t0 + 6 * MINUTE_MS });
    expect(due).toMatchObject({ action: 'restart', attempt: 3 });
  });

  it('stops at the cap and asks for one alert', () => {
    // Act
    const exhausted = decideFailureRestart({ count: 7, lastRestartAt: 0 }, 10 ** 12, 7);
    const alreadyAlerted = decideFailureRestart({ count: 7, lastRestartAt: 0, exhaustedAt: 5 }, 10 ** 12, 7);

    // Assess
    expect(exhausted).toEqual({ action: 'exhausted', alert: true });
    expect(alreadyAlerted).toEqual({ action: 'exhausted', alert: false });
  });

  it('re-arms a spent budget after the re-arm period, and only then', () => {
    // Prepare: the budget of 7 ran out (and was alerted) at t = 10 h.
    const spentAt = 10 * 60 * MINUTE_MS;
    const streak = { count: 7, lastRestartAt: spentAt - MINUTE_MS, exhaustedAt: spentAt };
    const day = 24 * 60 * MINUTE_MS;

    // Act
    const sameDay = decideFailureRestart(streak, spentAt + day - 1, 7, day);
    const nextDay = decideFailureRestart(streak, spentAt + day, 7, day);
    const never = decideFailureRestart(streak, spentAt + 30 * day, 7, 0);

    // Assess
    expect(sameDay).toEqual({ action: 'exhausted', alert: false });
    expect(nextDay).toMatchObject({ action: 'restart', attempt: 1, streak: { count: 0 } });
    expect(never).toEqual({ action: 'exhausted', alert: false });
  });

  it('resets the count once the connector stayed RUNNING for the current interval', () => {
    // Prepare: 3 restarts so far (interval 12 min), verified RUNNING at t=100 min.
    const healthySince = 100 * MINUTE_MS;
    const streak = { count: 3, lastRestartAt: 99 * MINUTE_MS, healthySince };

    // Act
    const shortlyAfter = decideFailureRestart(streak, healthySince + 11 * MINUTE_MS, 3);
    const afterInterval = decideFailureRestart(streak, healthySince + 12 * MINUTE_MS, 3);

    // Assess
    expect(shortlyAfter).toEqual({ action: 'exhausted', alert: true });
    expect(afterInterval).toMatchObject({ action: 'restart', attempt: 1 });
  });
});

describe('maintenance windows', () => {
  const saturdayNight = parseMaintenanceWindow('0 2 * * SAT|180');

  it('says when a window containing the instant ends', () => {
    // Act / Assess
    expect(saturdayNight.endIfInside(Date.parse('2026-11-28T02:00:00Z'))).toBe(Date.parse('2026-11-28T05:00:00Z'));
    expect(saturdayNight.endIfInside(Date.parse('2026-11-28T04:59:59Z'))).toBe(Date.parse('2026-11-28T05:00:00Z'));
    expect(saturdayNight.endIfInside(Date.parse('2026-11-28T05:00:00Z'))).toBeUndefined();
    expect(saturdayNight.endIfInside(Date.parse('2026-11-27T03:00:00Z'))).toBeUndefined();
  });

  it('chains overlapping windows', () => {
    // Prepare
    const daily = parseMaintenanceWindow('0 4 * * *|120');

    // Act
    const end = deferralEnd([saturdayNight, daily], Date.parse('2026-11-28T03:00:00Z'));

    // Assess
    expect(end).toBe(Date.parse('2026-11-28T06:00:00Z'));
  });

  it.each(['0 2 * * SAT', '0 2 * * SAT|0', 'not cron|30', '0 2 * * SAT|30|x'])('rejects %p', (text) => {
    expect(() => parseMaintenanceWindow(text)).toThrow(InvalidMaintenanceWindowError);
  });
});

describe('maintenance windows: parsing and chaining', () => {
  it('trims the text and its parts, and reads the cron expression in UTC', () => {
    // Prepare
    const window = parseMaintenanceWindow('  0 2 * * SAT | 60  ');

    // Act
    const end = window.endIfInside(Date.parse('2026-11-28T02:30:00Z'));

    // Assess
    expect(window.text).toBe('0 2 * * SAT | 60');
    expect(end).toBe(Date.parse('2026-11-28T03:00:00Z'));
  });

  it('quotes the trimmed text, or the cron expression and why it is not one', () => {
    // Act
    const badMinutes = () => parseMaintenanceWindow(' 0 2 * * SAT|x ');
    const badCron = () => parseMaintenanceWindow('61 2 * * SAT|30');

    // Assess
    expect(badMinutes).toThrow('expected "<cron>|<minutes>", e.g. "0 2 * * SAT|180", got "0 2 * * SAT|x"');
    expect(badCron).toThrow(/^"61 2 \* \* SAT" is not a cron expression: ./);
    expect(new InvalidMaintenanceWindowError('x').name).toBe('InvalidMaintenanceWindowError');
  });

  it('defers to the latest end of the windows that contain the instant', () => {
    // Prepare: both start at 02:00; the longer one ends at 05:00.
    const short = parseMaintenanceWindow('0 2 * * *|60');
    const long = parseMaintenanceWindow('0 2 * * *|180');

    // Act
    const ends = [deferralEnd([long, short], Date.parse('2026-11-28T02:30:00Z')), deferralEnd([], 0)];

    // Assess
    expect(ends).toEqual([Date.parse('2026-11-28T05:00:00Z'), undefined]);
  });

  it('stops chaining back-to-back windows after 32 of them: a restart is never deferred forever', () => {
    // Prepare: an hour-long window every hour covers all time.
    const always = parseMaintenanceWindow('0 * * * *|60');
    const at = Date.parse('2026-11-28T00:30:00Z');

    // Act
    const end = deferralEnd([always], at);

    // Assess
    expect(end).toBe(Date.parse('2026-11-29T08:00:00Z'));
  });
});
