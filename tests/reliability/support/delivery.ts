/**
 * How the platforms deliver events, simulated over the real handlers: a bounded pool of concurrent invocations,
 * and asynchronous retries that end on a dead-letter path (Lambda: 2 retries, then the on-failure destination with
 * the error message; Event Grid: retries, then the dead-letter container).
 */
export interface Delivered<R> {
  readonly status: 'ok';
  readonly result: R;
  readonly attempts: number;
}

export interface DeadLettered {
  readonly status: 'dead-letter';
  /** The last error's message, as the on-failure record / dead-letter blob carries it. */
  readonly reason: string;
  readonly attempts: number;
}

export async function deliverWithRetries<R>(
  invoke: () => Promise<R>,
  options: { readonly attempts: number; readonly retryDelayMs: number },
): Promise<Delivered<R> | DeadLettered> {
  let reason = '';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      return { status: 'ok', result: await invoke(), attempts: attempt };
    } catch (error) {
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (attempt < options.attempts) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
    }
  }
  return { status: 'dead-letter', reason, attempts: options.attempts };
}

/** Runs `work` over `items` with at most `concurrency` in flight, in the order given; results keep that order. */
export async function inPool<T, R>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** A seeded PRNG (mulberry32), so shuffles and fault draws repeat from run to run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** What a queue-triggered function returns when it dead-letters a message itself (functions/azure/poison-queue.ts). */
interface QueueDeadLetter {
  readonly deadLettered: string;
}

/**
 * A Storage Queue's retries over a queue function: try `dequeueCount` 1, 2, … up to `attempts` (host.json
 * maxDequeueCount), waiting `retryDelayMs` after each throw (the visibility timeout). The function dead-letters on
 * its last try and says why; that cause becomes the ending's reason.
 */
export async function deliverThroughQueue<R>(
  invoke: (dequeueCount: number) => Promise<R | QueueDeadLetter>,
  options: { readonly attempts: number; readonly retryDelayMs: number },
): Promise<Delivered<R> | DeadLettered> {
  let reason = '';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      const result = await invoke(attempt);
      if (typeof result === 'object' && result !== null && 'deadLettered' in result) {
        return { status: 'dead-letter', reason: (result as QueueDeadLetter).deadLettered, attempts: attempt };
      }
      return { status: 'ok', result: result as R, attempts: attempt };
    } catch (error) {
      // The host's own poison move after the last try carries no cause of the function's: keep the error's.
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      if (attempt < options.attempts) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
    }
  }
  return { status: 'dead-letter', reason, attempts: options.attempts };
}
