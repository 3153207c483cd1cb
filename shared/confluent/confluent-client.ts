import * as z from 'zod/mini';
import type { ClusterScope, ConnectorSnapshot, ConnectorStatus, TaskStatus } from '#core/connector';
import { type ConnectorRef, connectorKey } from '#core/connector-ref';
import type { ProviderIntegration } from '#core/provider-integration';
import { cleanTrace } from '#observability/trace-hygiene';
import { describeIssues } from '#validation/issue-text';
import {
  CONNECT_V1_PREFIX,
  DISCOVERY_PAGE_SIZE,
  LIST_CONNECTORS_EXPAND,
  PROVIDER_INTEGRATION_APIS,
  type ProviderIntegrationApi,
  RESTART_HTTP_METHOD,
  RESTART_PATH_SUFFIX,
} from './api-facts';
import { type ConfluentErrorContext, ConfluentResponseError, subject } from './confluent-errors';
import type { ConfluentHttp, ConfluentResponse } from './confluent-http';

export interface ConfluentEnvironment {
  readonly id: string;
  readonly displayName?: string;
}

/** A Kafka cluster as cmk/v2 describes it. */
export type ConfluentCluster = ClusterScope;

// Response shapes per the reference (§1.4, §5). Unknown fields are ignored; only what we read is checked.
const pageMetadata = z.nullish(z.object({ next: z.nullish(z.string()) }));

const environmentList = z.object({
  metadata: pageMetadata,
  data: z.array(z.object({ id: z.string(), display_name: z.nullish(z.string()) })),
});

const clusterList = z.object({
  metadata: pageMetadata,
  data: z.array(
    z.object({
      id: z.string(),
      spec: z.nullish(
        z.object({
          display_name: z.nullish(z.string()),
          cloud: z.nullish(z.string()),
          region: z.nullish(z.string()),
          config: z.nullish(z.object({ kind: z.nullish(z.string()) })),
        }),
      ),
    }),
  ),
});

// §3: pim.v1/v2.Integration; `usages` are the CRNs of the resources using the integration.
const providerIntegrationList = z.object({
  metadata: pageMetadata,
  data: z.array(
    z.object({
      id: z.string(),
      display_name: z.nullish(z.string()),
      provider: z.nullish(z.string()),
      status: z.nullish(z.string()),
      usages: z.nullish(z.array(z.string())),
    }),
  ),
});

const connectorStatus = z.object({
  connector: z.object({ state: z.string(), trace: z.nullish(z.string()) }),
  tasks: z.nullish(z.array(z.object({ id: z.number(), state: z.string(), msg: z.nullish(z.string()) }))),
});

const connectorExpansionMap = z.record(
  z.string(),
  z.object({
    id: z.nullish(z.object({ id: z.nullish(z.string()) })),
    info: z.nullish(z.object({ config: z.nullish(z.record(z.string(), z.unknown())) })),
    status: z.nullish(connectorStatus),
  }),
);

/** Guards against a server that hands back the same `next` forever. */
const MAX_PAGES = 1000;

/** Typed calls to org/v2, cmk/v2 and connect/v1. One method, one API operation (or one paginated listing). */
export class ConfluentClient {
  constructor(private readonly http: ConfluentHttp) {}

  /** `GET /org/v2/environments`, every page. */
  async listEnvironments(): Promise<ConfluentEnvironment[]> {
    const context = { operation: 'list-environments' };
    const pages = await this.allPages('/org/v2/environments', {}, environmentList, context);
    return pages.flatMap((page) =>
      page.data.map((environment) => ({
        id: environment.id,
        ...(environment.display_name && { displayName: environment.display_name }),
      })),
    );
  }

  /** `GET /cmk/v2/clusters?environment=…`, every page. */
  async listClusters(environmentId: string): Promise<ConfluentCluster[]> {
    const context = { operation: 'list-clusters', scope: environmentId };
    const pages = await this.allPages('/cmk/v2/clusters', { environment: environmentId }, clusterList, context);
    return pages.flatMap((page) =>
      page.data.map((cluster) => ({
        environmentId,
        clusterId: cluster.id,
        ...(cluster.spec?.display_name && { displayName: cluster.spec.display_name }),
        ...(cluster.spec?.cloud && { cloud: cluster.spec.cloud.toLowerCase() }),
        ...(cluster.spec?.region && { region: cluster.spec.region }),
        ...(cluster.spec?.config?.kind && { kind: cluster.spec.config.kind }),
      })),
    );
  }

  /** `GET /pim/v1/integrations?environment=…` or `/pim/v2/…`, every page. */
  async listProviderIntegrations(environmentId: string, api: ProviderIntegrationApi): Promise<ProviderIntegration[]> {
    const context = { operation: `list-provider-integrations ${api}`, scope: environmentId };
    const path = PROVIDER_INTEGRATION_APIS.find((entry) => entry.api === api)?.path ?? `/${api}/integrations`;
    const pages = await this.allPages(path, { environment: environmentId }, providerIntegrationList, context);
    return pages.flatMap((page) =>
      page.data.map((integration) => ({
        id: integration.id,
        environmentId,
        api,
        usages: integration.usages ?? [],
        ...(integration.display_name && { displayName: integration.display_name }),
        ...(integration.provider && { cloud: integration.provider.toLowerCase() }),
        ...(integration.status && { status: integration.status }),
      })),
    );
  }

