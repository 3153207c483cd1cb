import { type Clock, systemClock } from '#core/ports';
import type { RateLimitReading } from './api-facts';

/** A budget every instance of the reloader draws from (the state table's token bucket, fleet-rate-budget.ts). */
export interface SharedRateBudget {
  /** Takes up to `wanted` tokens; `granted` may be 0, with how long to wait before asking again. */
  take(wanted: number): Promise<{ readonly granted: number; readonly retryAfterMs: number }>;
}

export interface RequestGateOptions {
  /** Requests in flight at once. */
  readonly maxConcurrent?: number;
  /** Sustained request rate; `Infinity` turns the rate limit off. */
  readonly requestsPerSecond?: number;
  /** Requests that may start back to back before the rate applies. */
  readonly burst?: number;
  /**
   * The fleet-wide budget: every request also takes one of its tokens, so the rate summed over every instance stays
   * within it whatever the scale-out. Unset: this process's limits only.
   */
  readonly shared?: SharedRateBudget;
  readonly clock?: Clock;
}

/** Confluent publishes no numbers (§1.7); these stay well below what a single user is likely to be allowed. */
export const GATE_DEFAULTS = { maxConcurrent: 4, requestsPerSecond: 5, burst: 5 } as const;

/**
 * The share of the budget the server reports left that this process may spend beyond its own rate: the rest is
 * left to the org's other clients (and the reloader's other instances), who read the same headers.
 */
export const SERVER_BUDGET_SHARE = 0.5;

/** Tokens asked of the shared budget at once, at most: more would sit unused in one instance while others wait. */
const MAX_SHARED_BATCH = 10;
/**
 * At a high configured rate, a take asks for this long's worth of tokens at least, so that requests following each
 * other (a list, then a restart, then polls) do not each wait for a store round trip; at a low rate that is one.
 */
const SHARED_PREFETCH_SECONDS = 0.05;

/**
 * The one door every request of a client goes through: a concurrency limit, a token-bucket rate limit and a shared
 * cooldown. Confluent's limits are per user and organisation, so when one request is told to wait (429), every
 * request waits: hammering in parallel would only burn retries.
 *
 * It adapts to what the server says of its window (X-RateLimit-Limit/-Remaining/-Reset, `observe`): while the
 * server reports budget left, a request that finds this process's bucket empty may still go, spending at most
 * SERVER_BUDGET_SHARE of what is left (faster: back-to-back rotations are not held to the sustained rate for
 * nothing); when the server reports none left, every request waits for the window to reset (slower: no 429 needed to
 * learn it). The fleet-wide budget (`shared`) is never exceeded either way.
 *
 * Hand-written on purpose: Bottleneck is unmaintained and has no server-driven cooldown; p-queue is ESM-only.
 */
export class RequestGate {
  readonly maxConcurrent: number;
  readonly requestsPerSecond: number;
  readonly burst: number;
  private readonly clock: Clock;
  private readonly shared: SharedRateBudget | undefined;
  private active = 0;
  private readonly waitingForSlot: Array<() => void> = [];
  /** Admissions are serialised so that requests leave the gate in arrival order, at the configured rate. */
  private admission: Promise<void> = Promise.resolve();
  private awaitingAdmission = 0;
  private tokens: number;
  private lastRefillMs: number;
  private cooldownUntilMs = 0;
  private sharedTokens = 0;
  /** The server's latest word on its window, and how many requests this process admitted since. */
  private server: { readonly remaining: number; readonly untilMs: number; spent: number } | undefined;
  private admittedOnServerBudget = 0;

  constructor(options: RequestGateOptions = {}) {
    this.maxConcurrent = options.maxConcurrent ?? GATE_DEFAULTS.maxConcurrent;
    this.requestsPerSecond = options.requestsPerSecond ?? GATE_DEFAULTS.requestsPerSecond;
    this.burst = options.burst ?? Math.min(GATE_DEFAULTS.burst, Math.max(1, this.requestsPerSecond));
    if (this.maxConcurrent < 1 || this.requestsPerSecond <= 0 || this.burst < 1) {
      throw new RangeError('RequestGate needs maxConcurrent ≥ 1, requestsPerSecond > 0 and burst ≥ 1');
    }
    this.clock = options.clock ?? systemClock;
    this.shared = options.shared;
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
    this.server = undefined;
  }

  /** What a response said of the server's rate-limit window (any status). */
  observe(reading: RateLimitReading): void {
    const now = this.nowMs();
    if (reading.remaining === 0) {
      // None left in this window: wait for it to reset rather than learn it from a 429.
      this.coolDown(reading.resetMs);
      return;
    }
    this.server = { remaining: reading.remaining, untilMs: now + reading.resetMs, spent: 0 };
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

  /** Requests admitted beyond this process's own rate because the server reported budget (for tests and benches). */
  get admittedOnServerBudgetCount(): number {
    return this.admittedOnServerBudget;
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
    this.awaitingAdmission += 1;
    const turn = this.admission
      .then(() => this.waitForTurn())
      .finally(() => {
        this.awaitingAdmission -= 1;
      });
    this.admission = turn.catch(() => undefined);
    return turn;
  }

  private async waitForTurn(): Promise<void> {
    await this.waitForLocalTurn();
    await this.takeSharedToken();
  }

  private async waitForLocalTurn(): Promise<void> {
    for (;;) {
      const now = this.nowMs();
      if (now < this.cooldownUntilMs) {
        await this.clock.sleep(this.cooldownUntilMs - now);
        continue;
      }
      if (!Number.isFinite(this.requestsPerSecond)) return this.spendServerBudget(false);
      this.refill(now);
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return this.spendServerBudget(false);
      }
      if (this.serverBudgetLeft(now)) return this.spendServerBudget(true);
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.requestsPerSecond) * 1000));
    }
  }

  /** Whether the server's latest reading leaves this process room beyond its own rate. */
  private serverBudgetLeft(now: number): boolean {
    const server = this.server;
    if (!server || now >= server.untilMs) return false;
    return server.spent < Math.floor(server.remaining * SERVER_BUDGET_SHARE);
  }

  private spendServerBudget(beyondOwnRate: boolean): void {
    if (this.server) this.server.spent += 1;
    if (beyondOwnRate) this.admittedOnServerBudget += 1;
  }

  /** One token of the fleet-wide budget, fetched in batches for the requests already waiting here. */
  private async takeSharedToken(): Promise<void> {
    const shared = this.shared;
    if (!shared) return;
    while (this.sharedTokens < 1) {
      // For requests that hold a slot and wait for their turn (tokens held for later are spent in a burst), or for
      // SHARED_PREFETCH_SECONDS of the rate when that is more.
      const prefetch = Number.isFinite(this.requestsPerSecond)
        ? Math.ceil(this.requestsPerSecond * SHARED_PREFETCH_SECONDS)
        : MAX_SHARED_BATCH;
      const wanted = Math.min(MAX_SHARED_BATCH, Math.max(this.awaitingAdmission, prefetch));
      const { granted, retryAfterMs } = await shared.take(Math.max(1, wanted));
      this.sharedTokens += granted;
      if (granted < 1) await this.clock.sleep(Math.max(1, retryAfterMs));
    }
    this.sharedTokens -= 1;
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
