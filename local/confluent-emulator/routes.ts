import { routeConnect } from './connect-routes';
import { routeDiscovery } from './discovery-routes';
import type { RbacPolicy } from './permissions';
import type { PimContext } from './pim-routes';
import { type ApiResponse, apiFamilyOf, errorResponse } from './responses';
import type { EmulatorState } from './state';
import type { RecordedAuth, RestartEndpointMode } from './types';

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly baseUrl: string;
  readonly auth: RecordedAuth;
}

export interface RouteContext {
  readonly state: EmulatorState;
  readonly restartEndpoint: RestartEndpointMode;
  readonly rbac: RbacPolicy;
  readonly pim: PimContext;
}

const CONNECT_PREFIX = '/connect/v1/';
const INVALID_KEY_CHALLENGE = 'Basic error="invalid_key", error_description="The API Key is invalid"';

/** Authenticates, then hands the request to the API family its path belongs to. */
export function route(request: ApiRequest, context: RouteContext): ApiResponse {
  const family = apiFamilyOf(request.path);
  if (request.auth !== 'basic-valid') {
    return family === 'connect'
      ? errorResponse('connect', 401)
      : errorResponse('standard', 401, 'The API Key is invalid', {
          headers: { 'www-authenticate': INVALID_KEY_CHALLENGE },
        });
  }
  if (family === 'standard') return routeDiscovery(request, context.state, context.pim);

  const segments = decodeSegments(request.path.slice(CONNECT_PREFIX.length));
  if (!request.path.startsWith(CONNECT_PREFIX) || segments === undefined) return errorResponse('connect', 404);
  return routeConnect({ method: request.method, segments, query: request.query }, context);
}

/** Basic auth against the configured Cloud API key; the Authorization header itself is never kept. */
export function authenticate(header: string | undefined, apiKey: string, apiSecret: string): RecordedAuth {
  if (!header) return 'missing';
  const [scheme, encoded] = header.split(' ', 2);
  if (scheme?.toLowerCase() !== 'basic' || !encoded) return 'other-scheme';
  const credentials = Buffer.from(encoded, 'base64').toString('utf8');
  return credentials === `${apiKey}:${apiSecret}` ? 'basic-valid' : 'basic-invalid';
}

function decodeSegments(rest: string): string[] | undefined {
  try {
    return rest.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}
