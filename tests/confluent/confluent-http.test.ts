import {
  ConfluentAuthError,
  ConfluentNetworkError,
  ConfluentNotFoundError,
  ConfluentRateLimitError,
  ConfluentTimeoutError,
} from '#confluent/confluent-errors';
import {
  ConfluentHttp,
  type ConfluentHttpOptions,
  type Credentials,
  type CredentialsProvider,
  type RequestObservation,
  USER_AGENT,
} from '#confluent/confluent-http';
import { StaticCredentials } from '#confluent/static-credentials';
import { FakeClock } from '#test-helpers/fake-clock';
import { connectionRefused, type Scripted, scriptedFetch } from './support/fake-fetch';

const GET_STATUS = {
  method: 'GET' as const,
  path: '/connect/v1/environments/env-1/clusters/lkc-1/connectors/orders/status',
  context: { operation: 'get-status', connector: 'env-1/lkc-1/orders' },
};

/** An HTTP client on a scripted fetch, a fake clock, a pinned jitter and no rate limit. */
function httpWith(script: Scripted[], options: Partial<ConfluentHttpOptions> & { random?: () => number } = {}) {
  const { fetch, calls } = scriptedFetch(script);
  const clock = new FakeClock();
  const observations: RequestObservation[] = [];
  const http = new ConfluentHttp({
    credentials: new StaticCredentials('KEY123', 'secret-value-1'),
    baseUrl: 'https://api.example.test/',
    fetch,
    clock,
    gate: { requestsPerSecond: Number.POSITIVE_INFINITY, clock },
    retry: { random: options.random ?? (() => 0.5), now: () => clock.now().getTime() },
    onRequest: (observation) => observations.push(observation),
    ...options,
  });
  return { http, calls, clock, observations };
}

/** Hands out a new secret after each invalidate, like a secret manager after a rotation. */
class RotatingCredentials implements CredentialsProvider {
  gets = 0;
  invalidations = 0;
  constructor(private readonly secrets: string[]) {}
  async get(): Promise<Credentials> {
    this.gets += 1;
    return { apiKey: 'KEY123', apiSecret: this.secrets[Math.min(this.invalidations, this.secrets.length - 1)] ?? '' };
  }
  invalidate(): void {
    this.invalidations += 1;
  }
}

function basic(key: string, secret: string): string {
  return `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`;
}

