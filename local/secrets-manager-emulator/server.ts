import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Delay, type LoopbackHttpServer, readBody, startLoopbackHttp } from '#local/loopback';
import { SecretsManagerApiError } from './api-error';
import { recordableParams } from './operations';
import type { RecordedOperation, SecretsManagerFaults } from './types';

const JSON_1_1 = 'application/x-amz-json-1.1';
const TARGET_PREFIX = 'secretsmanager.';
/** The region sits in the SigV4 credential scope: `Credential=<key>/<date>/<region>/secretsmanager/aws4_request`. */
const SIGNED_REGION = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/secretsmanager\//;
const SIGNED_KEY = /Credential=([^/,\s]+)\//;

export interface HttpDependencies {
  readonly defaultRegion: string;
  readonly now: () => number;
  readonly faults: SecretsManagerFaults;
  readonly log: RecordedOperation[];
  /** Runs one operation against the store, for the caller that signed with `accessKeyId`. */
  readonly execute: (
    operation: string,
    region: string,
    input: Record<string, unknown>,
    accessKeyId: string | undefined,
  ) => Record<string, unknown>;
  /** Called after the response is written, so subscribers see the event only once the API call has returned. */
  readonly afterResponse: () => void;
}

export type RunningServer = LoopbackHttpServer;

/** AWS JSON 1.1 over HTTP on loopback: POST / with `X-Amz-Target: secretsmanager.<Operation>`. */
export function startHttpServer(port: number, deps: HttpDependencies): Promise<RunningServer> {
  return startLoopbackHttp(port, (req, res, delay) => handle(req, res, deps, delay));
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: HttpDependencies, delay: Delay): Promise<void> {
  const raw = await readBody(req);
  const target = header(req, 'x-amz-target') ?? '';
  const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : '';
  const region = SIGNED_REGION.exec(header(req, 'authorization') ?? '')?.[1] ?? deps.defaultRegion;
  const parsed = parseInput(raw);
  const record: RecordedOperation = {
    operation,
    region,
    params: parsed instanceof SecretsManagerApiError ? {} : recordableParams(parsed),
    status: 0,
    at: deps.now(),
  };
  deps.log.push(record);
  await delay(deps.faults.latencyMs);

  let status = 200;
  let body: unknown;
  try {
    body = answer(req, operation, region, parsed, deps);
  } catch (error) {
    const apiError =
      error instanceof SecretsManagerApiError
        ? error
        : new SecretsManagerApiError('InternalServiceError', 'An error occurred on the server side.', 500);
    status = apiError.status;
    body = { __type: apiError.type, message: apiError.message };
    record.errorType = apiError.type;
  }
  record.status = status;
  const payload = JSON.stringify(body);
  if (!res.destroyed) {
    res.writeHead(status, {
      'content-type': JSON_1_1,
      'content-length': String(Buffer.byteLength(payload)),
      'x-amzn-requestid': randomUUID(),
    });
    res.end(payload);
  }
  deps.afterResponse();
}

function answer(
  req: IncomingMessage,
  operation: string,
  region: string,
  input: Record<string, unknown> | SecretsManagerApiError,
  deps: HttpDependencies,
): Record<string, unknown> {
  const faults = deps.faults;
  if (faults.throttleNext > 0) {
    faults.throttleNext -= 1;
    throw new SecretsManagerApiError('ThrottlingException', 'Rate exceeded');
  }
  if (faults.failNext > 0) {
    faults.failNext -= 1;
    throw new SecretsManagerApiError('InternalServiceError', 'An error occurred on the server side.', 500);
  }
  if (req.method !== 'POST' || !operation) {
    throw new SecretsManagerApiError('UnknownOperationException', 'Expected POST / with X-Amz-Target.');
  }
  if (input instanceof SecretsManagerApiError) throw input;
  return deps.execute(operation, region, input, SIGNED_KEY.exec(header(req, 'authorization') ?? '')?.[1]);
}

function parseInput(raw: string): Record<string, unknown> | SecretsManagerApiError {
  if (raw.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(raw);
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Answered below as AWS does for a body it cannot read.
  }
  return new SecretsManagerApiError('SerializationException', 'The request body is not a JSON object.');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
