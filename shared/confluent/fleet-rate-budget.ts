import type { Clock, Logger, RateBucket, RateBucketStore } from '#core/ports';
import type { SharedRateBudget } from './request-gate';

export interface FleetRateBudgetOptions {
  readonly store: RateBucketStore;
  /** The bucket's name in the store: one per Confluent organisation the fleet talks to. */
  readonly name: string;
  readonly requestsPerSecond: number;
  /** The bucket's size: requests the whole fleet may start back to back after a quiet spell. */
  readonly burst: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Lost compare-and-set races in a row before a take gives up for now (and is asked again shortly). */
const MAX_CONFLICTS = 5;
/** A store failure is logged at most this often: a request must not log a line each. */
const FAILURE_LOG_INTERVAL_MS = 60_000;

/**
 * The fleet-wide token bucket: every instance (Lambda executions, Function App instances) takes its Confluent
 * requests' tokens from one record in the state table, compare-and-set, so the sum of their rates stays within
 * CONFLUENT_RATE_LIMIT_PER_SECOND however far the platform scales out. Tokens refill by the time elapsed since the
 * last writer's clock; a clock behind it adds nothing.
 *
 * When the store cannot be reached the budget fails open, logged: each process still holds its own limits (the
 * same rate per process), and a 429 still pauses every request of the process. Failing closed would stop every
 * restart for a table outage that the connector locks would report anyway.
 */
export class FleetRateBudget implements SharedRateBudget {
  private lastFailureLogMs = Number.NEGATIVE_INFINITY;
  /** The bucket as this instance last wrote it: tried first, so an instance alone needs one write per take, no read. */
  private lastWritten: { readonly bucket: RateBucket; readonly etag: string } | undefined;

  constructor(private readonly options: FleetRateBudgetOptions) {
    if (options.requestsPerSecond <= 0 || options.burst < 1) {
      throw new RangeError('FleetRateBudget needs requestsPerSecond > 0 and burst ≥ 1');
    }
  }

  async take(wanted: number): Promise<{ granted: number; retryAfterMs: number }> {
    const { store, name, requestsPerSecond, burst, clock } = this.options;
    try {
      let known = this.lastWritten;
      for (let conflicts = 0; conflicts < MAX_CONFLICTS; conflicts += 1) {
        const now = clock.now().getTime();
        // What this instance wrote last is still right unless another wrote since, which the write's etag check tells.
        const stored = known ?? (await store.read(name));
        known = undefined;
        const tokens = refilled(stored?.bucket, now, requestsPerSecond, burst);
        const granted = Math.min(Math.max(0, Math.floor(wanted)), Math.floor(tokens));
        if (granted === 0) {
          this.lastWritten = stored ?? undefined;
          return { granted, retryAfterMs: Math.ceil(((1 - tokens) / requestsPerSecond) * 1000) };
        }
        const bucket: RateBucket = {
          tokens: tokens - granted,
          refilledAt: Math.max(now, stored?.bucket.refilledAt ?? 0),
        };
        const etag = await store.write(name, bucket, stored?.etag ?? null);
        if (etag !== null) {
          this.lastWritten = etag === '' ? undefined : { bucket, etag };
          return { granted, retryAfterMs: 0 };
        }
      }
      this.lastWritten = undefined;
      // Other instances won every race: ask again after about one token's time.
      return { granted: 0, retryAfterMs: Math.ceil(1000 / requestsPerSecond) };
    } catch (error) {
      const now = clock.now().getTime();
      if (now - this.lastFailureLogMs >= FAILURE_LOG_INTERVAL_MS) {
        this.lastFailureLogMs = now;
        this.options.logger.warn(
          'fleet-wide Confluent rate budget unavailable: this process holds its own limits only',
          {
            bucket: name,
            error: (error as Error).message,
          },
        );
      }
      return { granted: wanted, retryAfterMs: 0 };
    }
  }
}

/** The bucket's tokens at `now`: full when none was stored, never above the burst. */
function refilled(bucket: RateBucket | undefined, now: number, requestsPerSecond: number, burst: number): number {
  if (!bucket) return burst;
  const elapsedMs = Math.max(0, now - bucket.refilledAt);
  return Math.min(burst, bucket.tokens + (elapsedMs / 1000) * requestsPerSecond);
}
