import { paginate } from './pagination';
import { type PimContext, routePim } from './pim-routes';
import { type ApiResponse, clusterBody, environmentBody, errorResponse } from './responses';
import type { EmulatorState } from './state';

export interface DiscoveryRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** `http://host:port` as the client addressed the emulator, for absolute `metadata.next` links. */
  readonly baseUrl: string;
}

/** org/v2 environments and cmk/v2 clusters (the two list calls discovery needs), and pim provider integrations. */
export function routeDiscovery(request: DiscoveryRequest, state: EmulatorState, pim: PimContext): ApiResponse {
  if (request.path.startsWith('/pim/')) return routePim(request, state, pim);
  if (request.path !== '/org/v2/environments' && request.path !== '/cmk/v2/clusters') {
    return errorResponse('standard', 404, `no route for ${request.path}`);
  }
  if (request.method !== 'GET') return errorResponse('standard', 405);
  const listUrl = `${request.baseUrl}${request.path}`;

  if (request.path === '/org/v2/environments') {
    const page = paginate(state.environments(), { listUrl, query: request.query });
    if (!page.ok) return errorResponse('standard', 400, page.detail, { parameter: page.parameter });
    const data = page.items.map((environment) => environmentBody(environment, request.baseUrl));
    return { status: 200, body: { api_version: 'org/v2', kind: 'EnvironmentList', metadata: page.metadata, data } };
  }

  const environmentId = request.query.environment;
  if (!environmentId) {
    return errorResponse('standard', 400, 'environment is required', { parameter: 'environment' });
  }
  // Confluent answers 403 rather than 404 for an environment the key cannot see (a guess for unknown ids).
  if (!state.findEnvironment(environmentId)) {
    return errorResponse('standard', 403, `environment ${environmentId} is not accessible`);
  }
  const page = paginate(state.clustersOf(environmentId), { listUrl, query: request.query });
  if (!page.ok) return errorResponse('standard', 400, page.detail, { parameter: page.parameter });
  const data = page.items.map((cluster) => clusterBody(cluster, request.baseUrl));
  return { status: 200, body: { api_version: 'cmk/v2', kind: 'ClusterList', metadata: page.metadata, data } };
}
