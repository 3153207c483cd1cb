import { verifyRestart } from '#core/verify-restart';
import { FakeClock } from '#test-helpers/fake-clock';
import { FakePlatform, status } from '#test-helpers/fake-platform';

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

  it('reports DEGRADED with a SYSTEM_ERROR task as failed on the second poll, with the task message as the trace', async () => {
    // Prepare
    const clock = new FakeClock();
    const degraded = status('DEGRADED', ['RUNNING', 'SYSTEM_ERROR']);
    const withMessage = { ...degraded, tasks: [degraded.tasks[0], { id: 1, state: 'SYSTEM_ERROR', msg: 'HTTP 503' }] };
    const platform = await restarted([status('PROVISIONING', []), withMessage as typeof degraded]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result).toMatchObject({ result: 'failed', trace: 'task 1 SYSTEM_ERROR: HTTP 503' });
    expect(clock.sleeps).toEqual([5_000, 5_000]);
  });

  it('does not fail on one error poll: a task on its way through RESTARTING may show one', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([
      status('PROVISIONING', []),
      status('DEGRADED', ['RUNNING', 'SYSTEM_ERROR']),
      status('RUNNING', ['RUNNING', 'RESTARTING']),
      status('RUNNING', ['RUNNING', 'RUNNING']),
    ]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result.result).toBe('restarted');
  });

  it('takes the number of error polls from the options', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([status('PROVISIONING', []), status('FAILED', ['USER_ACTIONABLE_ERROR'])]);

    // Act
    const result = await verifyRestart(platform, clock, REF, { ...OPTIONS, errorPolls: 3 });

    // Assess
    expect(result.result).toBe('failed');
    expect(clock.sleeps).toEqual([5_000, 5_000, 5_000]);
  });

  it('still accepts Kafka Connect task state FAILED as an error', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([status('PROVISIONING', []), status('RUNNING', ['RUNNING', 'FAILED'])]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result.result).toBe('failed');
  });

  it('does not count an error reading from before the restart (not settled yet) towards the error polls', async () => {
    // Prepare: the first reading is the stale FAILED from before the restart, then it comes back.
    const clock = new FakeClock();
    const platform = await restarted([
      status('FAILED', ['SYSTEM_ERROR']),
      status('PROVISIONING', ['RESTARTING']),
      status('RUNNING', ['RUNNING']),
    ]);

    // Act
    const result = await verifyRestart(platform, clock, REF, { ...OPTIONS, errorPolls: 1 });

    // Assess
    expect(result.result).toBe('restarted');
  });

  it('waits through DEGRADED while a task is only UNASSIGNED', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([
      status('PROVISIONING', []),
      status('DEGRADED', ['RUNNING', 'UNASSIGNED']),
      status('DEGRADED', ['RUNNING', 'UNASSIGNED']),
      status('RUNNING', ['RUNNING', 'RUNNING']),
    ]);

    // Act
    const result = await verifyRestart(platform, clock, REF, OPTIONS);

    // Assess
    expect(result.result).toBe('restarted');
  });

  it('fails a restart whose task stays UNASSIGNED longer than unassignedMs, naming the task', async () => {
    // Prepare
    const clock = new FakeClock();
    const platform = await restarted([status('PROVISIONING', []), status('DEGRADED', ['RUNNING', 'UNASSIGNED'])]);

    // Act
    const result = await verifyRestart(platform, clock, REF, { ...OPTIONS, unassignedMs: 15_000 });

    // Assess
    expect(result).toMatchObject({ result: 'failed', trace: 'task 1 UNASSIGNED (awaiting a worker) for 15 s' });
    expect(clock.sleeps.reduce((a, b) => a + b, 0)).toBe(20_000);
  });
});
