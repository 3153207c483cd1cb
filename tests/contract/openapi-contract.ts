import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAPIBackend, { type Document, type Operation, SetMatchType } from 'openapi-backend';
import { parse } from 'yaml';
import type { RecordedRequest } from '#local/confluent-emulator/index';

/** The Connect v1 OpenAPI extract, vendored with its sources (tests/fixtures/README.md). */
export const CONNECT_V1_SPEC = path.resolve(__dirname, '../fixtures/confluent-connect-v1-openapi.yaml');
export const ORG_CMK_V2_SPEC = path.resolve(__dirname, 'org-cmk-v2-subset.yaml');
export const PIM_V1_V2_SPEC = path.resolve(__dirname, 'pim-v1-v2-subset.yaml');

const CONNECTORS_PATH = '/connect/v1/environments/{environment_id}/clusters/{kafka_cluster_id}/connectors';
const EXPANSIONS_SPEC_KEY = `${CONNECTORS_PATH}?expand=info,status,id`;
/** A path key no real request has, so the router can tell list-with-expansions from list (see toSpecRequest). */
const EXPANSIONS_PREFIX = '/~expand';
const CONNECTORS_LIST = /^\/connect\/v1\/environments\/[^/]+\/clusters\/[^/]+\/connectors$/;

interface Contract {
  readonly api: OpenAPIBackend;
}

export interface OpenApiContracts {
  /** The recorded request matches an operation, its parameters are valid and it carried Basic auth. */
  checkRequest(record: RecordedRequest): string[];
  /** The status is declared for the operation and the body and headers match the declared response. */
  checkResponse(record: RecordedRequest): string[];
  /** The operationId a recorded request maps to, if any. */
  operationIdOf(record: RecordedRequest): string | undefined;
}

let loaded: Promise<OpenApiContracts> | undefined;

/** Loads both documents once per test file. */
export function loadOpenApiContracts(): Promise<OpenApiContracts> {
  loaded ??= createContracts();
  return loaded;
}

/**
 * Validates what a client sent (and what it got back) against the reference OpenAPI documents. Feed it
 * `control.requests()` after running a client against the emulator; expect `[]`. Requests that got no response
 * (hung, dropped) are checked on the request side only.
 */
export async function validateRecordedRequests(requests: readonly RecordedRequest[]): Promise<string[]> {
  const contracts = await loadOpenApiContracts();
  return requests.flatMap((record) => {
    const problems = contracts.checkRequest(record);
    // A request that matches no operation has no declared response to check against: report it once.
    return contracts.operationIdOf(record) === undefined ? problems : [...problems, ...contracts.checkResponse(record)];
  });
}

async function createContracts(): Promise<OpenApiContracts> {
  const connect = await initContract(prepareConnectDocument(readYaml(CONNECT_V1_SPEC)));
  const orgCmk = await initContract(readYaml(ORG_CMK_V2_SPEC));
  const pim = await initContract(readYaml(PIM_V1_V2_SPEC));
  const contractFor = (record: RecordedRequest): Contract | undefined => {
    if (record.path.startsWith('/connect/v1/')) return connect;
    if (record.path.startsWith('/org/v2/') || record.path.startsWith('/cmk/v2/')) return orgCmk;
    if (record.path.startsWith('/pim/v1/') || record.path.startsWith('/pim/v2/')) return pim;
    return undefined;
  };
  const match = (record: RecordedRequest) => {
    const contract = contractFor(record);
    const request = toSpecRequest(record);
    const operation = contract?.api.matchOperation(request);
    return contract && operation ? { contract, operation, request } : undefined;
  };

  return {
    operationIdOf: (record) => match(record)?.operation.operationId,
    checkRequest: (record) => {
      const found = match(record);
      if (!found) return [`${label(record)}: no operation in the reference documents`];
      return requestProblems(record, found.contract, found.operation, found.request).map(
        (problem) => `${label(record)} (${found.operation.operationId}): ${problem}`,
      );
    },
    checkResponse: (record) => {
      if (record.status === 0) return [];
      const found = match(record);
      if (!found) return [`${label(record)}: no operation in the reference documents`];
      return responseProblems(record, found.contract, found.operation).map(
        (problem) => `${label(record)} → ${record.status} (${found.operation.operationId}): ${problem}`,
      );
    },
  };
}

