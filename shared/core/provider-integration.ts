import type { ConnectorRef } from './connector-ref';

/**
 * A provider integration: how Confluent reaches a cloud's secret manager for the connectors that name it in
 * `secret.manager.provider.integration.id`. Confluent lists, per integration, the CRNs of the resources using it.
 */
export interface ProviderIntegration {
  /** `cspi-…`. */
  readonly id: string;
  readonly environmentId: string;
  readonly displayName?: string;
  /** Lower-case cloud: aws | azure | gcp. */
  readonly cloud?: string;
  /** pim/v2 only: DRAFT, CREATED or ACTIVE. */
  readonly status?: string;
  /** The API that listed it, e.g. `pim/v1`. */
  readonly api: string;
  /** CRNs of the resources (connectors) that use it. */
  readonly usages: readonly string[];
}

/** An API that could not be read for an environment (403, 404): a note for people, never an error. */
export interface UnreadableIntegrationApi {
  readonly api: string;
  readonly environmentId: string;
  readonly reason: string;
}

export interface ProviderIntegrationListing {
  readonly integrations: readonly ProviderIntegration[];
  readonly unreadable: readonly UnreadableIntegrationApi[];
}

/** The provider integrations of one environment, from every API that lists them. */
export interface ProviderIntegrationSource {
  listProviderIntegrations(environmentId: string): Promise<ProviderIntegrationListing>;
}

const CONNECTOR_CRN =
  /^crn:\/\/confluent\.cloud\/(?:organization=[^/]+\/)?environment=(env-[a-z0-9]+)\/cloud-cluster=(lkc-[a-z0-9]+)\/connector=(.+)$/i;

/** The connector a usage CRN names, or undefined for a CRN of anything else. */
export function connectorOfUsage(crn: string): ConnectorRef | undefined {
  const match = CONNECTOR_CRN.exec(crn.trim());
  if (!match) return undefined;
  const [, environmentId, clusterId, encodedName] = match as unknown as [string, string, string, string];
  let name = encodedName;
  try {
    name = decodeURIComponent(encodedName);
  } catch {
    // Not percent-encoded after all: keep it as written.
  }
  return { environmentId, clusterId, name };
}
