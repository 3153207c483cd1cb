import { ConnectorLeases } from '../../shared/core/connector-lease';
import type { StateStore } from '../../shared/core/ports';
import { FakeClock } from './fake-clock';

/**
 * What every StateStore must give the leases: of 10 concurrent acquirers of one connector's lock, exactly one wins,
 * the rest see it in flight, and the stored lock is the winner's.
 */
export async function expectExactlyOneOfTenAcquires(store: StateStore, connectorKey: string): Promise<void> {
  // Prepare
  const clock = new FakeClock();
  const leases = Array.from(
    { length: 10 },
    (_, i) => new ConnectorLeases(store, clock, { owner: `owner-${i}`, lockTtlMs: 60_000, retentionMs: 86_400_000 }),
  );

  // Act
  const results = await Promise.all(leases.map((lease) => lease.acquire(connectorKey, 'reload', () => undefined)));

  // Assess
  const winners = results.filter((result) => result.acquired);
  expect(winners).toHaveLength(1);
  expect(results.filter((result) => !result.acquired && result.inFlight)).toHaveLength(9);
  const stored = await store.read(connectorKey);
  const winner = winners[0];
  expect(winner?.acquired && winner.record.lock).toEqual(stored?.record.lock);
  expect(stored?.record.lock).toMatchObject({ operation: 'reload', expiresAt: clock.now().getTime() + 60_000 });
}
