import type { RbacPolicy } from './permissions';
import {
  type ApiResponse,
  configBody,
  connectorBody,
  type Expansion,
  errorResponse,
  expansionBody,
  statusBody,
  tasksBody,
} from './responses';
import type { ConnectorEntry, EmulatorState } from './state';
import type { RestartEndpointMode } from './types';

export interface ConnectRequest {
  readonly method: string;
  /** Path segments after `/connect/v1/`, URI-decoded. */
  readonly segments: readonly string[];
  readonly query: Readonly<Record<string, string>>;
}

export interface ConnectContext {
  readonly state: EmulatorState;
  readonly restartEndpoint: RestartEndpointMode;
  readonly rbac: RbacPolicy;
}

const EXPANSIONS: readonly Expansion[] = ['id', 'info', 'status'];
const ACCEPTED: ApiResponse = { status: 202 };

/** connect/v1 under `environments/{env}/clusters/{lkc}/connectors`. */
export function routeConnect(request: ConnectRequest, context: ConnectContext): ApiResponse {
  const [environments, environmentId, clusters, clusterId, connectors, name, action, ...rest] = request.segments;
  if (
    environments !== 'environments' ||
    clusters !== 'clusters' ||
    connectors !== 'connectors' ||
    environmentId === undefined ||
    clusterId === undefined ||
    rest.length > 0
  ) {
    return errorResponse('connect', 404);
  }
  const operation = operationFor(request.method, name, action);
  if (operation === 'unknown-path') return errorResponse('connect', 404);
  if (operation === 'wrong-method') return errorResponse('connect', 405);
  // A missing Preview endpoint fails before any lookup.
  if (operation === 'restart' && context.restartEndpoint === 'not-found') return errorResponse('connect', 404);

  const { state } = context;
  if (!state.findEnvironment(environmentId)) {
    return errorResponse('connect', 404, `environment ${environmentId} not found`);
  }
  if (!state.findCluster(environmentId, clusterId)) {
    return errorResponse('connect', 404, `kafka cluster ${clusterId} not found in environment ${environmentId}`);
  }
  if (operation === 'list') return listConnectors(state, environmentId, clusterId, request.query.expand);

  const entry = name === undefined ? undefined : state.findConnector(environmentId, clusterId, name);
  if (!entry) return errorResponse('connect', 404, `connector ${name} not found`);
  // Role bindings are per cluster or per connector: a role without the permission is refused on what it names.
  if (
    (operation === 'restart' || operation === 'pause' || operation === 'resume') &&
    context.rbac.isForbidden(environmentId, clusterId, entry.connector.name, operation)
  ) {
    return errorResponse('connect', 403);
  }
  return connectorOperation(operation, entry, state);
}

type Operation = 'list' | 'read' | 'config' | 'pause' | 'resume' | 'restart' | 'status' | 'tasks';

function operationFor(method: string, name?: string, action?: string): Operation | 'unknown-path' | 'wrong-method' {
  if (name === undefined) return method === 'GET' ? 'list' : 'wrong-method';
  if (action === undefined) return method === 'GET' ? 'read' : 'wrong-method';
  const methods: Record<string, string> = {
    config: 'GET',
    pause: 'PUT',
    resume: 'PUT',
    restart: 'POST',
    status: 'GET',
    tasks: 'GET',
  };
  const expected = methods[action];
  if (expected === undefined) return 'unknown-path';
  return expected === method ? (action as Operation) : 'wrong-method';
}

function listConnectors(state: EmulatorState, environmentId: string, clusterId: string, expand?: string): ApiResponse {
  const entries = state.connectorsOf(environmentId, clusterId);
  // Clients send one comma-separated value (the SDK, the CLI) or repeat the parameter; both arrive joined by ','.
  if (expand === undefined) return { status: 200, body: entries.map((entry) => entry.connector.name) };
  // Unknown values are ignored, so an `expand` naming none of them gets a map of empty objects.
  const parts = new Set(EXPANSIONS.filter((part) => expand.split(',').some((value) => value.trim() === part)));
  const body = Object.fromEntries(
    entries.map((entry) => [entry.connector.name, expansionBody(entry, state.status(entry), parts)]),
  );
  return { status: 200, body };
}

function connectorOperation(
  operation: Exclude<Operation, 'list'>,
  entry: ConnectorEntry,
  state: EmulatorState,
): ApiResponse {
  switch (operation) {
    case 'read':
      return { status: 200, body: connectorBody(entry, state.status(entry)) };
    case 'config':
      return { status: 200, body: configBody(entry) };
    case 'status':
      return { status: 200, body: statusBody(entry, state.status(entry)) };
    case 'tasks':
      return { status: 200, body: tasksBody(entry, state.status(entry)) };
    case 'pause':
      state.pause(entry);
      return ACCEPTED;
    case 'resume':
      state.resume(entry);
      return ACCEPTED;
    case 'restart':
      state.restart(entry);
      return ACCEPTED;
  }
}
