import type { Reloader } from '#app/build-reloader';
import {
  handleSecretEvents,
  ReloadIncompleteError,
  RotationDeferredError,
  RotationPendingError,
} from '#app/handle-trigger';
import type { SecretRotated } from '#core/events';
import { silentLogger } from '#core/ports';
import type { ReloadOutcome, ReloadReport } from '#core/reload-plan';
import { canonicalSecretId, parseSecretRef } from '#core/secret-ref';
import { type AccessDenial, SecretAccessDeniedError } from '#providers/secret-provider-errors';

const EVENT: SecretRotated = {
  kind: 'secret-rotated',
  secret: parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd'),
  version: 'v2',
  source: 'test',
};
const CONNECTOR = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'orders-cdc' };
const OUTBOX = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'orders-outbox' };
const FINISHED_AT = Date.parse('2026-11-27T12:00:00Z');

/** Only the rotation use case is reached on this path; the rest of the Reloader is not. */
function reloaderReporting(...outcomes: ReloadOutcome[]): Reloader {
  const report: ReloadReport = {
    trigger: 'test',
    secret: 'prod/orders-db',
    version: 'v2',
    dryRun: false,
    notes: [],
    outcomes,
    startedAt: new Date(0),
    finishedAt: new Date(FINISHED_AT),
  };
  return { forInvocation: () => ({ execute: async () => report }) } as unknown as Reloader;
}

