import { ConfluentClient } from './confluent-client';
import { ConfluentConnectorPlatform, type ConfluentConnectorPlatformOptions } from './confluent-connector-platform';
import { ConfluentHttp, type ConfluentHttpOptions } from './confluent-http';

export type ConfluentPlatformSettings = ConfluentHttpOptions & Omit<ConfluentConnectorPlatformOptions, 'client'>;

/** Wires transport, client and platform with one clock: what a function or the CLI needs in one call. */
export function createConfluentPlatform(settings: ConfluentPlatformSettings): ConfluentConnectorPlatform {
  const client = new ConfluentClient(new ConfluentHttp(settings));
  return new ConfluentConnectorPlatform({ ...settings, client });
}
