import { RequestGate } from '#confluent/request-gate';
import { FakeClock } from '#test-helpers/fake-clock';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Lets every pending promise callback run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}

describe('RequestGate', () => {
  it('never runs more than maxConcurrent requests at once, and starts them in arrival order', async () => {
    // Prepare
    const gate = new RequestGate({ maxConcurrent: 2, requestsPerSecond: Number.POSITIVE_INFINITY });
    const releases = Array.from({ length: 5 }, deferred);
    const started: number[] = [];
    let inFlight = 0;
    let peak = 0;

    // Act
    const runs = releases.map((release, index) =>
      gate.run(async () => {
        started.push(index);
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await release.promise;
        inFlight -= 1;
        return index;
      }),
    );
    await settle();
    const startedBeforeRelease = [...started];
    const queuedBeforeRelease = gate.queued;
    for (const release of releases) {
      release.resolve();
      await settle();
    }
    const results = await Promise.all(runs);

    // Assess
    expect(startedBeforeRelease).toEqual([0, 1]);
    expect(queuedBeforeRelease).toBe(3);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(results).toEqual([0, 1, 2, 3, 4]);
    expect(gate.inFlight).toBe(0);
  });

  it('frees the slot when a request fails', async () => {
    // Prepare
    const gate = new RequestGate({ maxConcurrent: 1, requestsPerSecond: Number.POSITIVE_INFINITY });

    // Act
    const failed = gate.run(async () => {
      throw new Error('boom');
    });
    const next = gate.run(async () => 'ok');

    // Assess
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
    expect(gate.inFlight).toBe(0);
  });

  it('spaces requests at the configured rate once the burst is spent', async () => {
    // Prepare
    const clock = new FakeClock(0);
    const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 2, burst: 1, clock });
    const startedAt: number[] = [];

    // Act
    await Promise.all(
      Array.from({ length: 4 }, () =>
        gate.run(async () => {
          startedAt.push(clock.now().getTime());
        }),
      ),
    );

    // Assess
    expect(startedAt).toEqual([0, 500, 1000, 1500]);
  });

  it('lets a burst through at once, then the rate applies', async () => {
    // Prepare
    const clock = new FakeClock(0);
    const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 1, burst: 3, clock });
    const startedAt: number[] = [];

    // Act
    await Promise.all(
      Array.from({ length: 5 }, () =>
        gate.run(async () => {
          startedAt.push(clock.now().getTime());
        }),
      ),
    );

    // Assess
    expect(startedAt).toEqual([0, 0, 0, 1000, 2000]);
  });

  it('refills the bucket while idle, up to the burst', async () => {
    // Prepare
    const clock = new FakeClock(0);
    const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 1, burst: 2, clock });
    const startedAt: number[] = [];
    const request = () =>
      gate.run(async () => {
        startedAt.push(clock.now().getTime());
      });
    await Promise.all([request(), request()]);

    // Act
    clock.advance(10_000);
    await Promise.all([request(), request(), request()]);

    // Assess
    expect(startedAt).toEqual([0, 0, 10_000, 10_000, 11_000]);
  });

  it('holds every request during a shared cooldown, then releases them at the rate', async () => {
    // Prepare
    const clock = new FakeClock(0);
    const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 2, burst: 5, clock });
    const startedAt: number[] = [];

    // Act
    gate.coolDown(3000);
    await Promise.all(
      Array.from({ length: 3 }, () =>
        gate.run(async () => {
          startedAt.push(clock.now().getTime());
        }),
      ),
    );

    // Assess
    expect(gate.cooldownUntil).toBe(3000);
    expect(startedAt).toEqual([3000, 3500, 4000]);
  });

  it('applies a cooldown that starts while requests are already queued', async () => {
    // Prepare
    const clock = new FakeClock(0);
    const gate = new RequestGate({ maxConcurrent: 1, requestsPerSecond: Number.POSITIVE_INFINITY, clock });
    const startedAt: number[] = [];

    // Act
    const first = gate.run(async () => {
      // As the HTTP layer does on a 429 with Retry-After: 2.
      gate.coolDown(2000);
    });
    const second = gate.run(async () => {
      startedAt.push(clock.now().getTime());
    });
    await Promise.all([first, second]);

    // Assess
    expect(startedAt).toEqual([2000]);
  });

  it('extends a cooldown but never shortens it', () => {
    // Prepare
    const clock = new FakeClock(0);
    const gate = new RequestGate({ clock });

    // Act
    gate.coolDown(5000);
    gate.coolDown(1000);
    const afterShorter = gate.cooldownUntil;
    gate.coolDown(8000);

    // Assess
    expect(afterShorter).toBe(5000);
    expect(gate.cooldownUntil).toBe(8000);
  });

  it('rejects a gate that could never admit anything', () => {
    // Prepare
    const options = [{ maxConcurrent: 0 }, { requestsPerSecond: 0 }, { burst: 0 }];

    // Act
    const creates = options.map((option) => () => new RequestGate(option));

    // Assess
    for (const create of creates) {
      expect(create).toThrow(
        new RangeError('RequestGate needs maxConcurrent ≥ 1, requestsPerSecond > 0 and burst ≥ 1'),
      );
    }
  });

  it('sizes the default burst to the rate: at least 1, at most the default of 5', () => {
    // Act
    const bursts = [0.5, 2, 100].map((requestsPerSecond) => new RequestGate({ requestsPerSecond }).burst);

    // Assess
    expect(bursts).toEqual([1, 2, 5]);
  });

  it('waits only for the part of a token not yet refilled', async () => {
    // Prepare: 2 per second, no burst: a token every 500 ms.
    const clock = new FakeClock(10_000);
    const gate = new RequestGate({ requestsPerSecond: 2, burst: 1, clock });
    await gate.run(async () => undefined);
    clock.advance(250);

    // Act
    await gate.run(async () => undefined);

    // Assess
    expect(clock.sleeps).toEqual([250]);
  });

  it('holds a request until the cooldown ends, counted from now', async () => {
    // Prepare
    const clock = new FakeClock(10_000);
    const gate = new RequestGate({ requestsPerSecond: Number.POSITIVE_INFINITY, clock });
    gate.coolDown(2_000);

    // Act
    await gate.run(async () => undefined);

    // Assess
    expect(clock.sleeps).toEqual([2_000]);
    expect(clock.now().getTime()).toBe(12_000);
  });

  describe('adapting to what the server says of its rate-limit window', () => {
    const startTimes = async (gate: RequestGate, clock: FakeClock, count: number) => {
      const startedAt: number[] = [];
      await Promise.all(
        Array.from({ length: count }, () =>
          gate.run(async () => {
            startedAt.push(clock.now().getTime());
          }),
        ),
      );
      return startedAt;
    };

    it('goes beyond its own rate while the server reports budget, spending at most half of what is left', async () => {
      // Prepare: the bucket is empty (1/s, burst 1, spent); the server says 10 of 100 are left for 30 s.
      const clock = new FakeClock(0);
      const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 1, burst: 1, clock });
      await startTimes(gate, clock, 1);
      gate.observe({ limit: 100, remaining: 10, resetMs: 30_000 });

      // Act
      const startedAt = await startTimes(gate, clock, 7);

      // Assess: 5 (half of 10) at once, then the gate's own rate again.
      expect(startedAt).toEqual([0, 0, 0, 0, 0, 1000, 2000]);
      expect(gate.admittedOnServerBudgetCount).toBe(5);
    });

    it('ignores a reading whose window has reset', async () => {
      // Prepare
      const clock = new FakeClock(0);
      const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 1, burst: 1, clock });
      await startTimes(gate, clock, 1);
      gate.observe({ limit: 100, remaining: 90, resetMs: 500 });
      clock.advance(600);

      // Act
      const startedAt = await startTimes(gate, clock, 2);

      // Assess: 400 ms to the next own token, then 1 s.
      expect(startedAt).toEqual([1000, 2000]);
      expect(gate.admittedOnServerBudgetCount).toBe(0);
    });

    it('holds every request until the window resets when the server reports none left, even with tokens to spare', async () => {
      // Prepare
      const clock = new FakeClock(0);
      const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 100, burst: 50, clock });

      // Act
      gate.observe({ limit: 100, remaining: 0, resetMs: 4_000 });
      const startedAt = await startTimes(gate, clock, 3);

      // Assess
      expect(startedAt).toEqual([4000, 4010, 4020]);
    });
  });

  describe('a fleet-wide budget', () => {
    /** A shared bucket of `tokens` that gains one a second on the clock; counts what it was asked for. */
    function sharedBudget(clock: FakeClock, tokens: number) {
      let grantedUntil = 0;
      const budget = {
        asked: [] as number[],
        async take(wanted: number) {
          budget.asked.push(wanted);
          const available = tokens + Math.floor(clock.now().getTime() / 1000) - grantedUntil;
          const granted = Math.max(0, Math.min(wanted, available));
          grantedUntil += granted;
          return { granted, retryAfterMs: granted > 0 ? 0 : 1000 - (clock.now().getTime() % 1000) };
        },
      };
      return budget;
    }

    it('takes a shared token for every request, in batches for those waiting, and waits when it has none', async () => {
      // Prepare: the gate's own bucket would let all 5 go at once; the shared budget has 3, then 1 a second.
      const clock = new FakeClock(0);
      const shared = sharedBudget(clock, 3);
      const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 20, burst: 100, shared, clock });
      const startedAt: number[] = [];

      // Act
      await Promise.all(
        Array.from({ length: 5 }, () =>
          gate.run(async () => {
            startedAt.push(clock.now().getTime());
          }),
        ),
      );

      // Assess: the first ask is for every request waiting.
      expect(shared.asked[0]).toBe(5);
      expect(startedAt).toEqual([0, 0, 0, 1000, 2000]);
    });

    it('asks for 50 ms of a high rate at once, so that requests following each other need not each wait', async () => {
      // Prepare
      const clock = new FakeClock(0);
      const shared = sharedBudget(clock, 100);
      const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 1000, burst: 100, shared, clock });

      // Act: three requests one after the other.
      for (let i = 0; i < 3; i += 1) await gate.run(async () => undefined);

      // Assess: one ask, for 10 (50 ms of 1,000/s, capped at 10).
      expect(shared.asked).toEqual([10]);
    });

    it('is not exceeded when the server reports budget: the server only relaxes this process its own rate', async () => {
      // Prepare
      const clock = new FakeClock(0);
      const shared = sharedBudget(clock, 2);
      const gate = new RequestGate({ maxConcurrent: 10, requestsPerSecond: 1, burst: 1, shared, clock });
      gate.observe({ limit: 1000, remaining: 900, resetMs: 60_000 });
      const startedAt: number[] = [];

      // Act
      await Promise.all(
        Array.from({ length: 4 }, () =>
          gate.run(async () => {
            startedAt.push(clock.now().getTime());
          }),
        ),
      );

      // Assess: beyond the gate's own 1/s (the server's budget), but never beyond the shared 2 + 1/s.
      expect(startedAt).toEqual([0, 0, 1000, 2000]);
    });
  });
});