  /** Every connector of a cluster with id, config and status: ONE call (connect/v1 lists are not paginated). */
  async listConnectors(environmentId: string, clusterId: string): Promise<ConnectorSnapshot[]> {
    const context = { operation: 'list-connectors', scope: `${environmentId}/${clusterId}` };
    const response = await this.http.request({
      method: 'GET',
      path: connectorsPath(environmentId, clusterId),
      query: { expand: LIST_CONNECTORS_EXPAND },
      context,
    });
    const expansions = parse(connectorExpansionMap, response, context);
    return Object.entries(expansions).map(([name, expansion]) => ({
      ref: { environmentId, clusterId, name },
      ...(expansion.id?.id && { id: expansion.id.id }),
      config: stringValues(expansion.info?.config ?? {}),
      // Asked for with expand=status; should it be missing, NONE is neither healthy nor failed: nothing acts on it.
      status: expansion.status ? toStatus(expansion.status) : { state: 'NONE', tasks: [] },
    }));
  }

  async getStatus(ref: ConnectorRef): Promise<ConnectorStatus> {
    const context = { operation: 'get-status', connector: connectorKey(ref) };
    const response = await this.http.request({ method: 'GET', path: `${connectorPath(ref)}/status`, context });
    return toStatus(parse(connectorStatus, response, context));
  }

  /** `PUT …/pause` (GA, 202). */
  async pause(ref: ConnectorRef): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: `${connectorPath(ref)}/pause`,
      context: { operation: 'pause', connector: connectorKey(ref) },
    });
  }

  /** `PUT …/resume` (GA, 202). */
  async resume(ref: ConnectorRef): Promise<void> {
    await this.http.request({
      method: 'PUT',
      path: `${connectorPath(ref)}/resume`,
      context: { operation: 'resume', connector: connectorKey(ref) },
    });
  }

  /** `POST …/restart` (Preview, 202): the connector and all its tasks. */
  async restart(ref: ConnectorRef): Promise<void> {
    await this.http.request({
      method: RESTART_HTTP_METHOD,
      path: `${connectorPath(ref)}${RESTART_PATH_SUFFIX}`,
      context: { operation: 'restart', connector: connectorKey(ref) },
    });
  }

  /** Follows `metadata.next` until it is absent. */
  private async allPages<T extends { metadata?: { next?: string | null | undefined } | null | undefined }>(
    path: string,
    query: Record<string, string>,
    schema: z.ZodMiniType<T>,
    context: ConfluentErrorContext,
  ): Promise<T[]> {
    const firstQuery = { ...query, page_size: String(DISCOVERY_PAGE_SIZE) };
    const pages: T[] = [];
    const seen = new Set<string>();
    let request: { path: string; query: Record<string, string> } | undefined = { path, query: firstQuery };
    while (request) {
      if (pages.length >= MAX_PAGES)
        throw new ConfluentResponseError(context, `${subject(context)}: over ${MAX_PAGES} pages`);
      const response = await this.http.request({ method: 'GET', ...request, context });
      const page = parse(schema, response, context);
      pages.push(page);
      const next = page.metadata?.next;
      if (!next) break;
      if (seen.has(next)) throw new ConfluentResponseError(context, `${subject(context)}: page link repeats itself`);
      seen.add(next);
      request = nextPage(next, firstQuery);
    }
    return pages;
  }
}

/**
 * The next page's path and query. The link is followed on our own base URL, never its host, so credentials only go
 * where they were configured to go; query parameters the link leaves out (page size, environment) are kept.
 */
function nextPage(next: string, firstQuery: Record<string, string>): { path: string; query: Record<string, string> } {
  const url = new URL(next, 'https://placeholder.invalid');
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(firstQuery)) {
    if (!url.searchParams.has(name)) query[name] = value;
  }
  return { path: `${url.pathname}${url.search}`, query };
}

function connectorsPath(environmentId: string, clusterId: string): string {
  return `${CONNECT_V1_PREFIX}/${encodeURIComponent(environmentId)}/clusters/${encodeURIComponent(clusterId)}/connectors`;
}

function connectorPath(ref: ConnectorRef): string {
  return `${connectorsPath(ref.environmentId, ref.clusterId)}/${encodeURIComponent(ref.name)}`;
}

/** Traces and task messages are cleaned as they are read (trace-hygiene.ts): they can quote connection strings. */
function toStatus(status: z.infer<typeof connectorStatus>): ConnectorStatus {
  const tasks: TaskStatus[] = (status.tasks ?? []).map((task) => ({
    id: task.id,
    state: task.state,
    ...(task.msg && { msg: cleanTrace(task.msg) }),
  }));
  return {
    state: status.connector.state,
    tasks,
    ...(status.connector.trace && { trace: cleanTrace(status.connector.trace) }),
  };
}

/** Config values are strings per the spec; anything else is kept as its text rather than dropped. */
function stringValues(config: Record<string, unknown>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    result[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return result;
}

function parse<T>(schema: z.ZodMiniType<T>, response: ConfluentResponse, context: ConfluentErrorContext): T {
  const result = schema.safeParse(response.body);
  if (result.success) return result.data;
  // Paths and expected types only: issue messages never quote the values, which may be config.
  const issues = describeIssues(result.error.issues, 3);
  const requestId = response.requestId ? ` (request id ${response.requestId})` : '';
  throw new ConfluentResponseError(
    context,
    `Confluent ${subject(context)} answered an unexpected body: ${issues}${requestId}`,
  );
}
