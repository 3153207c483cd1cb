import { performance } from 'node:perf_hooks';
import { buildReloader, type Reloader } from '#app/build-reloader';
import { loadSettings } from '#config/settings';
import { StaticCredentials } from '#confluent/static-credentials';
import type { SecretRotated } from '#core/events';
import { type SecretSnapshot, type SecretSource, silentLogger } from '#core/ports';
import { parseSecretRef, type SecretRef } from '#core/secret-ref';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import type { Estate } from '#local/estate';
import { MemoryStateStore } from '#state/memory-state-store';

/**
 * The product's composition root (buildReloader) against the Confluent emulator on loopback. The secret manager and
 * state store are in memory, so every network call measured is a Confluent call.
 */
export interface HarnessOptions {
  readonly estate: Estate;
  readonly env?: Readonly<Record<string, string>>;
  readonly provisioningMs?: number;
}

/** A client-side view of one HTTP attempt, on performance.now()'s clock. */
export interface Attempt {
  readonly operation: string;
  readonly status?: number;
  readonly startMs: number;
  readonly endMs: number;
}

export interface Harness {
  readonly emulator: ConfluentEmulator;
  readonly reloader: Reloader;
  readonly attempts: Attempt[];
  rotation(secretArn: string, version: string): SecretRotated;
  close(): Promise<void>;
}

/** Answers that the event's version is current, as of now, with no tags: targets come from the config scan. */
class CurrentVersionSecrets implements SecretSource {
  readonly versions = new Map<string, string>();
  async describe(secret: SecretRef): Promise<SecretSnapshot> {
    const version = this.versions.get(secret.name) ?? null;
    return { secret, currentVersion: version, currentSince: new Date(), pendingVersions: [], tags: {} };
  }
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const emulator = await startConfluentEmulator({
    estate: options.estate,
    provisioningMs: options.provisioningMs ?? 100,
  });
  const settings = loadSettings({
    CONFLUENT_API_URL: emulator.url,
    CONFLUENT_CLOUD_API_KEY: 'local-api-key',
    CONFLUENT_CLOUD_API_SECRET: 'local-api-secret',
    VERIFY_POLL_SECONDS: '0.1',
    VERIFY_SETTLE_SECONDS: '0',
    VERIFY_TIMEOUT_SECONDS: '120',
    LOG_LEVEL: 'error',
    ...options.env,
  });
  const secrets = new CurrentVersionSecrets();
  const attempts: Attempt[] = [];
  const reloader = buildReloader(settings, {
    secrets,
    credentials: new StaticCredentials('local-api-key', 'local-api-secret'),
    state: new MemoryStateStore(),
    logger: silentLogger,
    onRequest: (observation) => {
      const endMs = performance.now();
      attempts.push({
        operation: observation.operation,
        ...(observation.status !== undefined ? { status: observation.status } : {}),
        startMs: endMs - observation.durationMs,
        endMs,
      });
    },
  });
  return {
    emulator,
    reloader,
    attempts,
    rotation(secretArn, version) {
      const secret = parseSecretRef(secretArn);
      secrets.versions.set(secret.name, version);
      return { kind: 'secret-rotated', secret, version, source: 'bench', eventId: `${secretArn}@${version}` };
    },
    close: () => emulator.close(),
  };
}

/**
 * Longest chain of calls where each starts after the previous one answered: the sequential round trips. A call
 * started before another finished cannot have waited for it.
 */
export function roundTripDepth(attempts: readonly Attempt[]): number {
  const sorted = [...attempts].sort((a, b) => a.startMs - b.startMs);
  const depths: number[] = [];
  let deepest = 0;
  sorted.forEach((attempt, i) => {
    let depth = 1;
    for (let j = 0; j < i; j += 1) {
      const before = sorted[j] as Attempt;
      if (before.endMs <= attempt.startMs) depth = Math.max(depth, (depths[j] ?? 0) + 1);
    }
    depths.push(depth);
    deepest = Math.max(deepest, depth);
  });
  return deepest;
}
