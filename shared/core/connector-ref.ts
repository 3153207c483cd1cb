/** A fully-managed connector, addressed as the Connect v1 API addresses it: by environment, cluster and name. */
export interface ConnectorRef {
  readonly environmentId: string;
  readonly clusterId: string;
  readonly name: string;
}

/** One Kafka cluster in one environment: the unit of a Connect v1 list call. */
export interface ClusterRef {
  readonly environmentId: string;
  readonly clusterId: string;
}

export class InvalidConnectorRefError extends Error {
  override readonly name = 'InvalidConnectorRefError';
}

const ENVIRONMENT_ID = /^env-[a-z0-9]+$/i;
const CLUSTER_ID = /^lkc-[a-z0-9]+$/i;

/** `env-id/lkc-id/connector-name`; the name is everything after the second slash, so it may itself contain slashes. */
export function connectorKey(ref: ConnectorRef): string {
  return `${ref.environmentId}/${ref.clusterId}/${ref.name}`;
}

export function clusterKey(ref: ClusterRef): string {
  return `${ref.environmentId}/${ref.clusterId}`;
}

export function parseConnectorRef(text: string): ConnectorRef {
  const trimmed = text.trim();
  const [environmentId = '', clusterId = '', ...nameParts] = trimmed.split('/');
  const name = nameParts.join('/').trim();
  if (!ENVIRONMENT_ID.test(environmentId.trim()) || !CLUSTER_ID.test(clusterId.trim()) || name === '') {
    throw new InvalidConnectorRefError(`expected "env-id/lkc-id/connector-name", got "${trimmed}"`);
  }
  return { environmentId: environmentId.trim(), clusterId: clusterId.trim(), name };
}

/** Parses `env-id` or `env-id/lkc-id`; an environment alone means every cluster in it. */
export function parseScope(text: string): { environmentId: string; clusterId?: string } {
  const [environmentId = '', clusterId, ...rest] = text.trim().split('/');
  if (
    !ENVIRONMENT_ID.test(environmentId) ||
    rest.length > 0 ||
    (clusterId !== undefined && !CLUSTER_ID.test(clusterId))
  ) {
    throw new InvalidConnectorRefError(`expected "env-id" or "env-id/lkc-id", got "${text.trim()}"`);
  }
  return clusterId === undefined ? { environmentId } : { environmentId, clusterId };
}
