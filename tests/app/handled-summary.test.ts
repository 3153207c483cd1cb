import type { HandledEvent } from '#app/handle-trigger';
import { summarize } from '#app/handled-summary';
import type { SecretRotated } from '#core/events';
import type { ReloadReport } from '#core/reload-plan';
import { parseSecretRef } from '#core/secret-ref';

const ROTATED: SecretRotated = {
  kind: 'secret-rotated',
  secret: parseSecretRef('projects/314159265358/secrets/inventory-db-password/versions/4'),
  version: '4',
  source: 'test',
};
const CONNECTOR = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'inventory-cdc' };
const REPORT: ReloadReport = {
  trigger: 'test',
  secret: 'projects/314159265358/secrets/inventory-db-password',
  version: '4',
  dryRun: false,
  notes: [],
  outcomes: [
    { connector: CONNECTOR, sources: [], result: 'restarted' },
    { connector: { ...CONNECTOR, name: 'inventory-audit' }, sources: [], result: 'skipped', reason: 'pinned-version' },
  ],
  startedAt: new Date(0),
  finishedAt: new Date(0),
};

describe('summarize', () => {
  it('reports a reload as the versionless secret, the version and one line per connector, reasons kept', () => {
    // Prepare
    const handled: HandledEvent = { kind: 'reloaded', event: ROTATED, report: REPORT };

    // Act
    const summary = summarize(handled);

    // Assess
    expect(summary).toEqual({
      kind: 'reloaded',
      secret: 'projects/314159265358/secrets/inventory-db-password',
      version: '4',
      outcomes: [
        { connector: 'env-p1/lkc-1/inventory-cdc', result: 'restarted' },
        { connector: 'env-p1/lkc-1/inventory-audit', result: 'skipped', reason: 'pinned-version' },
      ],
    });
  });

  it("gives the event's skip as the reason when the whole event was skipped", () => {
    // Prepare
    const report: ReloadReport = {
      ...REPORT,
      outcomes: [],
      eventSkip: { action: 'skip', reason: 'version-not-current', detail: 'version 3 is not the current version' },
    };

    // Act
    const summary = summarize({ kind: 'reloaded', event: ROTATED, report });

    // Assess
    expect(summary).toMatchObject({ kind: 'reloaded', reason: 'version 3 is not the current version', outcomes: [] });
  });

  it('keeps the reason of an ignored event and the message of a warning, naming the secret where there is one', () => {
    // Prepare
    const ignored: HandledEvent = {
      kind: 'ignored',
      event: { kind: 'ignored', reason: 'TOPIC_CONFIGURED is a test message', source: 'test' },
      reason: 'TOPIC_CONFIGURED is a test message',
    };
    const warned: HandledEvent = { kind: 'warned', event: ROTATED, message: 'rotate it' };

    // Act / Assess
    expect(summarize(ignored)).toEqual({ kind: 'ignored', reason: 'TOPIC_CONFIGURED is a test message' });
    expect(summarize(warned)).toEqual({
      kind: 'warned',
      secret: 'projects/314159265358/secrets/inventory-db-password',
      version: '4',
      reason: 'rotate it',
    });
  });
});