function requestProblems(
  record: RecordedRequest,
  contract: Contract,
  operation: Operation,
  request: SpecRequest,
): string[] {
  const problems: string[] = [];
  if (record.auth === 'missing' || record.auth === 'other-scheme') problems.push('no HTTP Basic Authorization');
  const result = contract.api.validateRequest(request, operation);
  for (const error of result.errors ?? []) {
    const extra = error.params.additionalProperty;
    problems.push(`request ${error.instancePath} ${error.message}${extra === undefined ? '' : `: "${extra}"`}`);
  }
  if (record.body !== undefined && !operation.requestBody) problems.push('sends a body the operation does not take');
  return problems;
}

function responseProblems(record: RecordedRequest, contract: Contract, operation: Operation): string[] {
  const response = declaredResponse(operation, record.status);
  if (!response) return [`status ${record.status} is not declared`];
  const problems: string[] = [];
  const schema = response.content?.['application/json']?.schema;
  if (!schema) {
    if (record.responseBody !== undefined) problems.push('has a body where none is declared');
  } else if (record.responseBody === undefined) {
    problems.push('has no body where one is declared');
  } else {
    if (!record.responseHeaders['content-type']?.startsWith('application/json')) {
      problems.push('body is not labelled application/json');
    }
    const result = contract.api.validateResponse(record.responseBody, operation, record.status);
    for (const error of result.errors ?? []) problems.push(`body ${error.instancePath || '/'} ${error.message}`);
  }
  // Every declared header must be present (for 429: Retry-After and the X-RateLimit-* set) and well typed.
  const headers = contract.api.validateResponseHeaders(record.responseHeaders, operation, {
    statusCode: record.status,
    setMatchType: SetMatchType.Superset,
  });
  for (const error of headers.errors ?? []) problems.push(`header ${error.instancePath} ${error.message}`);
  return problems;
}

function declaredResponse(operation: Operation, status: number): ResponseSpec | undefined {
  const responses = operation.responses as Record<string, ResponseSpec> | undefined;
  return responses?.[String(status)] ?? responses?.[`${Math.floor(status / 100)}XX`] ?? responses?.default;
}

interface SpecRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: unknown;
}

/** The spec files list-with-expansions under a key ending in `?expand=…`; route such requests to it ourselves. */
function toSpecRequest(record: RecordedRequest): SpecRequest {
  const isExpansions = record.method === 'GET' && CONNECTORS_LIST.test(record.path) && 'expand' in record.query;
  return {
    method: record.method,
    path: isExpansions ? `${EXPANSIONS_PREFIX}${record.path}` : record.path,
    query: record.query,
    headers: record.headers,
    ...(record.body === undefined ? {} : { body: record.body }),
  };
}

async function initContract(definition: DocumentSpec): Promise<Contract> {
  const api = new OpenAPIBackend({
    definition: definition as unknown as Document,
    // An invalid document must fail the tests, not leave a validator that matches nothing.
    strict: true,
    coerceTypes: true,
    ajvOpts: { formats: { uri: (value: string) => URL.canParse(value), 'date-time': isDateTime } },
  });
  await api.init();
  return { api };
}

/** The few parts of an OpenAPI 3.0 document that prepareConnectDocument edits. */
interface SchemaSpec {
  type?: string;
  pattern?: string;
  required?: string[];
  anyOf?: SchemaSpec[];
  properties?: Record<string, SchemaSpec>;
  items?: SchemaSpec;
  $ref?: string;
  enum?: string[];
}
interface ResponseSpec {
  content?: Record<string, { schema?: SchemaSpec }>;
}
interface OperationSpec {
  requestBody?: Record<string, unknown>;
  parameters?: { name?: string; schema?: SchemaSpec }[];
  responses?: Record<string, ResponseSpec>;
}
interface DocumentSpec {
  paths: Record<string, Record<string, OperationSpec> | undefined>;
  components?: { schemas?: Record<string, SchemaSpec>; responses?: Record<string, ResponseSpec> };
}

