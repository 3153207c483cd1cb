import { ConnectorLeases } from '#core/connector-lease';
import type { ConnectorRecord, StateStore } from '#core/ports';
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

/**
 * A record with every field a ConnectorRecord has, for the stores' round-trip tests: a store that drops or mangles
 * one fails them. Only ids, versions and times, as in production.
 */
export function everyRecordField(connectorKey: string): ConnectorRecord {
  return {
    connectorKey,
    lock: { owner: 'evt-1#a1', operation: 'reload', expiresAt: 1_767_225_600_123 },
    lastRestartAt: 1_767_225_500_000,
    appliedVersions: {
      'aws:us-east-1:123456789012:prod/db': 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
      'azure:kv.vault.azure.net:db-password': '0123456789abcdef0123456789abcdef',
    },
    failureRestarts: {
      count: 2,
      lastRestartAt: 1_767_225_400_000,
      healthySince: 1_767_225_460_000,
      deferredUntil: 1_767_229_000_000,
      exhaustedAt: 1_767_225_470_000,
    },
    pausedByReloader: { operation: 'reload prod/db@a1b2c3d4', at: 1_767_225_450_000 },
    lastAlert: { signature: 'failed|password authentication failed', sentAt: 1_767_225_480_000, suppressed: 3 },
    alertAck: { at: 1_767_225_490_000, until: 1_767_312_000_000 },
    rolloutHalt: {
      version: 'a1b2c3d4',
      at: 1_767_225_495_000,
      firstWave: ['env-1/lkc-1/orders-cdc'],
      trace: 'SYSTEM_ERROR: password authentication failed',
    },
    pendingVersions: {
      'aws:us-east-1:123456789012:prod/db': {
        secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-Ab12Cd',
        version: 'b2c3d4e5-5678-90ab-cdef-EXAMPLE22222',
        becameCurrentAt: 1_767_225_480_000,
        since: 1_767_225_481_234,
      },
      'azure:kv.vault.azure.net:db-password': {
        secret: 'https://kv.vault.azure.net/secrets/db-password',
        becameCurrentAt: 1_767_225_490_000,
        since: 1_767_225_490_500,
      },
    },
    coalescing: {
      'aws:us-east-1:123456789012:prod/db-user': {
        secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-user-Ef34Gh',
        version: 'c3d4e5f6-5678-90ab-cdef-EXAMPLE33333',
        becameCurrentAt: 1_767_225_496_000,
        arrivedAt: 1_767_225_496_400,
        pendingSince: 1_767_225_491_400,
      },
      'azure:kv.vault.azure.net:db-user': {
        secret: 'https://kv.vault.azure.net/secrets/db-user',
        arrivedAt: 1_767_225_497_000,
        pendingSince: 1_767_225_497_000,
      },
    },
    coalescedRestart: {
      id: 'env-1/lkc-1/orders-cdc@2026-01-01T00:00:00.000Z',
      at: 1_767_225_499_000,
      covered: [
        {
          secretKey: 'aws:us-east-1:123456789012:prod/db',
          secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-Ab12Cd',
          version: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
        },
        { secretKey: 'azure:kv.vault.azure.net:db-password', secret: 'https://kv.vault.azure.net/secrets/db-password' },
      ],
    },
    expiresAt: 1_769_817_600_500,
  };
}
