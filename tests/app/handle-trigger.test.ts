import type { Reloader } from '../../shared/app/build-reloader';
import { handleSecretEvents, ReloadIncompleteError } from '../../shared/app/handle-trigger';
import type { SecretRotated } from '../../shared/core/events';
import { silentLogger } from '../../shared/core/ports';
import type { ReloadOutcome, ReloadReport } from '../../shared/core/reload-plan';
import { parseSecretRef } from '../../shared/core/secret-ref';

const EVENT: SecretRotated = {
  kind: 'secret-rotated',
  secret: parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd'),
  version: 'v2',
  source: 'test',
};
const CONNECTOR = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'orders-cdc' };

/** Only the rotation use case is reached on this path; the rest of the Reloader is not. */
function reloaderReporting(outcome: ReloadOutcome): Reloader {
  const report: ReloadReport = {
    trigger: 'test',
    secret: 'prod/orders-db',
    version: 'v2',
    dryRun: false,
    notes: [],
    outcomes: [outcome],
    startedAt: new Date(0),
    finishedAt: new Date(0),
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
});