function readYaml(file: string): DocumentSpec {
  return parse(readFileSync(file, 'utf8')) as DocumentSpec;
}

/**
 * The reference document, adjusted where a validator cannot use it as is. Each change is one the reference notes
 * (confluent-cloud-api.md) justify; nothing else is relaxed.
 */
function prepareConnectDocument(document: DocumentSpec): DocumentSpec {
  const { paths } = document;
  // The SDK spec puts examples beside a requestBody $ref; OpenAPI 3.0 ignores siblings of $ref, validators reject them.
  for (const operation of Object.values(paths).flatMap((item) => Object.values(item ?? {}))) {
    const ref = operation.requestBody?.$ref;
    if (ref !== undefined) operation.requestBody = { $ref: ref };
  }
  const expansions = paths[EXPANSIONS_SPEC_KEY];
  if (!expansions?.get) throw new Error(`${CONNECT_V1_SPEC}: no GET under "${EXPANSIONS_SPEC_KEY}"`);
  delete paths[EXPANSIONS_SPEC_KEY];
  paths[`${EXPANSIONS_PREFIX}${CONNECTORS_PATH}`] = expansions;

  // §1.4: clients send one comma-separated value (`expand=id,info,status`); the enum admits a single value only.
  for (const parameter of expansions.get.parameters ?? []) {
    if (parameter.name === 'expand')
      parameter.schema = { type: 'string', pattern: '^(id|info|status)(,(id|info|status))*$' };
  }

  // §1.4 and the Terraform docs: service-account connectors (kafka.auth.mode=SERVICE_ACCOUNT) have no
  // kafka.api.key/secret, which the 2024 SDK schemas list as required. Keep the requirement for API-key connectors.
  const schemas = document.components?.schemas ?? {};
  const configResponse = paths[`${CONNECTORS_PATH}/{connector_name}/config`]?.get?.responses?.['200'];
  for (const config of [
    schemas['connect.v1.Connector']?.properties?.config,
    schemas.connect_v1_ConnectorExpansion_info?.properties?.config,
    schemas['connect.v1.Connectors']?.items?.properties?.config,
    configResponse?.content?.['application/json']?.schema,
  ]) {
    allowServiceAccountAuth(config);
  }

  // §1.5/§1.6: a connect/v1 429 carries the `{"error":{…}}` body; the 2026 RateLimitError declares headers only.
  const rateLimit = document.components?.responses?.RateLimitError;
  if (!rateLimit) throw new Error(`${CONNECT_V1_SPEC}: no RateLimitError response`);
  rateLimit.content = { 'application/json': { schema: { $ref: '#/components/schemas/connect.v1.ConnectorError' } } };
  return document;
}

function allowServiceAccountAuth(config: SchemaSpec | undefined): void {
  if (!config?.required) throw new Error('connect/v1 config schema not where expected: update prepareConnectDocument');
  const apiKeyFields = ['kafka.api.key', 'kafka.api.secret'];
  config.required = config.required.filter((field) => !apiKeyFields.includes(field));
  config.anyOf = [
    { required: apiKeyFields },
    {
      required: ['kafka.auth.mode', 'kafka.service.account.id'],
      properties: { 'kafka.auth.mode': { type: 'string', enum: ['SERVICE_ACCOUNT'] } },
    },
  ];
}

function isDateTime(value: string): boolean {
  return (
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value))
  );
}

function label(record: RecordedRequest): string {
  const query = new URLSearchParams(record.query).toString();
  return `${record.method} ${record.path}${query ? `?${query}` : ''}`;
}
