import { ConfluentClient } from '#confluent/confluent-client';
import {
  ConfluentConnectorPlatform,
  type ConfluentConnectorPlatformOptions,
} from '#confluent/confluent-connector-platform';
import {
  ConfluentHttp,
  type ConfluentHttpOptions,
  type CredentialsProvider,
  type RequestObservation,
} from '#confluent/confluent-http';
import { StaticCredentials } from '#confluent/static-credentials';
import type { ConfluentEmulator } from '#local/confluent-emulator/index';

export const EMULATOR_CREDENTIALS = new StaticCredentials('local-api-key', 'local-api-secret');

export interface EmulatorPlatformOptions {
  readonly credentials?: CredentialsProvider;
  readonly http?: Partial<ConfluentHttpOptions>;
  readonly platform?: Partial<ConfluentConnectorPlatformOptions>;
}

/**
 * The real transport, client and platform pointed at the emulator over HTTP, with waits shortened so that the
 * tests stay quick: small backoff base, fast polling, a generous gate.
 */
export function emulatorPlatform(emulator: ConfluentEmulator, options: EmulatorPlatformOptions = {}) {
  const observations: RequestObservation[] = [];
  const http = new ConfluentHttp({
    baseUrl: emulator.url,
    credentials: options.credentials ?? EMULATOR_CREDENTIALS,
    timeoutMs: 2000,
    retry: { baseDelayMs: 10, maxDelayMs: 100 },
    gate: { maxConcurrent: 8, requestsPerSecond: 500, burst: 50 },
    onRequest: (observation) => observations.push(observation),
    ...options.http,
  });
  const client = new ConfluentClient(http);
  const platform = new ConfluentConnectorPlatform({
    client,
    pollIntervalMs: 50,
    pauseTimeoutMs: 5000,
    ...options.platform,
  });
  return { http, client, platform, observations };
}
