import { renderPlan, renderReport } from '#cli/render';
import type { ReloadPlan, ReloadReport } from '#core/reload-plan';
import { capturedOutput } from '#test-helpers/captured-output';

const USER = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-user-Ab12Cd';
const PASSWORD = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-password-Ef34Gh';
const USER_VERSION = '0b8f3c2e-6a1d-4c3b-9f2e-7d5a1c9e4b60';
const PASSWORD_VERSION = 'c41d9e7a-2b6f-4e8c-a3d1-5f0b7e2c9a18';
const connector = (name: string) => ({ environmentId: 'env-p1', clusterId: 'lkc-aws1', name });
const pending = [
  { secret: PASSWORD, version: PASSWORD_VERSION },
  { secret: USER, version: USER_VERSION },
];
const widest = (text: string) => Math.max(...text.split('\n').map((line) => [...line].length));

describe('the CLI tables with coalescing', () => {
  it('plan: a waiting connector says when its one restart is due and what it applies; one due now, what it applies', () => {
    // Prepare
    const plan: ReloadPlan = {
      secret: PASSWORD,
      version: PASSWORD_VERSION,
      notes: [],
      targets: [
        {
          connector: connector('orders-cdc'),
          sources: ['config-scan'],
          state: 'RUNNING',
          decision: {
            action: 'skip',
            reason: 'coalescing',
            detail: 'coalescing 2 pending version(s) (…): one restart due at 2026-12-01T12:00:35.000Z',
            coalescing: { dueAt: new Date('2026-12-01T12:00:35.400Z'), pending },
          },
        },
        {
          connector: connector('orders-outbox'),
          sources: ['config-scan'],
          state: 'RUNNING',
          decision: {
            action: 'skip',
            reason: 'dry-run',
            detail: 'DRY_RUN: would restart once, applying …',
            coalesced: pending,
          },
        },
      ],
    };
    const { output, chunks } = capturedOutput();
    const wide = capturedOutput();
    wide.output.wide = true;

    // Act
    renderPlan(output, plan);
    renderPlan(wide.output, plan);

    // Assess
    expect(wide.chunks.out).toContain(
      `coalescing: one restart due at 2026-12-01T12:00:35Z, applying ${PASSWORD}@${PASSWORD_VERSION}, ${USER}@${USER_VERSION}`,
    );
    expect(wide.chunks.out).toContain(
      `coalesced: one restart, due now, applies ${PASSWORD}@${PASSWORD_VERSION}, ${USER}@${USER_VERSION}`,
    );
    expect(chunks.out).toContain('skip: coalescing');
    expect(widest(chunks.out)).toBeLessThanOrEqual(120);
  });

  it('report: a restart that applied a coalesced group names that coalescedRestart and the versions it applied', () => {
    // Prepare
    const at = new Date('2026-12-01T12:00:36Z');
    const report: ReloadReport = {
      trigger: 'cli',
      secret: PASSWORD,
      version: PASSWORD_VERSION,
      dryRun: false,
      notes: [],
      outcomes: [
        {
          connector: connector('orders-cdc'),
          sources: ['config-scan'],
          result: 'restarted',
          method: 'restart',
          coalescedRestart: { id: 'env-p1/lkc-aws1/orders-cdc@2026-12-01T12:00:35.000Z', at, covers: pending },
        },
      ],
      startedAt: at,
      finishedAt: at,
    };
    const wide = capturedOutput();
    wide.output.wide = true;
    const { output, chunks } = capturedOutput();

    // Act
    renderReport(wide.output, report);
    renderReport(output, report);

    // Assess
    expect(wide.chunks.out).toContain(
      `coalescedRestart env-p1/lkc-aws1/orders-cdc@2026-12-01T12:00:35.000Z applied ${PASSWORD}@${PASSWORD_VERSION}, ${USER}@${USER_VERSION}`,
    );
    expect(widest(chunks.out)).toBeLessThanOrEqual(120);
  });
});
