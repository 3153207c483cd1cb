import { randomUUID } from 'node:crypto';
import type { EstateCluster, EstateEnvironment } from '#local/estate';
import { maskConfig } from './masking';
import type { ConnectorEntry, StatusView } from './state';

/** What a route answers; the server turns it into HTTP. `body` undefined means no body (202). */
export interface ApiResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** connect/v1 has its own error shape; org/v2 and cmk/v2 use Confluent's standard `errors` array. */
export type ApiFamily = 'connect' | 'standard';

export const ORGANIZATION_ID = '00000000-0000-4000-8000-00000000c0de';
const CREATED_AT = '2026-01-05T09:00:00Z';

const STANDARD_ERRORS: Record<number, { code: string; title: string }> = {
  400: { code: 'invalid_input', title: 'Validation Failed' },
  401: { code: 'unauthorized', title: 'Unauthorized' },
  403: { code: 'forbidden', title: 'Forbidden Access' },
  404: { code: 'not_found', title: 'Not Found' },
  405: { code: 'method_not_allowed', title: 'Method Not Allowed' },
  429: { code: 'too_many_requests', title: 'Too Many Requests' },
  500: { code: 'internal_server_error', title: 'Internal Server Error' },
};

const CONNECT_MESSAGES: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Oops, something went wrong',
};

export function apiFamilyOf(path: string): ApiFamily {
  return path.startsWith('/connect/') ? 'connect' : 'standard';
}

/** An error in the shape of the API family the path belongs to. */
export function errorResponse(
  family: ApiFamily,
  status: number,
  message?: string,
  extra: { headers?: Record<string, string>; parameter?: string } = {},
): ApiResponse {
  if (family === 'connect') {
    const body = { error: { code: status, message: message ?? CONNECT_MESSAGES[status] ?? 'Error' } };
    return { status, body, ...(extra.headers ? { headers: extra.headers } : {}) };
  }
  const kind = STANDARD_ERRORS[status] ?? { code: 'error', title: 'Error' };
  const error = {
    id: randomUUID(),
    status: String(status),
    code: kind.code,
    title: kind.title,
    detail: message ?? kind.title,
    ...(extra.parameter ? { source: { parameter: extra.parameter } } : {}),
  };
  return { status, body: { errors: [error] }, ...(extra.headers ? { headers: extra.headers } : {}) };
}

export function statusBody(entry: ConnectorEntry, status: StatusView): unknown {
  const { name, type } = entry.connector;
  return {
    name,
    type,
    connector: {
      state: status.state,
      worker_id: name,
      ...(status.trace === undefined ? {} : { trace: status.trace }),
    },
    tasks: status.tasks.map((task) => ({
      id: task.id,
      state: task.state,
      worker_id: name,
      ...(task.msg === undefined ? {} : { msg: task.msg }),
    })),
  };
}

export function connectorBody(entry: ConnectorEntry, status: StatusView): unknown {
  const { name, type, config } = entry.connector;
  return {
    name,
    config: maskConfig(config),
    tasks: status.tasks.map((task) => ({ connector: name, task: task.id })),
    type,
  };
}

export function configBody(entry: ConnectorEntry): unknown {
  return maskConfig(entry.connector.config);
}

export function tasksBody(entry: ConnectorEntry, status: StatusView): unknown {
  const { name, config } = entry.connector;
  const masked = maskConfig(config);
  return status.tasks.map((task) => ({ id: { connector: name, task: task.id }, config: masked }));
}

export type Expansion = 'id' | 'info' | 'status';

export function expansionBody(entry: ConnectorEntry, status: StatusView, parts: ReadonlySet<Expansion>): unknown {
  const { id, name, type, config } = entry.connector;
  return {
    ...(parts.has('id') ? { id: { id, id_type: 'ID' } } : {}),
    ...(parts.has('info') ? { info: { name, config: maskConfig(config), type } } : {}),
    ...(parts.has('status') ? { status: statusBody(entry, status) } : {}),
  };
}

export function environmentBody(environment: EstateEnvironment, baseUrl: string): unknown {
  return {
    api_version: 'org/v2',
    kind: 'Environment',
    id: environment.id,
    metadata: {
      self: `${baseUrl}/org/v2/environments/${environment.id}`,
      resource_name: `crn://confluent.cloud/organization=${ORGANIZATION_ID}/environment=${environment.id}`,
      created_at: CREATED_AT,
      updated_at: CREATED_AT,
    },
    display_name: environment.displayName,
    stream_governance_config: { package: 'ESSENTIALS' },
  };
}

export function clusterBody(cluster: EstateCluster, baseUrl: string): unknown {
  const environmentCrn = `crn://confluent.cloud/organization=${ORGANIZATION_ID}/environment=${cluster.environmentId}`;
  const host = `pkc-${cluster.id.slice(4)}.${cluster.region}.${cluster.cloud.toLowerCase()}.confluent.cloud`;
  return {
    api_version: 'cmk/v2',
    kind: 'Cluster',
    id: cluster.id,
    metadata: {
      self: `${baseUrl}/cmk/v2/clusters/${cluster.id}`,
      resource_name: `${environmentCrn}/cloud-cluster=${cluster.id}`,
      created_at: CREATED_AT,
      updated_at: CREATED_AT,
    },
    spec: {
      display_name: cluster.displayName,
      availability: 'SINGLE_ZONE',
      cloud: cluster.cloud,
      region: cluster.region,
      // Dedicated clusters are sized in CKUs; the other kinds in eCKUs.
      config: cluster.kind === 'Dedicated' ? { kind: 'Dedicated', cku: 1 } : { kind: cluster.kind, max_ecku: 10 },
      kafka_bootstrap_endpoint: `SASL_SSL://${host}:9092`,
      http_endpoint: `https://${host}:443`,
      environment: {
        id: cluster.environmentId,
        related: `${baseUrl}/org/v2/environments/${cluster.environmentId}`,
        resource_name: environmentCrn,
      },
    },
    status: { phase: 'PROVISIONED', ...(cluster.kind === 'Dedicated' ? { cku: 1 } : {}) },
  };
}
