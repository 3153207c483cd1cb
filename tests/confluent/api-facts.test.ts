import {
  classifyRestartRejection,
  hasError,
  isHealthy,
  isMaskedValue,
  isPaused,
  isTransitional,
  rateLimitResetWaitMs,
  readRateLimitHeaders,
} from '#confluent/api-facts';

const reading = (state: string, tasks: string[]) => ({ state, tasks: tasks.map((task) => ({ state: task })) });

describe('api facts', () => {
  it('reads X-RateLimit-Reset as relative seconds', () => {
    // Prepare
    const now = Date.parse('2026-11-27T12:00:00Z');

    // Act
    const waits = [rateLimitResetWaitMs('7', now), rateLimitResetWaitMs('0.5', now), rateLimitResetWaitMs('0', now)];

    // Assess
    expect(waits).toEqual([7000, 500, 0]);
  });

  it('ignores an absent or unreadable X-RateLimit-Reset', () => {
    // Prepare
    const now = 0;

    // Act
    const waits = [null, '', 'soon', '-3'].map((value) => rateLimitResetWaitMs(value, now));

    // Assess
    expect(waits).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('treats two or more leading asterisks as a masked value', () => {
    // Prepare
    const values = ['****************', '**', '*', 'secret', 'arn:aws:secretsmanager:…', '**x'];

    // Act
    const masked = values.map(isMaskedValue);

    // Assess
    expect(masked).toEqual([true, true, false, false, false, true]);
  });

  it('says PAUSED from the connector state', () => {
    // Prepare
    const states = ['PAUSED', 'RUNNING', 'FAILED'];

    // Act
    const paused = states.map((state) => isPaused({ state }));

    // Assess
    expect(paused).toEqual([true, false, false]);
  });

  it.each([
    [403, 'forbidden'],
    [405, 'unavailable'],
    [501, 'unavailable'],
    [404, 'unavailable-if-connector-exists'],
    [400, 'error'],
    [401, 'error'],
    [409, 'error'],
    [429, 'error'],
    [500, 'error'],
    [503, 'error'],
  ])('classifies a restart answered %i as %s', (status, expected) => {
    // Prepare
    const answered = status;

    // Act
    const rejection = classifyRestartRejection(answered);

    // Assess
    expect(rejection).toBe(expected);
  });

  describe("Confluent's status vocabulary (§8)", () => {
    it.each([
      ['FAILED', [], true],
      ['FAILED', ['SYSTEM_ERROR', 'USER_ACTIONABLE_ERROR'], true],
      ['DEGRADED', ['RUNNING', 'SYSTEM_ERROR'], true],
      ['DEGRADED', ['UNASSIGNED', 'USER_ACTIONABLE_ERROR'], true],
      ['RUNNING', ['RUNNING', 'FAILED'], true],
      ['DEGRADED', ['RUNNING', 'UNASSIGNED'], false],
      ['PAUSED', ['STOPPED', 'STOPPED'], false],
      ['PROVISIONING', ['RESTARTING'], false],
      ['RUNNING', ['RUNNING'], false],
    ])('%s with tasks %j is in error: %s', (state, tasks, expected) => {
      // Prepare
      const status = reading(state, tasks);

      // Act
      const error = hasError(status);

      // Assess
      expect(error).toBe(expected);
    });

    it.each([
      ['PROVISIONING', [], true],
      ['NONE', [], true],
      ['RUNNING', [], true],
      ['PROVISIONING', ['RESTARTING', 'RESTARTING'], true],
      ['RUNNING', ['RUNNING', 'RESTARTING'], true],
      ['DEGRADED', ['RUNNING', 'UNASSIGNED'], true],
      ['DEGRADED', ['RUNNING', 'SYSTEM_ERROR'], false],
      ['DEGRADED', ['UNASSIGNED', 'USER_ACTIONABLE_ERROR'], false],
      ['FAILED', [], false],
      ['RUNNING', ['RUNNING'], false],
      ['PAUSED', ['STOPPED'], false],
    ])('%s with tasks %j is on its way to RUNNING: %s', (state, tasks, expected) => {
      // Prepare
      const status = reading(state, tasks);

      // Act
      const transitional = isTransitional(status);

      // Assess
      expect(transitional).toBe(expected);
    });

    it('is healthy only RUNNING with at least one task and every task RUNNING', () => {
      // Prepare
      const statuses = [
        reading('RUNNING', ['RUNNING', 'RUNNING']),
        reading('RUNNING', []),
        reading('RUNNING', ['RUNNING', 'UNASSIGNED']),
        reading('DEGRADED', ['RUNNING']),
      ];

      // Act
      const healthy = statuses.map(isHealthy);

      // Assess
      expect(healthy).toEqual([true, false, false, false]);
    });
  });
});

describe('readRateLimitHeaders', () => {
  it('reads limit, remaining and the relative reset; anything missing or unreadable is no reading', () => {
    // Prepare
    const headers = (values: Record<string, string>) => new Headers(values);
    const full = { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '42', 'x-ratelimit-reset': '17' };

    // Act
    const readings = [
      readRateLimitHeaders(headers(full), 0),
      readRateLimitHeaders(headers({ ...full, 'x-ratelimit-remaining': '900' }), 0),
      readRateLimitHeaders(headers({ 'x-ratelimit-limit': '600', 'x-ratelimit-reset': '17' }), 0),
      readRateLimitHeaders(headers({ ...full, 'x-ratelimit-remaining': 'lots' }), 0),
      readRateLimitHeaders(headers({ ...full, 'x-ratelimit-limit': '0' }), 0),
    ];

    // Assess
    expect(readings).toEqual([
      { limit: 600, remaining: 42, resetMs: 17_000 },
      { limit: 600, remaining: 600, resetMs: 17_000 },
      undefined,
      undefined,
      undefined,
    ]);
  });
});
