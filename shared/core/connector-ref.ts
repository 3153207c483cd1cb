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

/** One entry of CONFLUENT_SCOPES: an environment (all its clusters) or one cluster, maybe with its cloud. */
export interface Scope {
  readonly environmentId: string;
  readonly clusterId?: string;
  /** Lower-case cloud of the named cluster (`@aws`, `@azure`, `@gcp`): lets same-cloud matching skip it unlisted. */
  readonly cloud?: string;
}

const CLOUDS = new Set(['aws', 'azure', 'gcp']);

/** Parses `env-id`, `env-id/lkc-id` or `env-id/lkc-id@cloud`; an environment alone means every cluster in it. */
export function parseScope(text: string): Scope {
  const [path = '', cloudText, ...extra] = text.trim().split('@');
  const [environmentId = '', clusterId, ...rest] = path.split('/');
  const cloud = cloudText?.toLowerCase();
  if (
    !ENVIRONMENT_ID.test(environmentId) ||
    rest.length > 0 ||
    extra.length > 0 ||
    (clusterId !== undefined && !CLUSTER_ID.test(clusterId)) ||
    (cloud !== undefined && (clusterId === undefined || !CLOUDS.has(cloud)))
  ) {
    throw new InvalidConnectorRefError(
      `expected "env-id" or "env-id/lkc-id", optionally "env-id/lkc-id@aws" (or @azure, @gcp), got "${text.trim()}"`,
    );
  }
  if (clusterId === undefined) return { environmentId };
  return cloud === undefined ? { environmentId, clusterId } : { environmentId, clusterId, cloud };
}
