import { failureTrace, isFailed, isHealthy } from '#core/connector';
import { status } from '#test-helpers/fake-platform';

describe('isHealthy', () => {
  it('holds for RUNNING with every task RUNNING', () => {
    // Prepare
    const running = status('RUNNING', ['RUNNING', 'RUNNING']);

    // Act
    const healthy = isHealthy(running);

    // Assess
    expect(healthy).toBe(true);
  });

  it('does not hold for a RUNNING connector with no tasks: it is still provisioning', () => {
    // Prepare
    const noTasks = status('RUNNING', []);

    // Act
    const healthy = isHealthy(noTasks);

    // Assess
    expect(healthy).toBe(false);
  });

  it('does not hold while a task is not RUNNING, or the connector is not', () => {
    // Prepare
    const taskUnassigned = status('RUNNING', ['RUNNING', 'UNASSIGNED']);
    const connectorDegraded = status('DEGRADED', ['RUNNING']);

    // Act
    const verdicts = [isHealthy(taskUnassigned), isHealthy(connectorDegraded)];

    // Assess
    expect(verdicts).toEqual([false, false]);
  });
});

describe('isFailed', () => {
  it('holds when the connector or any one task is FAILED, not otherwise', () => {
    // Prepare
    const connectorFailed = status('FAILED', []);
    const oneTaskFailed = status('RUNNING', ['RUNNING', 'FAILED']);
    const provisioning = status('PROVISIONING', ['UNASSIGNED']);

    // Act
    const verdicts = [isFailed(connectorFailed), isFailed(oneTaskFailed), isFailed(provisioning)];

    // Assess
    expect(verdicts).toEqual([true, true, false]);
  });
});

describe('failureTrace', () => {
  it('puts the connector trace first, then each task in error with its state', () => {
    // Prepare
    const failed = {
      state: 'FAILED',
      trace: 'Login failed for user app',
      tasks: [{ id: 0, state: 'FAILED', msg: 'task trace' }],
    };

    // Act
    const trace = failureTrace(failed);

    // Assess
    expect(trace).toBe('Login failed for user app\ntask 0 FAILED: task trace');
  });

  it("lists the error tasks' messages, grouped by state and message, leaving out tasks not in error", () => {
    // Prepare
    const failed = {
      state: 'RUNNING',
      tasks: [
        { id: 0, state: 'SYSTEM_ERROR', msg: 'connection refused' },
        { id: 1, state: 'RUNNING', msg: 'fine' },
        { id: 2, state: 'FAILED' },
        { id: 3, state: 'USER_ACTIONABLE_ERROR', msg: 'timeout' },
        { id: 4, state: 'SYSTEM_ERROR', msg: 'connection refused' },
      ],
    };

    // Act
    const trace = failureTrace(failed);

    // Assess
    expect(trace).toBe('tasks 0, 4 SYSTEM_ERROR: connection refused\ntask 3 USER_ACTIONABLE_ERROR: timeout');
  });

  it('is undefined when nothing says why', () => {
    // Prepare
    const failed = status('FAILED', ['FAILED']);

    // Act
    const trace = failureTrace(failed);

    // Assess
    expect(trace).toBeUndefined();
  });
});
