import { EXIT, main } from '#cli/main';
import { ConnectorLeases } from '#core/connector-lease';
import type { ConnectorRecord, StateStore } from '#core/ports';
import { systemClock } from '#core/ports';
import type { EmulatorControl } from '#local/confluent-emulator/index';
import { capturedOutput } from '#test-helpers/captured-output';

/**
 * The CLI on the deployed functions' state, one scenario set for every cloud: each cloud's test file starts its
 * emulators (dynalite, Azurite or the local GCS, the Confluent emulator, its secret manager), loads the real
 * handlers, and hands them over as a DeployedCloud. Every scenario drives the CLI through `main` and the functions
 * through their real handlers, and asserts on the emulator and on the store the functions use.
 */
export interface DeliveredOutcome {
  readonly connector: string;
  readonly result: string;
  readonly reason?: string;
  /** The skip detail, where the cloud's outcome channel carries it. */
  readonly detail?: string;
}

export interface HeldRotation {
  readonly version: string;
  /** The cloud's event for it, not yet delivered to the rotation function. */
  readonly event: unknown;
}

export interface DeployedCloud {
  readonly confluent: EmulatorControl;
  /** The state store adapter the functions use, over the emulator they use. */
  readonly store: StateStore;
  /** The secret as a person would give it to the CLI (a bare name on AWS, the Key Vault URI on Azure, by project id on GCP). */
  readonly cliSecret: string;
  /** The key versions are recorded under (secretIdentityKey of the secret as the provider resolves it). */
  readonly secretKey: string;
  /** Connectors that depend on the secret and are RUNNING; the first one is the one a function gets to hold. */
  readonly dependents: readonly string[];
  /** A PAUSED connector that depends on the secret, where the estate has one. */
  readonly paused?: string;
  /** A connector pinned to an older version of the secret, where the estate has one: never on the new credential. */
  readonly pinned?: string;
  /** Writes a new version; its event is held back from the rotation function. */
  rotate(): Promise<HeldRotation>;
  /** The rotation function, given a held event as its trigger would. */
  deliverRotation(rotation: HeldRotation): Promise<DeliveredOutcome[]>;
  /** The scheduled sweep of failed connectors. */
  sweep(): Promise<DeliveredOutcome[]>;
  /** Everything the CLI and the functions printed or logged, for the canary check. */
  readonly everythingPrinted: () => string;
  readonly canaries: readonly string[];
}

/** Connectors no rotation here touches, for the operator verbs. */
const RESTARTED_BY_HAND = 'env-prod01/lkc-orders1/orders-datagen';
const STRANDED = 'env-prod01/lkc-pay01/crm-sync';
const KEEPS_FAILING = 'env-prod01/lkc-pay01/payments-http-sink';
const WIDTH = 120;

async function cli(args: string[]) {
  const { output, chunks } = capturedOutput();
  const code = await main(args, output);
  printed.push(chunks.out, chunks.err);
  return { code, out: chunks.out, err: chunks.err, json: () => JSON.parse(chunks.out) };
}
const printed: string[] = [];

