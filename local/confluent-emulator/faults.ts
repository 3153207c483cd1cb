import type { EmulatorFaults } from './types';

/** X-RateLimit-Limit reported by throttleNext when no per-second limit is configured. */
const NOMINAL_RATE_LIMIT = 60;

export type FaultDecision =
  | { readonly kind: 'none'; readonly rateLimitHeaders: Record<string, string> }
  | { readonly kind: 'hang' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'fail' }
  | { readonly kind: 'throttle'; readonly headers: Record<string, string> };

export function defaultFaults(): EmulatorFaults {
  return {
    latencyMs: 0,
    errorRate: 0,
    rateLimitPerSecond: 0,
    rateLimitWindowSeconds: 1,
    throttleNext: { count: 0, retryAfterSeconds: 1 },
    failNext: 0,
    hangNext: 0,
    dropNext: 0,
    random: Math.random,
  };
}

/** Decides, as each request arrives, which fault (if any) it gets. Counters are consumed in arrival order. */
export class FaultInjector {
  private faults = defaultFaults();
  private window = { start: Number.NEGATIVE_INFINITY, count: 0 };

  constructor(private readonly now: () => number) {}

  get latencyMs(): number {
    return this.faults.latencyMs;
  }

  set(faults: Partial<EmulatorFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  clear(): void {
    this.faults = defaultFaults();
    this.window = { start: Number.NEGATIVE_INFINITY, count: 0 };
  }

  decide(): FaultDecision {
    const rate = this.countInWindow();
    const faults = this.faults;
    if (faults.hangNext > 0) {
      faults.hangNext -= 1;
      return { kind: 'hang' };
    }
    if (faults.dropNext > 0) {
      faults.dropNext -= 1;
      return { kind: 'drop' };
    }
    if (faults.throttleNext.count > 0) {
      const { count, retryAfterSeconds } = faults.throttleNext;
      faults.throttleNext = { count: count - 1, retryAfterSeconds };
      const limit = faults.rateLimitPerSecond > 0 ? faults.rateLimitPerSecond : NOMINAL_RATE_LIMIT;
      return { kind: 'throttle', headers: throttleHeaders(limit, retryAfterSeconds) };
    }
    if (faults.failNext > 0) {
      faults.failNext -= 1;
      return { kind: 'fail' };
    }
    if (rate && rate.count > rate.limit) {
      return { kind: 'throttle', headers: throttleHeaders(rate.limit, rate.resetSeconds) };
    }
    if (faults.errorRate > 0 && faults.random() < faults.errorRate) {
      return { kind: 'fail' };
    }
    const rateLimitHeaders: Record<string, string> = rate
      ? {
          'x-ratelimit-limit': String(rate.limit),
          'x-ratelimit-remaining': String(Math.max(0, rate.limit - rate.count)),
          'x-ratelimit-reset': String(rate.resetSeconds),
        }
      : {};
    return { kind: 'none', rateLimitHeaders };
  }

  /** Fixed windows on the emulator's clock; every arriving request counts, throttled ones too. */
  private countInWindow(): { limit: number; count: number; resetSeconds: number } | undefined {
    const perSecond = this.faults.rateLimitPerSecond;
    if (perSecond <= 0) return undefined;
    const windowMs = Math.max(1, this.faults.rateLimitWindowSeconds) * 1000;
    const limit = Math.round(perSecond * (windowMs / 1000));
    const now = this.now();
    const start = Math.floor(now / windowMs) * windowMs;
    if (start !== this.window.start) this.window = { start, count: 0 };
    this.window.count += 1;
    return { limit, count: this.window.count, resetSeconds: Math.max(1, Math.ceil((start + windowMs - now) / 1000)) };
  }
}

function throttleHeaders(limit: number, retryAfterSeconds: number): Record<string, string> {
  return {
    'retry-after': String(retryAfterSeconds),
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': '0',
    // Confluent's reset is relative seconds, not an epoch (confluent-cloud-api.md §1.7).
    'x-ratelimit-reset': String(retryAfterSeconds),
  };
}
