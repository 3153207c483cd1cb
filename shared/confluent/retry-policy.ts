import { rateLimitResetWaitMs } from './api-facts';

/** How one attempt ended, as far as retrying cares. */
export type AttemptOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly headers: Headers }
  | { readonly kind: 'network-error' }
  | { readonly kind: 'timeout' };

export type RetryDecision =
  | { readonly retry: false; readonly reason: 'not-retryable' | 'retries-exhausted' | 'server-wait-too-long' }
  | {
      readonly retry: true;
      readonly delayMs: number;
      /** The wait the server asked for (Retry-After, X-RateLimit-Reset), when it asked. */
      readonly serverWaitMs?: number;
    };

export interface RetryPolicyOptions {
  /** Retries after the first attempt. */
  readonly maxRetries?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** A server asking for a longer wait than this is not waited for: the caller gets the error at once. */
  readonly maxServerWaitMs?: number;
  /** Returns [0, 1); injectable so tests can pin the jitter. */
  readonly random?: () => number;
  /** Epoch ms; injectable so tests can pin HTTP-date arithmetic. */
  readonly now?: () => number;
}

export const RETRY_DEFAULTS = {
  maxRetries: 5,
  baseDelayMs: 200,
  maxDelayMs: 20_000,
  maxServerWaitMs: 60_000,
} as const;

/**
 * Capped exponential backoff with full jitter (Confluent asks for "capped exponential backoff plus jitter", §1.7):
 * retry n waits random(0, min(maxDelay, base·2^n)), but never less than what the server asked for.
 * Retries 429, 5xx, network errors and timeouts; never another 4xx.
 */
export class RetryPolicy {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxServerWaitMs: number;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(options: RetryPolicyOptions = {}) {
    this.maxRetries = options.maxRetries ?? RETRY_DEFAULTS.maxRetries;
    this.baseDelayMs = options.baseDelayMs ?? RETRY_DEFAULTS.baseDelayMs;
    this.maxDelayMs = options.maxDelayMs ?? RETRY_DEFAULTS.maxDelayMs;
    this.maxServerWaitMs = options.maxServerWaitMs ?? RETRY_DEFAULTS.maxServerWaitMs;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** `retriesSoFar` is 0 after the first attempt. */
  decide(outcome: AttemptOutcome, retriesSoFar: number): RetryDecision {
    if (outcome.kind === 'response' && !isRetryableStatus(outcome.status)) {
      return { retry: false, reason: 'not-retryable' };
    }
    if (retriesSoFar >= this.maxRetries) return { retry: false, reason: 'retries-exhausted' };
    const serverWaitMs = outcome.kind === 'response' ? this.serverWaitMs(outcome.status, outcome.headers) : undefined;
    if (serverWaitMs !== undefined && serverWaitMs > this.maxServerWaitMs) {
      return { retry: false, reason: 'server-wait-too-long' };
    }
    const delayMs = Math.max(this.backoffMs(retriesSoFar), serverWaitMs ?? 0);
    return serverWaitMs === undefined ? { retry: true, delayMs } : { retry: true, delayMs, serverWaitMs };
  }

  /** Full jitter: uniform in [0, min(cap, base·2^retry)). */
  backoffMs(retriesSoFar: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** retriesSoFar);
    return Math.floor(this.random() * ceiling);
  }

  /** The longest wait the response asks for: Retry-After on any retryable status, X-RateLimit-Reset on a 429. */
  serverWaitMs(status: number, headers: Headers): number | undefined {
    const now = this.now();
    const waits = [parseRetryAfter(headers.get('retry-after'), now)];
    if (status === 429) waits.push(rateLimitResetWaitMs(headers.get('x-ratelimit-reset'), now));
    const known = waits.filter((wait) => wait !== undefined);
    return known.length > 0 ? Math.max(...known) : undefined;
  }
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), in ms from `nowMs`. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}