describe('handleSecretEvents', () => {
  it('asks for a redelivery when a restart request errored', async () => {
    // Prepare
    const reloader = reloaderReporting({ connector: CONNECTOR, sources: [], result: 'restart-error', detail: '500' });

    // Act
    const handled = handleSecretEvents([EVENT], reloader, silentLogger);

    // Assess
    await expect(handled).rejects.toThrow(ReloadIncompleteError);
  });

  it('does not ask for a redelivery a retry cannot help: a missing permission is reported, not retried', async () => {
    // Prepare
    const reloader = reloaderReporting({
      connector: CONNECTOR,
      sources: [],
      result: 'restart-error',
      detail: 'may not restart nor pause it (403 Forbidden)',
      retryable: false,
    });

    // Act
    const handled = await handleSecretEvents([EVENT], reloader, silentLogger);

    // Assess
    expect(handled).toEqual([expect.objectContaining({ kind: 'reloaded' })]);
  });

  it('never completes a rotation while a connector is pending: it asks for a redelivery, saying which and until when', async () => {
    // Prepare
    const reloader = reloaderReporting(
      { connector: CONNECTOR, sources: [], result: 'restarted' },
      {
        connector: OUTBOX,
        sources: [],
        result: 'skipped',
        reason: 'in-flight',
        detail: 'another operation on this connector is in flight (recover failed (attempt 1))',
        pending: { holder: 'recover failed (attempt 1)', lockExpiresAt: FINISHED_AT + 90_000 },
      },
    );

    // Act
    const handled = handleSecretEvents([EVENT], reloader, silentLogger);

    // Assess
    const error = await handled.catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RotationPendingError);
    // Every runtime that redelivers an incomplete reload redelivers a pending one.
    expect(error).toBeInstanceOf(ReloadIncompleteError);
    expect(error).toMatchObject({ name: 'RotationPendingError', pending: [OUTBOX], retryAfterMs: 90_000 });
    expect((error as Error).message).toMatch(
      /^rotation of prod\/orders-db@v2 is pending on 1 connector\(s\) locked by another operation, retried later: env-p1\/lkc-1\/orders-outbox: .*recover failed/,
    );
  });

  it('asks for the pending redelivery also when a restart errored beside it, naming both', async () => {
    // Prepare
    const reloader = reloaderReporting(
      { connector: CONNECTOR, sources: [], result: 'restart-error', detail: '500' },
      {
        connector: OUTBOX,
        sources: [],
        result: 'skipped',
        reason: 'in-flight',
        pending: { holder: 'reload prod/payments@p9', lockExpiresAt: FINISHED_AT - 1 },
      },
    );

    // Act
    const error = await handleSecretEvents([EVENT], reloader, silentLogger).catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(RotationPendingError);
    expect(error).toMatchObject({ retryAfterMs: 0 });
    expect((error as Error).message).toContain('restart failed for 1: env-p1/lkc-1/orders-cdc: 500');
  });

  it('never completes a rotation waiting in a coalescing window: it asks to come back when the first is due', async () => {
    // Prepare
    const waiting = (connector: typeof CONNECTOR, dueInMs: number): ReloadOutcome => ({
      connector,
      sources: [],
      result: 'skipped',
      reason: 'coalescing',
      coalescing: { dueAt: new Date(FINISHED_AT + dueInMs), pending: [{ secret: 'prod/orders-db', version: 'v2' }] },
    });
    const reloader = reloaderReporting(waiting(CONNECTOR, 30_000), waiting(OUTBOX, 25_000));

    // Act
    const error = await handleSecretEvents([EVENT], reloader, silentLogger).catch((thrown: unknown) => thrown);

    // Assess: not done (so no idempotency record completes it), and retried as any incomplete reload by a runtime
    // that does not hand it to a delayed delivery.
    expect(error).toBeInstanceOf(RotationDeferredError);
    expect(error).toBeInstanceOf(ReloadIncompleteError);
    expect(error).toMatchObject({
      waiting: [CONNECTOR, OUTBOX],
      dueAt: new Date(FINISHED_AT + 25_000),
      retryAfterMs: 25_000,
    });
    expect((error as Error).message).toBe(
      'rotation of prod/orders-db@v2 waits for the coalesced restart of 2 connector(s), the first due at 2026-11-27T12:00:25.000Z: delivered again then',
    );
  });

  it('brings a pending rotation back no later than a coalescing connector of it is due', async () => {
    // Prepare
    const reloader = reloaderReporting(
      {
        connector: CONNECTOR,
        sources: [],
        result: 'skipped',
        reason: 'coalescing',
        coalescing: { dueAt: new Date(FINISHED_AT + 20_000), pending: [] },
      },
      {
        connector: OUTBOX,
        sources: [],
        result: 'skipped',
        reason: 'in-flight',
        pending: { holder: 'recover failed (attempt 1)', lockExpiresAt: FINISHED_AT + 600_000 },
      },
    );

    // Act
    const error = await handleSecretEvents([EVENT], reloader, silentLogger).catch((thrown: unknown) => thrown);

    // Assess
    expect(error).toBeInstanceOf(RotationPendingError);
    expect(error).toMatchObject({ retryAfterMs: 20_000 });
  });

  it.each([
    ['not-permitted', 'AccessDeniedException'],
    ['unauthenticated', 'ExpiredTokenException'],
  ] as const)('on a %s denial of the rotated secret (%s)', async (denial: AccessDenial, code) => {
    // Prepare
    const refused = new SecretAccessDeniedError(
      { secretId: canonicalSecretId(EVENT.secret), operation: 'DescribeSecret', code },
      denial,
    );
    const reloader = {
      forInvocation: () => ({
        execute: async () => {
          throw refused;
        },
      }),
    } as unknown as Reloader;

    // Act
    const handled = await handleSecretEvents([EVENT], reloader, silentLogger).catch((thrown: unknown) => thrown);

    // Assess: a secret this identity may not read is another team's, ignored; credentials the provider did not
    // accept say nothing about the secret, so the rotation is retried (and dead-lettered with its cause), not lost.
    if (denial === 'not-permitted') {
      expect(handled).toEqual([expect.objectContaining({ kind: 'ignored', code: 'not-permitted' })]);
    } else {
      expect(handled).toBe(refused);
    }
  });

  it('completes a rotation whose in-flight skips are settled (DRY_RUN, or covered)', async () => {
    // Prepare
    const reloader = reloaderReporting({ connector: OUTBOX, sources: [], result: 'skipped', reason: 'in-flight' });

    // Act
    const handled = await handleSecretEvents([EVENT], reloader, silentLogger);

    // Assess
    expect(handled).toEqual([expect.objectContaining({ kind: 'reloaded' })]);
  });
});