const widest = (text: string) => Math.max(...text.split('\n').map((line) => [...line].length));

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function describeCliOnDeployedState(name: string, start: () => Promise<DeployedCloud>) {
  describe(`CLI on the deployed state (${name})`, () => {
    let cloud: DeployedCloud;
    const record = async (key: string): Promise<ConnectorRecord | undefined> =>
      (await cloud.store.read(key))?.record ?? undefined;
    const restarts = (key: string) => cloud.confluent.connector(key).restarts;
    const coverageOf = (json: { connectors: { connector: Record<string, string>; coverage: string }[] }) =>
      Object.fromEntries(
        json.connectors.map((row) => [
          `${row.connector.environmentId}/${row.connector.clusterId}/${row.connector.name}`,
          row.coverage,
        ]),
      );

    beforeAll(async () => {
      cloud = await start();
    });

    afterAll(() => {
      const everything = printed.join('\n') + cloud.everythingPrinted();
      for (const canary of cloud.canaries) expect(everything).not.toContain(canary);
    });

    it('reload leaves the connector a function holds the lock on to it, restart refuses it, status --secret says in flight', async () => {
      // Prepare: the sweep restarts a FAILED dependent and is still verifying it (a slow start) when the secret rotates.
      const [held = '', ...others] = cloud.dependents;
      cloud.confluent.failConnector(held);
      cloud.confluent.setSlowStart(held, true);
      const restartsBefore = restarts(held);
      const sweeping = cloud.sweep();
      const lock = await waitFor(async () => (await record(held))?.lock, `the sweep's lock on ${held}`);
      // The sweep takes the lock before it asks for the restart: rotate only once that restart was accepted, or the
      // sweep's restart may come after the new version and rightly cover it.
      await waitFor(
        async () => (restarts(held) > restartsBefore ? true : undefined),
        `the sweep's restart of ${held} accepted`,
      );
      const rotation = await cloud.rotate();
      const before = Object.fromEntries(cloud.dependents.map((key) => [key, restarts(key)]));

      // Act
      const reload = await cli(['reload', '--secret', cloud.cliSecret, '--yes', '--json']);
      const coverage = await cli(['status', '--secret', cloud.cliSecret, '--json']);
      const restart = await cli(['restart', held, '--yes', '--json']);
      cloud.confluent.setSlowStart(held, false);
      const swept = await sweeping;

      // Assess
      expect(lock.operation).toMatch(/^recover failed/);
      expect(reload.code).toBe(EXIT.ok);
      const outcomes = Object.fromEntries(
        reload
          .json()
          .outcomes.map((o: { connector: Record<string, string>; result: string; reason?: string }) => [
            `${o.connector.environmentId}/${o.connector.clusterId}/${o.connector.name}`,
            o.reason ?? o.result,
          ]),
      );
      expect(outcomes).toMatchObject({
        [held]: 'in-flight',
        ...Object.fromEntries(others.map((k) => [k, 'restarted'])),
      });
      for (const key of others) expect(restarts(key)).toBe((before[key] ?? 0) + 1);
      expect(coverage.code).toBe(EXIT.failed);
      expect(coverageOf(coverage.json())).toMatchObject({
        [held]: 'in flight',
        ...Object.fromEntries(others.map((key) => [key, 'covered'])),
      });
      expect(restart.code).toBe(EXIT.failed);
      expect(restart.json()).toMatchObject({ result: 'skipped', reason: 'in-flight' });
      // The sweep's restart began before the rotation, so the connector came back holding the old credential: the
      // emulator, as Confluent, reports USER_ACTIONABLE_ERROR.
      expect(swept).toContainEqual(expect.objectContaining({ connector: held, result: 'failed', attempt: 1 }));

      // The reload left word for the sweep (pending-versions.ts): releasing its lock, the sweep restarted the connector
      // once more for the new version, so the function's later delivery of the rotation finds everyone covered.
      expect(restarts(held)).toBe((before[held] ?? 0) + 1);
      expect(cloud.confluent.connector(held).state).toBe('RUNNING');
      const after = await cli(['status', '--secret', cloud.cliSecret, '--json']);
      expect(coverageOf(after.json())[held]).toBe('covered');
      const delivered = await cloud.deliverRotation(rotation);
      expect(delivered.filter((o) => o.result === 'restarted')).toEqual([]);
      expect(delivered).toContainEqual(expect.objectContaining({ connector: held, reason: 'already-covered' }));
    });

    it('records the version where the function reads it: its later delivery of that rotation restarts nothing', async () => {
      // Prepare
      const rotation = await cloud.rotate();
      const reload = await cli(['reload', '--secret', cloud.cliSecret, '--yes', '--json']);
      const after = cloud.dependents.map(restarts);

      // Act
      const delivered = await cloud.deliverRotation(rotation);

      // Assess
      expect(reload.code).toBe(EXIT.ok);
      expect(cloud.dependents.map(restarts)).toEqual(after);
      expect(delivered.filter((o) => o.result !== 'skipped')).toEqual([]);
      for (const key of cloud.dependents) {
        expect(delivered).toContainEqual(expect.objectContaining({ connector: key, reason: 'already-covered' }));
        expect((await record(key))?.appliedVersions?.[cloud.secretKey]).toBe(rotation.version);
      }
      const detailed = delivered.filter((o) => o.detail !== undefined && o.reason === 'already-covered');
      for (const outcome of detailed)
        expect(outcome.detail).toBe(`version ${rotation.version} was already applied to this connector`);
    });

    it("plan --secret reads the function's record: would restart before its delivery, already applied after it", async () => {
      // Prepare
      const rotation = await cloud.rotate();
      const planOf = async () => {
        const planned = await cli(['plan', '--secret', cloud.cliSecret, '--json']);
        expect(planned.code).toBe(EXIT.ok);
        const targets = planned.json().targets as {
          connector: Record<string, string>;
          decision: { action: string; reason?: string; detail?: string };
        }[];
        return Object.fromEntries(
          targets.map((t) => [`${t.connector.environmentId}/${t.connector.clusterId}/${t.connector.name}`, t.decision]),
        );
      };
      cloud.confluent.resetRequests();

      // Act
      const before = await planOf();
      const planRequests = cloud.confluent.requests();
      const delivered = await cloud.deliverRotation(rotation);
      const after = await planOf();

      // Assess: a plan changes nothing; the version the function recorded is the one the CLI reads.
      expect(planRequests.filter((request) => request.method !== 'GET')).toEqual([]);
      for (const key of cloud.dependents) {
        expect(before[key]).toMatchObject({ action: 'skip', reason: 'dry-run' });
        expect(delivered).toContainEqual(expect.objectContaining({ connector: key, result: 'restarted' }));
        expect(after[key]).toEqual({
          action: 'skip',
          reason: 'already-covered',
          detail: `version ${rotation.version} was already applied to this connector`,
        });
      }
    });

    it('status --secret: stale after a rotation, covered once reloaded; one summary line, and the exit code says it', async () => {
      // Prepare
      await cloud.rotate();

      // Act
      const staleJson = await cli(['status', '--secret', cloud.cliSecret, '--json']);
      const staleTable = await cli(['status', '--secret', cloud.cliSecret]);
      await cli(['reload', '--secret', cloud.cliSecret, '--yes', '--json']);
      const coveredJson = await cli(['status', '--secret', cloud.cliSecret, '--json']);
      const coveredTable = await cli(['status', '--secret', cloud.cliSecret]);

      // Assess
      const pausedRow = {
        ...(cloud.paused ? { [cloud.paused]: 'paused' } : {}),
        ...(cloud.pinned ? { [cloud.pinned]: 'pinned version' } : {}),
      };
      const everyoneCanBeCovered = !cloud.paused && !cloud.pinned;
      expect(staleJson.code).toBe(EXIT.failed);
      expect(coverageOf(staleJson.json())).toEqual({
        ...Object.fromEntries(cloud.dependents.map((key) => [key, 'stale'])),
        ...pausedRow,
      });
      expect(staleTable.out.trim().split('\n').at(-1)).toMatch(
        /^no: not everyone is on version \S+: 0 of \d+ covered; /,
      );
      expect(coverageOf(coveredJson.json())).toEqual({
        ...Object.fromEntries(cloud.dependents.map((key) => [key, 'covered'])),
        ...pausedRow,
      });
      expect(coveredJson.json().everyoneCovered).toBe(everyoneCanBeCovered);
      expect(coveredJson.code).toBe(everyoneCanBeCovered ? EXIT.ok : EXIT.failed);
      const summary = coveredTable.out.trim().split('\n').at(-1);
      if (cloud.paused) expect(summary).toMatch(/^no: not everyone is on version \S+: \d+ of \d+ covered; 1 paused$/);
      else if (cloud.pinned) {
        expect(summary).toMatch(/^no: not everyone is on version \S+: \d+ of \d+ covered; 1 pinned version$/);
      } else expect(summary).toMatch(/^yes: everyone is on version \S+, \d+ of \d+ connectors covered$/);
      for (const table of [staleTable, coveredTable]) expect(widest(table.out)).toBeLessThanOrEqual(WIDTH);
      expect(staleTable.err).toBe('');
    });

    it('restart: asks first (refuses without a terminal), then restarts under the lock, verifies and records it', async () => {
      // Prepare
      const before = restarts(RESTARTED_BY_HAND);

      // Act
      const refused = await cli(['restart', RESTARTED_BY_HAND]);
      const done = await cli(['restart', RESTARTED_BY_HAND, '--yes', '--json']);
      const table = await cli(['restart', RESTARTED_BY_HAND, '--yes']);

      // Assess
      expect(refused.code).toBe(EXIT.usage);
      expect(refused.err.trim()).toBe('error: not a terminal: pass --yes to restart without asking');
      expect(done.code).toBe(EXIT.ok);
      expect(done.json()).toMatchObject({ result: 'restarted', stateBefore: 'RUNNING', method: 'restart' });
      expect(restarts(RESTARTED_BY_HAND)).toBe(before + 2);
      const stored = await record(RESTARTED_BY_HAND);
      expect(stored?.lock).toBeUndefined();
      expect(stored?.lastRestartAt).toBeGreaterThan(Date.now() - 60_000);
      expect(table.out).toContain('restarted + verified RUNNING');
      expect(widest(table.out)).toBeLessThanOrEqual(WIDTH);
    });

    it('unlock shows who holds a stranded lock and clears it, so the sweep recovers the connector again', async () => {
      // Prepare: an invocation took the lock and died; its connector then failed.
      const crashed = new ConnectorLeases(cloud.store, systemClock, {
        owner: 'a1b2c3d4-request-that-died:5e6f',
        lockTtlMs: 900_000,
        retentionMs: 86_400_000,
      });
      await crashed.acquire(STRANDED, 'recover failed (attempt 1)', () => undefined);
      cloud.confluent.failConnector(STRANDED);
      const blocked = await cloud.sweep();

      // Act
      const refused = await cli(['unlock', STRANDED]);
      const shown = await cli(['unlock', STRANDED, '--yes']);
      const again = await cli(['unlock', STRANDED, '--yes', '--json']);
      const recovered = await cloud.sweep();

      // Assess
      expect(blocked).toContainEqual(expect.objectContaining({ connector: STRANDED, reason: 'in-flight' }));
      expect(refused.code).toBe(EXIT.usage);
      expect(refused.err.trim()).toBe('error: not a terminal: pass --yes to clear the lock without asking');
      expect(shown.code).toBe(EXIT.ok);
      expect(shown.out).toContain('a1b2c3d4-request-that-died:5e6f');
      expect(shown.out).toContain('recover failed (attempt 1)');
      expect(shown.out).toMatch(/expires\s+│ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in 15 min\)/);
      expect(shown.out.trim().split('\n').at(-1)).toBe('lock cleared');
      expect(widest(shown.out)).toBeLessThanOrEqual(WIDTH);
      expect(again.json()).toEqual({
        connector: expect.objectContaining({ name: 'crm-sync' }),
        lock: null,
        cleared: false,
      });
      expect((await record(STRANDED))?.lock).toBeUndefined();
      expect(recovered).toContainEqual(expect.objectContaining({ connector: STRANDED, result: 'restarted' }));
    });

    it('budget show tells the restarts used and the backoff; budget reset gives the budget back to the sweep', async () => {
      // Prepare: a connector that fails again after every restart, restarted once by the sweep.
      cloud.confluent.setAlwaysFails(KEEPS_FAILING, true);
      cloud.confluent.failConnector(KEEPS_FAILING);
      try {
        const first = await cloud.sweep();
        const backoff = await cloud.sweep();

        // Act
        const shown = await cli(['budget', 'show', KEEPS_FAILING, '--json']);
        const table = await cli(['budget', 'show', KEEPS_FAILING]);
        const refused = await cli(['budget', 'reset', KEEPS_FAILING]);
        const reset = await cli(['budget', 'reset', KEEPS_FAILING, '--yes', '--json']);
        const afterReset = await cloud.sweep();

        // Assess
        expect(first).toContainEqual(
          expect.objectContaining({ connector: KEEPS_FAILING, result: 'failed', attempt: 1 }),
        );
        expect(backoff).toContainEqual(expect.objectContaining({ connector: KEEPS_FAILING, reason: 'backoff' }));
        const budget = shown.json();
        expect(budget).toMatchObject({ streak: { count: 1 }, ifFailedNow: { action: 'wait' } });
        expect(budget.ifFailedNow.until).toBe(budget.streak.lastRestartAt + 2 * 60_000);
        expect(table.out).toMatch(/automatic restarts\s+│ 1 of \d+ \(MAX_AUTO_RESTARTS\)/);
        expect(table.out).toMatch(/if it failed now\s+│ wait until \S+ \(backoff\)/);
        expect(widest(table.out)).toBeLessThanOrEqual(WIDTH);
        expect(refused.code).toBe(EXIT.usage);
        expect(reset.code).toBe(EXIT.ok);
        expect(reset.json()).toMatchObject({ reset: true, previous: { count: 1 } });
        expect(afterReset).toContainEqual(
          expect.objectContaining({ connector: KEEPS_FAILING, result: 'failed', attempt: 1 }),
        );
      } finally {
        cloud.confluent.setAlwaysFails(KEEPS_FAILING, false);
      }
    });
  });
}
