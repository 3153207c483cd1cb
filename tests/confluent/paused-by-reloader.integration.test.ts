import { ConfluentClient } from '#confluent/confluent-client';
import { type ConfluentApi, ConfluentConnectorPlatform } from '#confluent/confluent-connector-platform';
import { ConfluentHttp } from '#confluent/confluent-http';
import { ConnectorLeases } from '#core/connector-lease';
import { silentLogger } from '#core/ports';
import { RecoverFailedConnectors } from '#core/recover-failed-connectors';
import { MINUTE_MS } from '#core/restart-budget';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import { MemoryStateStore } from '#state/memory-state-store';
import { FakeClock } from '#test-helpers/fake-clock';
import { EMULATOR_CREDENTIALS } from './support/emulator-platform';

/**
 * "Never orphan a connector the reloader paused", against the emulator over real HTTP (simulated clock). The restart
 * endpoint is forbidden on the cluster (RBAC), so `auto` restarts by pause/resume; the fault strikes between the
 * pause and the resume: the process dies (the resume call never completes), or the resume is refused.
 */
const STAGE = { environmentId: 'env-stage01', clusterId: 'lkc-stage01' };
const DATAGEN = { ...STAGE, name: 'stage-datagen' };
const DATAGEN_KEY = 'env-stage01/lkc-stage01/stage-datagen';

let emulator: ConfluentEmulator;
let clock: FakeClock;

beforeEach(async () => {
  clock = new FakeClock(Date.parse('2026-12-01T09:00:00Z'));
  emulator = await startConfluentEmulator({
    now: () => clock.now().getTime(),
    statusLagMs: 2_000,
    provisioningMs: 20_000,
    pauseMs: 5_000,
  });
  emulator.control.forbid('env-stage01/lkc-stage01', ['restart']);
});

afterEach(async () => {
  await emulator.close();
});

/** The seeded stage-datagen is FAILED; the sweep restarts it. `dies` makes the resume call throw, as a crash would. */
function sweeper(store: MemoryStateStore, options: { dies?: boolean } = {}) {
  const http = new ConfluentHttp({
    baseUrl: emulator.url,
    credentials: EMULATOR_CREDENTIALS,
    clock,
    retry: { maxRetries: 0 },
    gate: { requestsPerSecond: Number.POSITIVE_INFINITY, maxConcurrent: 8 },
  });
  const real = new ConfluentClient(http);
  const client: ConfluentApi = {
    listEnvironments: () => real.listEnvironments(),
    listClusters: (environmentId) => real.listClusters(environmentId),
    listConnectors: (environmentId, clusterId) => real.listConnectors(environmentId, clusterId),
    getStatus: (ref) => real.getStatus(ref),
    restart: (ref) => real.restart(ref),
    pause: (ref) => real.pause(ref),
    resume: async (ref) => {
      if (options.dies) throw new Error('Task timed out after 900.00 seconds (injected between pause and resume)');
      await real.resume(ref);
    },
  };
  const platform = new ConfluentConnectorPlatform({
    client,
    scopes: [STAGE],
    clock,
    pollIntervalMs: 2_000,
    pauseTimeoutMs: 60_000,
  });
  return new RecoverFailedConnectors(
    {
      platform,
      leases: new ConnectorLeases(store, clock, { owner: 'sweep', lockTtlMs: 15 * MINUTE_MS, retentionMs: 86_400_000 }),
      clock,
      logger: silentLogger,
    },
    {
      dryRun: false,
      maxAutoRestarts: 7,
      budgetRearmMs: 0,
      maintenanceWindows: [],
      exclusions: [],
      restartConcurrency: 4,
      verify: { timeoutMs: 10 * MINUTE_MS, pollIntervalMs: 10_000, settleMs: 30_000 },
    },
  );
}

describe('a fault between pause and resume (emulator, simulated clock)', () => {
  it('leaves the connector PAUSED with pausedByReloader; the next sweep resumes it and verifies it RUNNING', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const crashed = await sweeper(store, { dies: true }).sweep();
    const left = emulator.control.connector(DATAGEN_KEY);
    const recorded = (await store.read(DATAGEN_KEY))?.record;

    // Act
    const next = await sweeper(store).sweep();

    // Assess
    expect(crashed.outcomes).toEqual([expect.objectContaining({ connector: DATAGEN, result: 'restart-error' })]);
    expect(left).toMatchObject({ state: 'PAUSED', pauses: 1, resumes: 0 });
    expect(recorded?.pausedByReloader).toMatchObject({ operation: 'recover failed (attempt 1)' });
    expect(next.outcomes).toEqual([
      expect.objectContaining({ connector: DATAGEN, result: 'restarted', method: 'resume' }),
    ]);
    expect(emulator.control.connector(DATAGEN_KEY)).toMatchObject({ state: 'RUNNING', pauses: 1, resumes: 1 });
    expect((await store.read(DATAGEN_KEY))?.record.pausedByReloader).toBeUndefined();
  });

  it('keeps the record when the resume is refused (403), says so, and resumes once allowed', async () => {
    // Prepare
    const store = new MemoryStateStore();
    emulator.control.forbid(DATAGEN_KEY, ['resume']);
    const refused = await sweeper(store).sweep();
    emulator.control.allow(DATAGEN_KEY);

    // Act
    const next = await sweeper(store).sweep();

    // Assess
    expect(refused.outcomes[0]).toMatchObject({ result: 'restart-error' });
    expect(refused.outcomes[0]?.detail).toMatch(
      /may not resume it \(403 Forbidden\); it is left PAUSED by the reloader/,
    );
    expect(next.outcomes[0]).toMatchObject({ result: 'restarted', method: 'resume' });
    expect(emulator.control.connector(DATAGEN_KEY).state).toBe('RUNNING');
  });

  it('leaves a connector a person paused (no record) alone', async () => {
    // Prepare
    const store = new MemoryStateStore();
    const sweep = sweeper(store);
    await sweep.sweep();
    const person = await fetch(
      `${emulator.url}/connect/v1/environments/env-stage01/clusters/lkc-stage01/connectors/stage-datagen/pause`,
      {
        method: 'PUT',
        headers: { authorization: `Basic ${Buffer.from('local-api-key:local-api-secret').toString('base64')}` },
      },
    );
    clock.advance(10_000);

    // Act
    const report = await sweep.sweep();

    // Assess
    expect(person.status).toBe(202);
    expect(report.outcomes).toEqual([
      expect.objectContaining({ connector: DATAGEN, result: 'skipped', reason: 'paused' }),
    ]);
    expect(emulator.control.connector(DATAGEN_KEY)).toMatchObject({ state: 'PAUSED', resumes: 1 });
  });
});
