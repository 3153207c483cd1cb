/** The shape of a Confluent Cloud estate the local emulator serves. Local tooling only: product code never imports it. */
export interface EstateEnvironment {
  readonly id: string;
  readonly displayName: string;
}

export interface EstateCluster {
  readonly id: string;
  readonly environmentId: string;
  readonly displayName: string;
  readonly cloud: 'AWS' | 'AZURE' | 'GCP';
  readonly region: string;
  readonly kind: 'Basic' | 'Standard' | 'Enterprise' | 'Dedicated' | 'Freight';
}

export interface EstateConnector {
  readonly environmentId: string;
  readonly clusterId: string;
  readonly name: string;
  /** The `lcc-…` resource id. */
  readonly id: string;
  readonly type: 'source' | 'sink';
  readonly config: Readonly<Record<string, string>>;
  readonly state: 'RUNNING' | 'PAUSED' | 'FAILED';
  readonly taskCount: number;
  /** Canonical ids of the secrets this connector fetches at start (what Confluent would resolve at runtime). */
  readonly secretRefs: readonly string[];
}

/**
 * A provider integration (pim): how Confluent reaches a cloud's secret manager. Connectors name it in their config
 * (`secret.manager.provider.integration.id`); the emulator derives its `usages` from those configs.
 */
export interface EstateProviderIntegration {
  /** `cspi-…`. */
  readonly id: string;
  readonly environmentId: string;
  readonly displayName: string;
  /** pim/v1 lists AWS integrations; pim/v2 (Early Access) Azure and GCP ones. */
  readonly provider: 'AWS' | 'AZURE' | 'GCP';
}

export interface Estate {
  readonly environments: readonly EstateEnvironment[];
  readonly clusters: readonly EstateCluster[];
  readonly connectors: readonly EstateConnector[];
  readonly providerIntegrations?: readonly EstateProviderIntegration[];
}
