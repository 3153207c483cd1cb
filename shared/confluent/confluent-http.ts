import { type Clock, systemClock } from '#core/ports';
import packageJson from '../../package.json';
import { DEFAULT_CONFLUENT_API_URL, readRateLimitHeaders } from './api-facts';
import {
  type ConfluentErrorContext,
  ConfluentNetworkError,
  ConfluentTimeoutError,
  errorFromResponse,
  subject,
} from './confluent-errors';
import { RequestGate, type RequestGateOptions } from './request-gate';
import { type AttemptOutcome, RetryPolicy, type RetryPolicyOptions } from './retry-policy';

/** A Cloud API key (`--resource cloud`), used as HTTP Basic (§1.1). */
export interface Credentials {
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** Where the API key comes from; deployed, a secret manager that may rotate it, hence `invalidate`. */
export interface CredentialsProvider {
  get(): Promise<Credentials>;
  /** Forgets any cached value so that the next `get` reads it again (called after a 401). */
  invalidate(): void;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface ConfluentRequest {
  readonly method: HttpMethod;
  /** Path from the API root, e.g. `/org/v2/environments`; may carry its own query string. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  /** Names the call in errors and observations. */
  readonly context: ConfluentErrorContext;
}

export interface ConfluentResponse {
  readonly status: number;
  readonly headers: Headers;
  /** Parsed JSON, or undefined when the body is empty. */
  readonly body: unknown;
  readonly requestId?: string;
}

/** One attempt, for metrics and tests. */
export interface RequestObservation {
  readonly operation: string;
  readonly method: HttpMethod;
  readonly url: string;
  /** Absent when no response arrived. */
  readonly status?: number;
  readonly outcome: 'response' | 'network-error' | 'timeout';
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly durationMs: number;
}

export interface ConfluentHttpOptions {
  readonly credentials: CredentialsProvider;
  /** `CONFLUENT_API_URL`; defaults to https://api.confluent.cloud. */
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
  readonly retry?: RetryPolicy | RetryPolicyOptions;
  readonly gate?: RequestGate | RequestGateOptions;
  readonly clock?: Clock;
  readonly fetch?: typeof fetch;
  readonly userAgent?: string;
  readonly onRequest?: (observation: RequestObservation) => void;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const USER_AGENT = `connector-reloader/${packageJson.version}`;

type Attempt =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Headers; readonly bodyText: string }
  | { readonly kind: 'network-error'; readonly detail: string; readonly cause: unknown }
  | { readonly kind: 'timeout' };

/**
 * fetch-based transport for Confluent Cloud: Basic auth from a credentials provider (re-read once on a 401), a
 * per-request timeout, the shared request gate (told what each response says of the rate-limit window) and the
 * retry policy. Nothing it throws carries a credential.
 */
export class ConfluentHttp {
  readonly baseUrl: string;
  readonly gate: RequestGate;
  readonly retry: RetryPolicy;
  private readonly credentials: CredentialsProvider;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly fetchFn: typeof fetch;
  private readonly userAgent: string;
  private readonly onRequest: ((observation: RequestObservation) => void) | undefined;

  constructor(options: ConfluentHttpOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_CONFLUENT_API_URL).replace(/\/+$/, '');
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.clock = options.clock ?? systemClock;
    this.gate =
      options.gate instanceof RequestGate ? options.gate : new RequestGate({ clock: this.clock, ...options.gate });
    this.retry =
      options.retry instanceof RetryPolicy
        ? options.retry
        : new RetryPolicy({ now: () => this.clock.now().getTime(), ...options.retry });
    this.fetchFn = options.fetch ?? globalThis.fetch;
    this.userAgent = options.userAgent ?? USER_AGENT;
    this.onRequest = options.onRequest;
  }

