import { rotationCoverage } from '#cli/coverage';
import type { PlannedTarget, ReloadPlan, SkipReason } from '#core/reload-plan';

const target = (name: string, decision: PlannedTarget['decision'], state = 'RUNNING'): PlannedTarget => ({
  connector: { environmentId: 'env-p1', clusterId: 'lkc-aws1', name },
  sources: ['config-scan'],
  state,
  decision,
});
const skip = (reason: string, detail = reason) => ({ action: 'skip' as const, reason: reason as SkipReason, detail });

function plan(targets: PlannedTarget[], extra: Partial<ReloadPlan> = {}): ReloadPlan {
  return { secret: 'arn:aws:secretsmanager:us-east-1:1:secret:db-Ab12Cd', version: 'v2', notes: [], targets, ...extra };
}

describe('rotationCoverage', () => {
  it('maps what a reload would do now to where each connector stands', () => {
    // Act
    const coverage = rotationCoverage(
      plan([
        target('restarted-already', skip('already-covered', 'version v2 was already applied to this connector')),
        target('would-restart', { action: 'restart' }),
        target('would-restart-dry', skip('dry-run')),
        target('locked', skip('in-flight', 'another operation on this connector is in flight (reload)')),
        target('paused', skip('paused'), 'PAUSED'),
      ]),
      () => 'last restart: none recorded',
    );

    // Assess
    expect(coverage.connectors.map((row) => [row.connector.name, row.coverage, row.detail])).toEqual([
      ['restarted-already', 'covered', 'version v2 was already applied to this connector'],
      ['would-restart', 'stale', 'last restart: none recorded'],
      ['would-restart-dry', 'stale', 'last restart: none recorded'],
      ['locked', 'in flight', 'another operation on this connector is in flight (reload)'],
      ['paused', 'paused', 'paused'],
    ]);
    expect(coverage.counts).toEqual({ covered: 1, stale: 2, 'in flight': 1, paused: 1 });
    expect(coverage.everyoneCovered).toBe(false);
  });

  it('shows a skip reason it does not know as itself (plain-config from the planner), counted as not covered', () => {
    // Act
    const coverage = rotationCoverage(
      plan([
        target('crm-sync', skip('plain-config', 'the credential is in plain config')),
        target('ok', skip('already-covered')),
      ]),
    );

    // Assess
    expect(coverage.connectors[0]).toMatchObject({ coverage: 'plain config', reason: 'plain-config' });
    expect(coverage.everyoneCovered).toBe(false);
  });

  it('says everyone is covered when every existing dependent is, not counting a named connector that does not exist', () => {
    // Act
    const coverage = rotationCoverage(plan([target('a', skip('already-covered')), target('gone', skip('not-found'))]));

    // Assess
    expect(coverage.everyoneCovered).toBe(true);
    expect(coverage.counts).toEqual({ covered: 1, 'not found': 1 });
  });

  it('shows a connector waiting in its coalescing window as pending, not covered, with its due time', () => {
    // Prepare
    const wait = { dueAt: new Date('2026-12-01T12:00:30Z'), pending: [{ secret: 'db-user', version: 'u2' }] };
    const restart = { id: 'env-p1/lkc-aws1/b@2026-12-01T11:59:00.000Z', at: new Date(0), covers: wait.pending };

    // Act
    const coverage = rotationCoverage(
      plan([
        target('a', { ...skip('coalescing', 'coalescing 1 pending version(s)'), coalescing: wait }),
        target('b', { ...skip('already-covered', 'applied, by the coalesced restart'), coalescedRestart: restart }),
        target('c', { ...skip('dry-run'), coalesced: wait.pending }),
      ]),
    );

    // Assess
    expect(coverage.connectors).toMatchObject([
      { coverage: 'pending', reason: 'coalescing', coalescing: wait },
      { coverage: 'covered', coalescedRestart: restart.id },
      { coverage: 'stale', coalesced: wait.pending },
    ]);
    expect(coverage.counts).toEqual({ pending: 1, covered: 1, stale: 1 });
    expect(coverage.everyoneCovered).toBe(false);
  });

  it('does not call a rotation still in progress covered', () => {
    // Act
    const coverage = rotationCoverage(plan([], { eventSkip: skip('version-not-current', 'v3 is pending') }));

    // Assess
    expect(coverage).toMatchObject({ everyoneCovered: false, eventSkip: 'v3 is pending' });
  });
});
