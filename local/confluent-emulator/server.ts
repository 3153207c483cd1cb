import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Delay, type LoopbackHttpServer, readBody, startLoopbackHttp } from '#local/loopback';
import type { FaultDecision, FaultInjector } from './faults';
import type { RequestRecorder } from './recorder';
import { type ApiResponse, apiFamilyOf, errorResponse } from './responses';
import { type ApiRequest, authenticate } from './routes';
import type { RecordedRequest } from './types';

export interface HttpDependencies {
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly now: () => number;
  readonly faults: FaultInjector;
  readonly recorder: RequestRecorder;
  readonly handle: (request: ApiRequest) => ApiResponse;
}

export type RunningServer = LoopbackHttpServer;

/** The HTTP side: loopback only, records every request, applies faults, then lets the router answer. */
export function startHttpServer(port: number, deps: HttpDependencies): Promise<RunningServer> {
  return startLoopbackHttp(port, (req, res, delay) => handleRequest(req, res, deps, delay));
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  deps: HttpDependencies,
  delay: Delay,
): Promise<void> {
  const rawBody = (await readBody(req)) || undefined;
  const url = new URL(req.url ?? '/', 'http://emulator.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  const auth = authenticate(req.headers.authorization, deps.apiKey, deps.apiSecret);
  const record = deps.recorder.start({
    method,
    path: url.pathname,
    query: queryOf(url),
    headers: headersOf(req),
    auth,
    ...(rawBody === undefined ? {} : { body: parseBody(rawBody) }),
    at: deps.now(),
  });
  const decision = deps.faults.decide();
  await delay(deps.faults.latencyMs);

  if (decision.kind === 'hang') return;
  if (decision.kind === 'drop') {
    req.socket.destroy();
    return;
  }
  const baseUrl = `http://${req.headers.host ?? 'localhost'}`;
  const response = answer(decision, { method, path: url.pathname, query: record.query, baseUrl, auth }, deps);
  send(res, response, record);
}

function answer(decision: FaultDecision, request: ApiRequest, deps: HttpDependencies): ApiResponse {
  const family = apiFamilyOf(request.path);
  switch (decision.kind) {
    case 'throttle':
      return errorResponse(family, 429, undefined, { headers: decision.headers });
    case 'fail':
      return errorResponse(family, 500);
    default: {
      const response = deps.handle(request);
      const headers = decision.kind === 'none' ? decision.rateLimitHeaders : {};
      return { ...response, headers: { ...headers, ...response.headers } };
    }
  }
}

function send(res: ServerResponse, response: ApiResponse, record: RecordedRequest): void {
  const payload = response.body === undefined ? undefined : JSON.stringify(response.body);
  const headers: Record<string, string> = {
    'x-request-id': randomUUID(),
    ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    'content-length': String(payload === undefined ? 0 : Buffer.byteLength(payload)),
    ...response.headers,
  };
  record.status = response.status;
  record.responseHeaders = headers;
  if (response.body !== undefined) record.responseBody = response.body;
  if (res.destroyed) return;
  res.writeHead(response.status, headers);
  res.end(payload);
}

function parseBody(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function queryOf(url: URL): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key).join(',');
  return query;
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
