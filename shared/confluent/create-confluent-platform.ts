import { ConfluentClient } from './confluent-client';
import { ConfluentConnectorPlatform, type ConfluentConnectorPlatformOptions } from './confluent-connector-platform';
import { ConfluentHttp, type ConfluentHttpOptions } from './confluent-http';
import { ConfluentProviderIntegrations } from './confluent-provider-integrations';

export type ConfluentPlatformSettings = ConfluentHttpOptions & Omit<ConfluentConnectorPlatformOptions, 'client'>;

export interface ConfluentAdapters {
  readonly platform: ConfluentConnectorPlatform;
  readonly providerIntegrations: ConfluentProviderIntegrations;
}

/** Wires transport, client and the adapters over it with one clock and one HTTP gate. */
export function createConfluentAdapters(settings: ConfluentPlatformSettings): ConfluentAdapters {
  const client = new ConfluentClient(new ConfluentHttp(settings));
  return {
    platform: new ConfluentConnectorPlatform({ ...settings, client }),
    providerIntegrations: new ConfluentProviderIntegrations(client),
  };
}

/** Wires transport, client and platform with one clock: what a function or the CLI needs in one call. */
export function createConfluentPlatform(settings: ConfluentPlatformSettings): ConfluentConnectorPlatform {
  return createConfluentAdapters(settings).platform;
}
