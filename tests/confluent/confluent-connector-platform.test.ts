import type { ConfluentCluster } from '#confluent/confluent-client';
import {
  type ConfluentApi,
  ConfluentConnectorPlatform,
  type ConfluentConnectorPlatformOptions,
  restartFallbackFor,
} from '#confluent/confluent-connector-platform';
import { type ConfluentApiError, ConfluentNetworkError, errorFromResponse } from '#confluent/confluent-errors';
import {
  ClusterNotFoundError,
  ConnectorAlreadyPausedError,
  PauseTimeoutError,
  RestartPermissionError,
} from '#confluent/platform-errors';
import type { ConnectorStatus } from '#core/connector';
import type { ConnectorRef } from '#core/connector-ref';
import type { PauseRecorder } from '#core/ports';
import { FakeClock } from '#test-helpers/fake-clock';

const ORDERS: ConnectorRef = { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' };
const OUTBOX: ConnectorRef = { ...ORDERS, name: 'orders-outbox' };
const PAYMENTS: ConnectorRef = { environmentId: 'env-prod01', clusterId: 'lkc-pay01', name: 'payments-http-sink' };

/** A PauseRecorder that logs into the same call list as the API, so the order of record and pause is visible. */
function recorder(calls: string[]): PauseRecorder {
  return {
    async pausing() {
      calls.push('record pausedByReloader');
    },
    async released() {
      calls.push('clear pausedByReloader');
    },
  };
}

function apiError(status: number, operation = 'restart'): ConfluentApiError {
  return errorFromResponse({ operation, status, bodyText: JSON.stringify({ error: { code: status, message: 'x' } }) });
}

function running(): ConnectorStatus {
  return { state: 'RUNNING', tasks: [{ id: 0, state: 'RUNNING' }] };
}

function paused(): ConnectorStatus {
  return { state: 'PAUSED', tasks: [{ id: 0, state: 'PAUSED' }] };
}

/**
 * A stand-in for the Confluent API: scripted restart answers, statuses served in order (the last one repeats),
 * and a log of the lifecycle calls.
 */
class FakeApi implements ConfluentApi {
  readonly calls: string[] = [];
  restartAnswers: Array<Error | 'accepted'> = [];
  statuses: Array<ConnectorStatus | Error> = [running()];
  pauseError: Error | undefined;
  resumeError: Error | undefined;
  clustersByEnvironment: Record<string, ConfluentCluster[]> = {};
  environments = ['env-prod01', 'env-stage01'];

  async listEnvironments() {
    this.calls.push('list-environments');
    return this.environments.map((id) => ({ id }));
  }
  async listClusters(environmentId: string) {
    this.calls.push(`list-clusters ${environmentId}`);
    return this.clustersByEnvironment[environmentId] ?? [];
  }
  async listConnectors() {
    return [];
  }
  async getStatus() {
    this.calls.push('status');
    const next = this.statuses.length > 1 ? this.statuses.shift() : this.statuses[0];
    if (next === undefined) throw new Error('no status scripted');
    if (next instanceof Error) throw next;
    return next;
  }
  async restart() {
    this.calls.push('restart');
    const answer = this.restartAnswers.shift() ?? 'accepted';
    if (answer instanceof Error) throw answer;
  }
  async pause() {
    this.calls.push('pause');
    if (this.pauseError) throw this.pauseError;
  }
  async resume() {
    this.calls.push('resume');
    if (this.resumeError) throw this.resumeError;
  }
}

function platformWith(api: FakeApi, options: Partial<ConfluentConnectorPlatformOptions> = {}) {
  const clock = new FakeClock();
  const platform = new ConfluentConnectorPlatform({ client: api, clock, pollIntervalMs: 1000, ...options });
  return { platform, clock };
}

function cluster(environmentId: string, clusterId: string): ConfluentCluster {
  return { environmentId, clusterId, cloud: 'aws', region: 'us-east-1', kind: 'Dedicated' };
}

describe('restartFallbackFor (the fallback decision table)', () => {
  it.each([
    [403, 'fall-back'],
    [405, 'fall-back'],
    [501, 'fall-back'],
    [404, 'fall-back-if-connector-exists'],
    [400, 'rethrow'],
    [401, 'rethrow'],
    [409, 'rethrow'],
    [429, 'rethrow'],
    [500, 'rethrow'],
    [503, 'rethrow'],
  ])('restart answered %i → %s', (status, expected) => {
    // Prepare
    const error = apiError(status);

    // Act
    const decision = restartFallbackFor(error);

    // Assess
    expect(decision).toBe(expected);
  });

  it('rethrows transport and unknown errors', () => {
    // Prepare
    const errors = [new ConfluentNetworkError({ operation: 'restart' }, 'reset'), new Error('bug')];

    // Act
    const decisions = errors.map(restartFallbackFor);

    // Assess
    expect(decisions).toEqual(['rethrow', 'rethrow']);
  });
});

describe('ConfluentConnectorPlatform.listClusters', () => {
  it('discovers every environment and its clusters when no scope is set', async () => {
    // Prepare
    const api = new FakeApi();
    api.clustersByEnvironment = {
      'env-prod01': [cluster('env-prod01', 'lkc-orders1'), cluster('env-prod01', 'lkc-pay01')],
      'env-stage01': [cluster('env-stage01', 'lkc-stage01')],
    };
    const { platform } = platformWith(api);

    // Act
    const clusters = await platform.listClusters();

    // Assess
    expect(clusters.map((c) => c.clusterId)).toEqual(['lkc-orders1', 'lkc-pay01', 'lkc-stage01']);
    expect(api.calls).toEqual(['list-environments', 'list-clusters env-prod01', 'list-clusters env-stage01']);
  });

  it('takes named clusters as named, with the cloud their scope gives, at no API call', async () => {
    // Prepare
    const api = new FakeApi();
    const scopes = [
      { environmentId: 'env-prod01', clusterId: 'lkc-pay01', cloud: 'aws' },
      { environmentId: 'env-prod01', clusterId: 'lkc-orders1' },
      { environmentId: 'env-stage01', clusterId: 'lkc-stage01' },
      { environmentId: 'env-prod01', clusterId: 'lkc-pay01', cloud: 'aws' },
    ];
    const { platform } = platformWith(api, { scopes });

    // Act
    const clusters = await platform.listClusters();

    // Assess
    expect(clusters).toEqual([
      { environmentId: 'env-prod01', clusterId: 'lkc-pay01', cloud: 'aws' },
      { environmentId: 'env-prod01', clusterId: 'lkc-orders1' },
      { environmentId: 'env-stage01', clusterId: 'lkc-stage01' },
    ]);
    expect(api.calls).toEqual([]);
  });

  it('describes named clusters on request: cmk/v2 once per environment, only those, with cloud, region and kind', async () => {
    // Prepare
    const api = new FakeApi();
    api.clustersByEnvironment = {
      'env-prod01': [cluster('env-prod01', 'lkc-orders1'), cluster('env-prod01', 'lkc-pay01')],
    };
    const scopes = [
      { environmentId: 'env-prod01', clusterId: 'lkc-pay01' },
      { environmentId: 'env-prod01', clusterId: 'lkc-orders1' },
      { environmentId: 'env-prod01', clusterId: 'lkc-pay01' },
    ];
    const { platform } = platformWith(api, { scopes });

    // Act
    const clusters = await platform.listClusters({ describe: true });

    // Assess
    expect(clusters).toEqual([cluster('env-prod01', 'lkc-pay01'), cluster('env-prod01', 'lkc-orders1')]);
    expect(api.calls).toEqual(['list-clusters env-prod01']);
  });

  it('lists every cluster of an environment named alone, even if another scope names one of its clusters', async () => {
    // Prepare
    const api = new FakeApi();
    api.clustersByEnvironment = {
      'env-prod01': [cluster('env-prod01', 'lkc-orders1'), cluster('env-prod01', 'lkc-pay01')],
      'env-stage01': [cluster('env-stage01', 'lkc-stage01')],
    };
    const scopes = [
      { environmentId: 'env-prod01', clusterId: 'lkc-orders1' },
      { environmentId: 'env-prod01' },
      { environmentId: 'env-stage01' },
    ];
    const { platform } = platformWith(api, { scopes });

    // Act
    const clusters = await platform.listClusters();

    // Assess
    expect(clusters.map((c) => c.clusterId)).toEqual(['lkc-orders1', 'lkc-pay01', 'lkc-stage01']);
    expect(api.calls).toEqual(['list-clusters env-prod01', 'list-clusters env-stage01']);
  });

  it('names a scoped cluster that does not exist when describing', async () => {
    // Prepare
    const api = new FakeApi();
    api.clustersByEnvironment = { 'env-prod01': [cluster('env-prod01', 'lkc-orders1')] };
    const { platform } = platformWith(api, { scopes: [{ environmentId: 'env-prod01', clusterId: 'lkc-gone1' }] });

    // Act
    const result = platform.listClusters({ describe: true });

    // Assess
    await expect(result).rejects.toThrow(ClusterNotFoundError);
    await expect(result).rejects.toThrow(/lkc-gone1.*env-prod01/);
  });
});

describe('ConfluentConnectorPlatform.restart', () => {
  it('auto: uses the restart endpoint when it accepts', async () => {
    // Prepare
    const api = new FakeApi();
    const { platform } = platformWith(api);

    // Act
    const result = await platform.restart(ORDERS);

    // Assess
    expect(result).toEqual({ method: 'restart' });
    expect(api.calls).toEqual(['restart']);
  });

  it.each([403, 405, 501])(
    'auto: falls back to pause/resume on %i and remembers it for later restarts',
    async (status) => {
      // Prepare
      const api = new FakeApi();
      api.restartAnswers = [apiError(status)];
      api.statuses = [running(), running(), paused(), running(), paused()];
      const { platform } = platformWith(api);

      // Act
      const first = await platform.restart(ORDERS);
      const second = await platform.restart(ORDERS);

      // Assess
      expect([first, second]).toEqual([{ method: 'pause-resume' }, { method: 'pause-resume' }]);
      expect(platform.fallsBackToPauseResume(ORDERS)).toBe(true);
      expect(api.calls).toEqual([
        'restart',
        'status',
        'pause',
        'status',
        'status',
        'resume',
        'status',
        'pause',
        'status',
        'resume',
      ]);
    },
  );

  it('auto: falls back on a 404 when the connector exists, reusing the status it read', async () => {
    // Prepare
    const api = new FakeApi();
    api.restartAnswers = [apiError(404)];
    api.statuses = [running(), paused()];
    const { platform } = platformWith(api);

    // Act
    const result = await platform.restart(ORDERS);

    // Assess
    expect(result).toEqual({ method: 'pause-resume' });
    expect(api.calls).toEqual(['restart', 'status', 'pause', 'status', 'resume']);
  });

  it('auto: a 404 for a connector that does not exist is an error, and no fallback is remembered', async () => {
    // Prepare
    const api = new FakeApi();
    const restartNotFound = apiError(404);
    api.restartAnswers = [restartNotFound];
    api.statuses = [apiError(404, 'get-status')];
    const { platform } = platformWith(api);

    // Act
    const result = platform.restart(ORDERS);

    // Assess
    await expect(result).rejects.toBe(restartNotFound);
    expect(api.calls).toEqual(['restart', 'status']);
    expect(platform.fallsBackToPauseResume(ORDERS)).toBe(false);
  });

  it.each([400, 409, 429, 500])('auto: does not fall back on %i', async (status) => {
    // Prepare
    const api = new FakeApi();
    api.restartAnswers = [apiError(status)];
    const { platform } = platformWith(api);

    // Act
    const result = platform.restart(ORDERS);

    // Assess
    await expect(result).rejects.toMatchObject({ status });
    expect(api.calls).toEqual(['restart']);
  });

  it('restart: never falls back', async () => {
    // Prepare
    const api = new FakeApi();
    api.restartAnswers = [apiError(403)];
    const { platform } = platformWith(api, { restartMethod: 'restart' });

    // Act
    const result = platform.restart(ORDERS);

    // Assess
    await expect(result).rejects.toMatchObject({ status: 403 });
    expect(api.calls).toEqual(['restart']);
  });

  it('pause-resume: pauses, polls every pollIntervalMs until PAUSED, then resumes', async () => {
    // Prepare
    const api = new FakeApi();
    api.statuses = [running(), running(), running(), paused()];
    const { platform, clock } = platformWith(api, { restartMethod: 'pause-resume', pollIntervalMs: 1500 });

    // Act
    const result = await platform.restart(ORDERS);

    // Assess
    expect(result).toEqual({ method: 'pause-resume' });
    expect(api.calls).toEqual(['status', 'pause', 'status', 'status', 'status', 'resume']);
    expect(clock.sleeps).toEqual([1500, 1500]);
  });

  it('pause-resume: refuses a connector that is already PAUSED', async () => {
    // Prepare
    const api = new FakeApi();
    api.statuses = [paused()];
    const { platform } = platformWith(api, { restartMethod: 'pause-resume' });

    // Act
    const result = platform.restart(ORDERS);

    // Assess
    await expect(result).rejects.toThrow(ConnectorAlreadyPausedError);
    expect(api.calls).toEqual(['status']);
  });

  it('auto: refuses to pause a connector found PAUSED after a 404', async () => {
    // Prepare
    const api = new FakeApi();
    api.restartAnswers = [apiError(404)];
    api.statuses = [paused()];
    const { platform } = platformWith(api);

    // Act
    const result = platform.restart(ORDERS);

    // Assess
    await expect(result).rejects.toThrow(ConnectorAlreadyPausedError);
    expect(api.calls).toEqual(['restart', 'status']);
  });

  it('pause-resume: times out after pauseTimeoutMs, still sends a resume, and says so', async () => {
    // Prepare
    const api = new FakeApi();
    api.statuses = [running()];
    const { platform, clock } = platformWith(api, {
      restartMethod: 'pause-resume',
      pauseTimeoutMs: 5000,
      pollIntervalMs: 2000,
    });

    // Act
    const result = platform.restart(ORDERS);

    // Assess
    await expect(result).rejects.toThrow(PauseTimeoutError);
    await expect(result).rejects.toMatchObject({ lastState: 'RUNNING', resumeSent: true, timeoutMs: 5000 });
    expect(clock.sleeps).toEqual([2000, 2000, 1000]);
    expect(api.calls.at(-1)).toBe('resume');
    expect(api.calls.filter((call) => call === 'pause')).toHaveLength(1);
  });

  it('pause-resume: resumes after a pause whose outcome is unknown, then reports the pause failure', async () => {
    // Prepare
    const api = new FakeApi();
    const pauseFailure = new ConfluentNetworkError({ operation: 'pause' }, 'reset');
    api.pauseError = pauseFailure;
    const { platform } = platformWith(api, { restartMethod: 'pause-resume' });

    // Act
    const result = platform.restart(ORDERS);

    // Assess
    await expect(result).rejects.toBe(pauseFailure);
    expect(api.calls).toEqual(['status', 'pause', 'resume']);
  });

  it('auto: a 403 in one cluster switches only that cluster to pause/resume, not the process', async () => {
    // Prepare
    const api = new FakeApi();
    api.restartAnswers = [apiError(403), 'accepted'];
    api.statuses = [running(), paused(), running(), paused()];
    const { platform } = platformWith(api);

    // Act
    const first = await platform.restart(ORDERS);
    const otherCluster = await platform.restart(PAYMENTS);
    const sameCluster = await platform.restart(OUTBOX);

    // Assess
    expect([first, otherCluster, sameCluster]).toEqual([
      { method: 'pause-resume' },
      { method: 'restart' },
      { method: 'pause-resume' },
    ]);
    expect(api.calls.filter((call) => call === 'restart')).toHaveLength(2);
    expect(platform.fallsBackToPauseResume(ORDERS)).toBe(true);
    expect(platform.fallsBackToPauseResume(PAYMENTS)).toBe(false);
  });

  it('auto: restart and pause both 403 is a permission error naming the role needed, with no resume and no retry', async () => {
    // Prepare
    const api = new FakeApi();
    api.restartAnswers = [apiError(403)];
    api.pauseError = apiError(403, 'pause');
    const { platform } = platformWith(api);

    // Act
    const result = platform.restart(ORDERS, { pauses: recorder(api.calls) });

    // Assess
    await expect(result).rejects.toThrow(RestartPermissionError);
    await expect(result).rejects.toMatchObject({ status: 403, retryable: false, refused: ['restart', 'pause'] });
    await expect(result).rejects.toThrow(
      /may not restart nor pause it \(403 Forbidden\)\. Restarting it needs a Cloud API key of a service account with the ConnectManager role \(or higher\) on the cluster lkc-orders1/,
    );
    expect(api.calls).toEqual(['restart', 'status', 'record pausedByReloader', 'pause', 'clear pausedByReloader']);
    expect(platform.fallsBackToPauseResume(ORDERS)).toBe(false);
  });

  it('pause-resume: a 403 on pause is a permission error; restart: a 403 is one too', async () => {
    // Prepare
    const pauseApi = new FakeApi();
    pauseApi.pauseError = apiError(403, 'pause');
    const restartApi = new FakeApi();
    restartApi.restartAnswers = [apiError(403)];

    // Act
    const pauseOnly = platformWith(pauseApi, { restartMethod: 'pause-resume' }).platform.restart(ORDERS);
    const restartOnly = platformWith(restartApi, { restartMethod: 'restart' }).platform.restart(ORDERS);

    // Assess
    await expect(pauseOnly).rejects.toMatchObject({ name: 'RestartPermissionError', refused: ['pause'] });
    await expect(restartOnly).rejects.toMatchObject({ name: 'RestartPermissionError', refused: ['restart'] });
    expect(pauseApi.calls).toEqual(['status', 'pause']);
    expect(restartApi.calls).toEqual(['restart']);
  });

  it('pause-resume: records the pause before pausing and clears it once the resume is accepted', async () => {
    // Prepare
    const api = new FakeApi();
    api.statuses = [running(), paused()];
    const { platform } = platformWith(api, { restartMethod: 'pause-resume' });

    // Act
    await platform.restart(ORDERS, { pauses: recorder(api.calls) });

    // Assess
    expect(api.calls).toEqual([
      'status',
      'record pausedByReloader',
      'pause',
      'status',
      'resume',
      'clear pausedByReloader',
    ]);
  });

  it('pause-resume: a fault between pause and resume leaves the pause recorded (the connector is PAUSED by us)', async () => {
    // Prepare
    const api = new FakeApi();
    api.statuses = [running(), paused()];
    const fault = new ConfluentNetworkError({ operation: 'resume' }, 'connection reset');
    api.resumeError = fault;
    const { platform } = platformWith(api, { restartMethod: 'pause-resume' });

    // Act
    const result = platform.restart(ORDERS, { pauses: recorder(api.calls) });

    // Assess
    await expect(result).rejects.toBe(fault);
    expect(api.calls).toEqual(['status', 'record pausedByReloader', 'pause', 'status', 'resume']);
  });

  it('resume: a 403 is a permission error that says the connector stays PAUSED', async () => {
    // Prepare
    const api = new FakeApi();
    api.resumeError = apiError(403, 'resume');
    const { platform } = platformWith(api);

    // Act
    const result = platform.resume(ORDERS);

    // Assess
    await expect(result).rejects.toThrow(/may not resume it \(403 Forbidden\); it is left PAUSED by the reloader/);
  });
});