describe('ConfluentHttp', () => {
  it('sends Basic auth, Accept, User-Agent and the query to the configured base URL', async () => {
    // Prepare
    const { http, calls } = httpWith([{ status: 200, body: { data: [] }, headers: { 'X-Request-Id': 'r-1' } }]);

    // Act
    const response = await http.request({
      method: 'GET',
      path: '/cmk/v2/clusters',
      query: { environment: 'env-1', page_size: '100' },
      context: { operation: 'list-clusters' },
    });

    // Assess
    expect(response).toMatchObject({ status: 200, body: { data: [] }, requestId: 'r-1' });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url.toString()).toBe('https://api.example.test/cmk/v2/clusters?environment=env-1&page_size=100');
    expect(calls[0]?.headers.get('authorization')).toBe(basic('KEY123', 'secret-value-1'));
    expect(calls[0]?.headers.get('accept')).toBe('application/json');
    expect(calls[0]?.headers.get('user-agent')).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^connector-reloader\/\d+\.\d+\.\d+/);
  });

  it('accepts a 202 with no body', async () => {
    // Prepare
    const { http } = httpWith([{ status: 202 }]);

    // Act
    const response = await http.request({ ...GET_STATUS, method: 'POST', path: '/x/restart' });

    // Assess
    expect(response.status).toBe(202);
    expect(response.body).toBeUndefined();
  });

  it('retries a 429 after exactly Retry-After and starts a shared cooldown', async () => {
    // Prepare
    const { http, clock, calls, observations } = httpWith(
      [
        { status: 429, body: { error: { code: 429, message: 'Too Many Requests' } }, headers: { 'Retry-After': '2' } },
        { status: 200, body: { connector: { state: 'RUNNING' }, tasks: [] } },
      ],
      { random: () => 0 },
    );
    const startedAt = clock.now().getTime();

    // Act
    const response = await http.request(GET_STATUS);

    // Assess
    expect(response.status).toBe(200);
    expect(calls).toHaveLength(2);
    expect(clock.sleeps).toEqual([2000]);
    expect(http.gate.cooldownUntil).toBe(startedAt + 2000);
    expect(observations.map((o) => [o.attempt, o.status, o.outcome])).toEqual([
      [1, 429, 'response'],
      [2, 200, 'response'],
    ]);
  });

  it('retries a 429 after exactly X-RateLimit-Reset seconds', async () => {
    // Prepare
    const { http, clock } = httpWith(
      [
        { status: 429, headers: { 'X-RateLimit-Reset': '3', 'X-RateLimit-Remaining': '0' } },
        { status: 200, body: {} },
      ],
      { random: () => 0 },
    );

    // Act
    await http.request(GET_STATUS);

    // Assess
    expect(clock.sleeps).toEqual([3000]);
  });

  it('retries 5xx with full-jitter backoff', async () => {
    // Prepare
    const { http, clock, calls } = httpWith([{ status: 500 }, { status: 503 }, { status: 502 }, { status: 200 }]);

    // Act
    await http.request(GET_STATUS);

    // Assess
    expect(calls).toHaveLength(4);
    expect(clock.sleeps).toEqual([100, 200, 400]);
  });

  it.each([400, 404, 409])('does not retry HTTP %i', async (status) => {
    // Prepare
    const { http, calls, clock } = httpWith([{ status, body: { error: { code: status, message: 'nope' } } }]);

    // Act
    const result = http.request(GET_STATUS);

    // Assess
    await expect(result).rejects.toMatchObject({ status, confluentMessage: 'nope' });
    expect(calls).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('throws a typed not-found error naming the connector', async () => {
    // Prepare
    const { http } = httpWith([{ status: 404, body: { error: { code: 404, message: 'resource not found' } } }]);

    // Act
    const result = http.request(GET_STATUS);

    // Assess
    await expect(result).rejects.toThrow(ConfluentNotFoundError);
    await expect(result).rejects.toThrow(
      'Confluent get-status of env-1/lkc-1/orders failed: HTTP 404 resource not found',
    );
  });

  it('throws ConfluentRateLimitError once retries are exhausted', async () => {
    // Prepare
    const tooMany: Scripted = { status: 429, headers: { 'Retry-After': '1', 'X-Request-Id': 'r-9' } };
    const { http, calls, clock } = httpWith([tooMany, tooMany, tooMany], { retry: { maxRetries: 2, random: () => 0 } });

    // Act
    const result = http.request(GET_STATUS);

    // Assess
    await expect(result).rejects.toThrow(ConfluentRateLimitError);
    await expect(result).rejects.toMatchObject({ status: 429, requestId: 'r-9' });
    expect(calls).toHaveLength(3);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });

  it('re-reads credentials once after a 401 and retries with the new ones', async () => {
    // Prepare
    const credentials = new RotatingCredentials(['old-secret-1', 'new-secret-2']);
    const { http, calls, clock } = httpWith([{ status: 401 }, { status: 200, body: {} }], { credentials });

    // Act
    const response = await http.request(GET_STATUS);

    // Assess
    expect(response.status).toBe(200);
    expect(credentials.invalidations).toBe(1);
    expect(credentials.gets).toBe(2);
    expect(calls.map((call) => call.headers.get('authorization'))).toEqual([
      basic('KEY123', 'old-secret-1'),
      basic('KEY123', 'new-secret-2'),
    ]);
    expect(clock.sleeps).toEqual([]);
  });

  it('throws ConfluentAuthError on a second 401, without looping', async () => {
    // Prepare
    const credentials = new RotatingCredentials(['wrong-secret-1', 'wrong-secret-2']);
    const unauthorized: Scripted = { status: 401, body: { error: { code: 401, message: 'Unauthorized' } } };
    const { http, calls } = httpWith([unauthorized, unauthorized, unauthorized], { credentials });

    // Act
    const result = http.request(GET_STATUS);

    // Assess
    await expect(result).rejects.toThrow(ConfluentAuthError);
    expect(calls).toHaveLength(2);
    expect(credentials.invalidations).toBe(1);
  });

  it('retries a request that times out, then succeeds', async () => {
    // Prepare
    const { http, calls, observations } = httpWith([{ hang: 'until-aborted' }, { status: 200, body: { ok: true } }], {
      timeoutMs: 20,
    });

    // Act
    const response = await http.request(GET_STATUS);

    // Assess
    expect(response.body).toEqual({ ok: true });
    expect(calls).toHaveLength(2);
    expect(observations.map((o) => o.outcome)).toEqual(['timeout', 'response']);
  });

  it('throws ConfluentTimeoutError when every attempt times out, even if fetch ignores the signal', async () => {
    // Prepare
    const { http, calls } = httpWith([{ hang: 'until-aborted' }, { hang: 'forever' }, { hang: 'until-aborted' }], {
      timeoutMs: 20,
      retry: { maxRetries: 2, random: () => 0 },
    });

    // Act
    const result = http.request(GET_STATUS);

    // Assess
    await expect(result).rejects.toThrow(ConfluentTimeoutError);
    await expect(result).rejects.toThrow(
      'Confluent get-status of env-1/lkc-1/orders timed out after 20 ms (GET /connect/v1/environments/env-1/clusters/lkc-1/connectors/orders/status, 3 attempts)',
    );
    expect(calls).toHaveLength(3);
  });

  it('retries network errors, then throws ConfluentNetworkError with the transport reason', async () => {
    // Prepare
    const { http, calls, clock } = httpWith([{ throws: connectionRefused() }, { throws: connectionRefused() }], {
      retry: { maxRetries: 1, random: () => 0.5 },
    });

    // Act
    const result = http.request(GET_STATUS);

    // Assess
    await expect(result).rejects.toThrow(ConfluentNetworkError);
    await expect(result).rejects.toThrow(/fetch failed \(ECONNREFUSED\)/);
    expect(calls).toHaveLength(2);
    expect(clock.sleeps).toEqual([100]);
  });

  it('keeps the API secret and the Authorization value out of every error message', async () => {
    // Prepare
    const secret = 'secret-value-1';
    const echo = `invalid header Authorization: ${basic('KEY123', secret)} (secret ${secret})`;
    const { http } = httpWith([{ status: 400, body: { error: { code: 400, message: echo } } }]);

    // Act
    const error = await http.request(GET_STATUS).then(
      () => new Error('expected a failure'),
      (caught: unknown) => caught as Error,
    );

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(Buffer.from(`KEY123:${secret}`).toString('base64'));
  });

  it('is not disturbed by an observer that throws', async () => {
    // Prepare
    const { http } = httpWith([{ status: 200, body: {} }], {
      onRequest: () => {
        throw new Error('metrics down');
      },
    });

    // Act
    const response = await http.request(GET_STATUS);

    // Assess
    expect(response.status).toBe(200);
  });
});

describe("ConfluentHttp and the server's rate-limit window", () => {
  it('holds the next request until the window resets when an answer says none is left, without a 429', async () => {
    // Prepare
    const { http, clock, calls } = httpWith([
      {
        status: 200,
        body: { connector: { state: 'RUNNING' }, tasks: [] },
        headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '3' },
      },
      { status: 200, body: { connector: { state: 'RUNNING' }, tasks: [] } },
    ]);
    const startMs = clock.now().getTime();

    // Act
    await http.request(GET_STATUS);
    await http.request(GET_STATUS);

    // Assess
    expect(calls).toHaveLength(2);
    expect(clock.now().getTime() - startMs).toBeGreaterThanOrEqual(3000);
    expect(http.gate.cooldownUntil).toBe(startMs + 3000);
  });
});
