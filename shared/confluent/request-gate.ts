import { type Clock, systemClock } from '../core/ports';

export interface RequestGateOptions {
  /** Requests in flight at once. */
  readonly maxConcurrent?: number;
  /** Sustained request rate; `Infinity` turns the rate limit off. */
  readonly requestsPerSecond?: number;
  /** Requests that may start back to back before the rate applies. */
  readonly burst?: number;
  readonly clock?: Clock;
}

/** Confluent publishes no numbers (§1.7); these stay well below what a single user is likely to be allowed. */
export const GATE_DEFAULTS = { maxConcurrent: 4, requestsPerSecond: 5, burst: 5 } as const;

/**
 * The one door every request of a client goes through: a concurrency limit, a token-bucket rate limit and a shared
 * cooldown. Confluent's limits are per user and organisation, so when one request is told to wait (429), every
 * request waits: hammering in parallel would only burn retries.
 *
 * Hand-written on purpose: Bottleneck is unmaintained and has no server-driven cooldown; p-queue is ESM-only.
 */
export class RequestGate {
  readonly maxConcurrent: number;
  readonly requestsPerSecond: number;
  readonly burst: number;
  private readonly clock: Clock;
  private active = 0;
  private readonly waitingForSlot: Array<() => void> = [];
  /** Admissions are serialised so that requests leave the gate in arrival order, at the configured rate. */
  private admission: Promise<void> = Promise.resolve();
  private tokens: number;
  private lastRefillMs: number;
  private cooldownUntilMs = 0;

  constructor(options: RequestGateOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? GATE_DEFAULTS.maxConcurrent;
    this.requestsPerSecond = options.requestsPerSecond ?? GATE_DEFAULTS.requestsPerSecond;
    this.burst = options.burst ?? Math.min(GATE_DEFAULTS.burst, Math.max(1, this.requestsPerSecond));
    if (this.maxConcurrent < 1 || this.requestsPerSecond <= 0 || this.burst < 1) {
      throw new RangeError('RequestGate needs maxConcurrent ≥ 1, requestsPerSecond > 0 and burst ≥ 1');
    }
    this.clock = options.clock ?? systemClock;
    this.tokens = this.burst;
    this.lastRefillMs = this.nowMs();
  }

  /** Runs `task` once a slot, a token and the end of any cooldown allow it. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquireSlot();
    try {
      await this.admit();
      return await task();
    } finally {
      this.releaseSlot();
    }
  }

  /** Holds every request not yet admitted for `ms` from now (extends, never shortens, a running cooldown). */
  coolDown(ms: number): void {
    const until = this.nowMs() + Math.max(0, ms);
    if (until <= this.cooldownUntilMs) return;
    this.cooldownUntilMs = until;
    // When the cooldown ends, let one request through and the rest at the rate: no stampede of saved-up tokens.
    this.tokens = Math.min(this.tokens, 1);
    this.lastRefillMs = until;
  }

  /** Epoch ms until which requests are held; 0 when none was ever asked. */
  get cooldownUntil(): number {
    return this.cooldownUntilMs;
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waitingForSlot.length;
  }

  private acquireSlot(): Promise<void> {
    if (this.active < this.maxConcurrent) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waitingForSlot.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waitingForSlot.shift();
    // The slot passes straight to the next waiter, so `active` stays the same.
    if (next) next();
    else this.active -= 1;
  }

  private admit(): Promise<void> {
    const turn = this.admission.then(() => this.waitForTurn());
    this.admission = turn.catch(() => undefined);
    return turn;
  }

  private async waitForTurn(): Promise<void> {
    for (;;) {
      const now = this.nowMs();
      if (now < this.cooldownUntilMs) {
        await this.clock.sleep(this.cooldownUntilMs - now);
        continue;
      }
      if (!Number.isFinite(this.requestsPerSecond)) return;
      this.refill(now);
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.requestsPerSecond) * 1000));
    }
  }

  private refill(now: number): void {
    const elapsedMs = now - this.lastRefillMs;
    if (elapsedMs <= 0) return;
    this.tokens = Math.min(this.burst, this.tokens + (elapsedMs / 1000) * this.requestsPerSecond);
    this.lastRefillMs = now;
  }

  private nowMs(): number {
    return this.clock.now().getTime();
  }
}