  /** Sends the request until it succeeds (2xx) or fails for good; throws a typed Confluent error. */
  async request(request: ConfluentRequest): Promise<ConfluentResponse> {
    const url = this.urlOf(request);
    let retries = 0;
    let credentialsReread = false;
    for (let attempt = 1; ; attempt += 1) {
      const credentials = await this.credentials.get();
      const authorization = `Basic ${Buffer.from(`${credentials.apiKey}:${credentials.apiSecret}`).toString('base64')}`;
      const result = await this.gate.run(() => this.attemptOnce(request, url, authorization, attempt));

      if (result.kind === 'response' && result.status >= 200 && result.status < 300) {
        return {
          status: result.status,
          headers: result.headers,
          body: parseBody(result.bodyText),
          ...requestIdOf(result.headers),
        };
      }
      // A rotated key: read it again once. A second 401 is an answer, not a glitch.
      if (result.kind === 'response' && result.status === 401 && !credentialsReread) {
        credentialsReread = true;
        this.credentials.invalidate();
        continue;
      }

      const decision = this.retry.decide(toOutcome(result), retries);
      if (!decision.retry) throw this.failure(request, url, result, attempt, [credentials.apiSecret, authorization]);
      if (decision.serverWaitMs !== undefined) this.gate.coolDown(decision.serverWaitMs);
      await this.clock.sleep(decision.delayMs);
      retries += 1;
    }
  }

  private async attemptOnce(
    request: ConfluentRequest,
    url: URL,
    authorization: string,
    attempt: number,
  ): Promise<Attempt> {
    const startedMs = this.clock.now().getTime();
    const result = await this.send(request.method, url, authorization);
    if (result.kind === 'response') {
      // The server's word on its rate-limit window paces every later request of this client (request-gate.ts).
      const reading = readRateLimitHeaders(result.headers, this.clock.now().getTime());
      if (reading) this.gate.observe(reading);
    }
    this.observe({
      operation: request.context.operation,
      method: request.method,
      url: url.toString(),
      ...(result.kind === 'response' && { status: result.status }),
      outcome: result.kind,
      attempt,
      durationMs: this.clock.now().getTime() - startedMs,
    });
    return result;
  }

  private async send(method: HttpMethod, url: URL, authorization: string): Promise<Attempt> {
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      // The race guards against a fetch (or body stream) that ignores the signal.
      return await raceAbort(signal, async () => {
        const response = await this.fetchFn(url, {
          method,
          headers: { Authorization: authorization, Accept: 'application/json', 'User-Agent': this.userAgent },
          signal,
        });
        const bodyText = await response.text();
        return { kind: 'response', status: response.status, headers: response.headers, bodyText } as const;
      });
    } catch (error) {
      if (signal.aborted) return { kind: 'timeout' };
      return { kind: 'network-error', detail: describeNetworkError(error), cause: error };
    }
  }

  private failure(request: ConfluentRequest, url: URL, result: Attempt, attempts: number, redact: string[]): Error {
    const where = `${request.method} ${url.pathname}`;
    const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
    if (result.kind === 'timeout')
      return new ConfluentTimeoutError(request.context, this.timeoutMs, `${where}, ${tries}`);
    if (result.kind === 'network-error') {
      return new ConfluentNetworkError(
        request.context,
        `Confluent ${subject(request.context)} got no answer (${where}, ${tries}): ${result.detail}`,
        { cause: result.cause },
      );
    }
    return errorFromResponse({
      ...request.context,
      status: result.status,
      bodyText: result.bodyText,
      redact,
      ...requestIdOf(result.headers),
    });
  }

  private urlOf(request: ConfluentRequest): URL {
    const url = new URL(`${this.baseUrl}${request.path.startsWith('/') ? '' : '/'}${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) url.searchParams.set(name, value);
    return url;
  }

  private observe(observation: RequestObservation): void {
    try {
      this.onRequest?.(observation);
    } catch {
      // An observer must never change the outcome of a request.
    }
  }
}

function toOutcome(result: Attempt): AttemptOutcome {
  return result.kind === 'response' ? { kind: 'response', status: result.status, headers: result.headers } : result;
}

function requestIdOf(headers: Headers): { requestId?: string } {
  const requestId = headers.get('x-request-id');
  return requestId ? { requestId } : {};
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function raceAbort<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work().then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** The transport-level reason (ECONNREFUSED, ECONNRESET…), never the request headers. */
function describeNetworkError(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message} (${code})` : message;
}
