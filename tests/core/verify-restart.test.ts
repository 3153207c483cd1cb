import { verifyRestart } from '../../shared/core/verify-restart';
import { FakeClock } from '../helpers/fake-clock';
import { FakePlatform, status } from '../helpers/fake-platform';

const REF = { environmentId: 'env-p1', clusterId: 'lkc-x1', name: 'orders-cdc' };
const OPTIONS = { timeoutMs: 60_000, pollIntervalMs: 5_000, settleMs: 20_000 };

async function restarted(statuses: ReturnType<typeof status>[]) {
  const platform = new FakePlatform().addConnector(REF, {});
  platform.scriptAfterRestart(REF, statuses);
  await platform.restart(REF);
  return platform;
}

describe('verifyRestart', () => {
  it('succeeds once RUNNING with every task RUNNING after PROVISIONING', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([
      status('PROVISIONING', []),
      status('DEGRADED', ['RUNNING', 'UNASSIGNED']),
      status('RUNNING', ['RUNNING', 'RUNNING']),
    ]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result.result).toBe('restarted');
    expect(clock.sleeps).toEqual([5_000, 5_000]);
  });

  it('reports FAILED with the trace', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([
      status('PROVISIONING', []),
      status('FAILED', ['FAILED'], 'Login failed for user app'),
    ]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result).toMatchObject({ result: 'failed', trace: 'Login failed for user app' });
  });

  it('does not take the pre-restart RUNNING reading as success before the settle time', async () => {
    // Prepare: the status never shows a transition, so only readings after settleMs count.
    const clock = new FakeClock();
    const platform = await restarted([status('RUNNING')]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result.result).toBe('restarted');
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(20_000);
  });

  it('does not take a RUNNING connector with no tasks as restarted: it keeps polling until the timeout', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([status('PROVISIONING', []), status('RUNNING', [])]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result).toMatchObject({ result: 'timed-out', status: { state: 'RUNNING', tasks: [] } });
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(OPTIONS.timeoutMs);
  });

  it('takes a reading with no tasks as the restart under way, so the next healthy one counts before the settle time', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([status('RUNNING', []), status('RUNNING', ['RUNNING'])]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result.result).toBe('restarted');
    expect(clock.sleeps).toEqual([5_000]);
  });

  it.each(['PROVISIONING', 'DEGRADED', 'NONE'])(
    'takes %s (with tasks) as the restart under way, so the next healthy reading counts before the settle time',
    async (state) => {
      // Prepare
      const clock = new FakeClock();
      const platform = await restarted([status(state, ['UNASSIGNED']), status('RUNNING', ['RUNNING'])]);

      // Act
      const result = await verifyRestart(platform, clock, REF, OPTIONS);

      // Assess
      expect(result.result).toBe('restarted');
      expect(clock.sleeps).toEqual([5_000]);
    },
  );

  it('times out when the connector never settles', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([status('PROVISIONING', [])]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result).toMatchObject({ result: 'timed-out', status: { state: 'PROVISIONING' } });
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(OPTIONS.timeoutMs);
  });
});
