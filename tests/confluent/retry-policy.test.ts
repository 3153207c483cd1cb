import { parseRetryAfter, RetryPolicy } from '#confluent/retry-policy';

const NOW = Date.parse('2026-11-27T12:00:00Z');

function answer(status: number, headers: Record<string, string> = {}) {
  return { kind: 'response' as const, status, headers: new Headers(headers) };
}

describe('RetryPolicy', () => {
  it('uses full jitter: random(0, min(cap, base·2^n))', () => {
    // Prepare
    const half = new RetryPolicy({ random: () => 0.5, now: () => NOW });
    const top = new RetryPolicy({ random: () => 0.999999, now: () => NOW });
    const bottom = new RetryPolicy({ random: () => 0, now: () => NOW });

    // Act
    const halves = [0, 1, 2, 3, 6, 7, 10].map((n) => half.backoffMs(n));
    const tops = [0, 1, 2, 3, 6, 7, 10].map((n) => top.backoffMs(n));
    const bottoms = [0, 5, 10].map((n) => bottom.backoffMs(n));

    // Assess
    expect(halves).toEqual([100, 200, 400, 800, 6400, 10000, 10000]);
    expect(tops).toEqual([199, 399, 799, 1599, 12799, 19999, 19999]);
    expect(bottoms).toEqual([0, 0, 0]);
  });

  it('stays within [0, ceiling) for any random draw', () => {
    // Prepare
    const draws = Array.from({ length: 200 }, (_, i) => i / 200);
    let index = 0;
    const policy = new RetryPolicy({ random: () => draws[index++ % draws.length] ?? 0, maxDelayMs: 1000 });

    // Act
    const delays = Array.from({ length: 200 }, (_, i) => [i % 10, policy.backoffMs(i % 10)] as const);

    // Assess
    for (const [retry, delay] of delays) {
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(1000, 200 * 2 ** retry));
    }
  });

  it('retries 429, 5xx, network errors and timeouts', () => {
    // Prepare
    const policy = new RetryPolicy({ random: () => 0.5, now: () => NOW });
    const outcomes = [
      answer(429),
      answer(500),
      answer(502),
      answer(503),
      { kind: 'network-error' as const },
      { kind: 'timeout' as const },
    ];

    // Act
    const decisions = outcomes.map((outcome) => policy.decide(outcome, 1));

    // Assess
    expect(decisions).toEqual(outcomes.map(() => ({ retry: true, delayMs: 200 })));
  });

  it.each([400, 401, 403, 404, 405, 409, 422])('never retries HTTP %i', (status) => {
    // Prepare
    const policy = new RetryPolicy({ random: () => 0.5 });

    // Act
    const decision = policy.decide(answer(status), 0);

    // Assess
    expect(decision).toEqual({ retry: false, reason: 'not-retryable' });
  });

  it('stops after maxRetries', () => {
    // Prepare
    const policy = new RetryPolicy({ maxRetries: 2, random: () => 0 });

    // Act
    const decisions = [0, 1, 2].map((n) => policy.decide(answer(503), n).retry);

    // Assess
    expect(decisions).toEqual([true, true, false]);
  });

  it('waits at least Retry-After in delta-seconds', () => {
    // Prepare
    const policy = new RetryPolicy({ random: () => 0.5, now: () => NOW });

    // Act
    const decision = policy.decide(answer(429, { 'Retry-After': '3' }), 0);

    // Assess
    expect(decision).toEqual({ retry: true, delayMs: 3000, serverWaitMs: 3000 });
  });

  it('waits at least Retry-After given as an HTTP-date', () => {
    // Prepare
    const policy = new RetryPolicy({ random: () => 0, now: () => NOW });
    const inFiveSeconds = new Date(NOW + 5000).toUTCString();

    // Act
    const decision = policy.decide(answer(503, { 'Retry-After': inFiveSeconds }), 0);

    // Assess
    expect(decision).toEqual({ retry: true, delayMs: 5000, serverWaitMs: 5000 });
  });

  it('waits at least X-RateLimit-Reset (relative seconds) on a 429', () => {
    // Prepare
    const policy = new RetryPolicy({ random: () => 0, now: () => NOW });

    // Act
    const decision = policy.decide(answer(429, { 'X-RateLimit-Reset': '7' }), 0);

    // Assess
    expect(decision).toEqual({ retry: true, delayMs: 7000, serverWaitMs: 7000 });
  });

  it('takes the longer of Retry-After and X-RateLimit-Reset', () => {
    // Prepare
    const policy = new RetryPolicy({ random: () => 0, now: () => NOW });

    // Act
    const decision = policy.decide(answer(429, { 'Retry-After': '2', 'X-RateLimit-Reset': '4' }), 0);

    // Assess
    expect(decision).toEqual({ retry: true, delayMs: 4000, serverWaitMs: 4000 });
  });

  it('keeps the jittered backoff when it is longer than the server wait', () => {
    // Prepare
    const policy = new RetryPolicy({ random: () => 0.5, now: () => NOW });

    // Act
    const decision = policy.decide(answer(429, { 'Retry-After': '1' }), 4);

    // Assess
    expect(decision).toEqual({ retry: true, delayMs: 1600, serverWaitMs: 1000 });
  });

  it('ignores X-RateLimit-Reset on answers other than 429', () => {
    // Prepare
    const policy = new RetryPolicy({ random: () => 0, now: () => NOW });

    // Act
    const decision = policy.decide(answer(500, { 'X-RateLimit-Reset': '30' }), 0);

    // Assess
    expect(decision).toEqual({ retry: true, delayMs: 0 });
  });

  it('gives up at once when the server asks for longer than maxServerWaitMs', () => {
    // Prepare
    const policy = new RetryPolicy({ maxServerWaitMs: 10_000, now: () => NOW });

    // Act
    const decision = policy.decide(answer(429, { 'Retry-After': '3600' }), 0);

    // Assess
    expect(decision).toEqual({ retry: false, reason: 'server-wait-too-long' });
  });
});

describe('RetryPolicy edges', () => {
  it('waits for a server asking for exactly maxServerWaitMs', () => {
    // Prepare
    const policy = new RetryPolicy({ maxServerWaitMs: 10_000, random: () => 0, now: () => NOW });

    // Act
    const decision = policy.decide(answer(429, { 'Retry-After': '10' }), 0);

    // Assess
    expect(decision).toStrictEqual({ retry: true, delayMs: 10_000, serverWaitMs: 10_000 });
  });

  it('names no server wait when the server asked for none', () => {
    // Prepare
    const policy = new RetryPolicy({ random: () => 0.5, now: () => NOW });

    // Act
    const decision = policy.decide(answer(503), 1);

    // Assess
    expect(decision).toStrictEqual({ retry: true, delayMs: 200 });
  });
});

describe('parseRetryAfter', () => {
  it('reads only whole delta-seconds values, with any number of decimals', () => {
    // Act
    const waits = ['abc12', '12abc', '1.25'].map((value) => parseRetryAfter(value, NOW));

    // Assess
    expect(waits).toEqual([undefined, undefined, 1250]);
  });

  it('reads delta-seconds, HTTP-dates, and nothing else', () => {
    // Prepare
    const past = new Date(NOW - 10_000).toUTCString();

    // Act
    const waits = ['0', '12', ' 1.5 ', past, 'later', '', null].map((value) => parseRetryAfter(value, NOW));

    // Assess
    expect(waits).toEqual([0, 12_000, 1500, 0, undefined, undefined, undefined]);
  });
});
