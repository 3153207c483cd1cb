import type { EstateProviderIntegration } from '#local/estate';
import { PROVIDER_INTEGRATION_KEY } from './masking';
import { paginate } from './pagination';
import { type ApiResponse, errorResponse, ORGANIZATION_ID } from './responses';
import type { EmulatorState } from './state';
import type { PimApiMode, PimVersion } from './types';

export interface PimContext {
  readonly integrations: readonly EstateProviderIntegration[];
  readonly modes: Readonly<Record<PimVersion, PimApiMode>>;
}

export interface PimRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly baseUrl: string;
}

/** pim/v1 is the AWS API (GA); pim/v2 "currently supports only Azure and GCP provider integrations" (Early Access). */
const PROVIDERS: Record<PimVersion, ReadonlySet<string>> = { v1: new Set(['AWS']), v2: new Set(['AZURE', 'GCP']) };

/**
 * `GET /pim/v1/integrations` and `GET /pim/v2/integrations`: the provider integrations of one environment, each with
 * the CRNs of the connectors whose config names it (`usages`). A version can be switched to 403 (the key may not
 * read integrations) or 404 (the API is not offered, e.g. pim/v2 without Early Access).
 */
export function routePim(request: PimRequest, state: EmulatorState, context: PimContext): ApiResponse {
  const match = /^\/pim\/(v1|v2)\/integrations$/.exec(request.path);
  const version = match?.[1] as PimVersion | undefined;
  if (!version) return errorResponse('standard', 404, `no route for ${request.path}`);
  if (context.modes[version] === 'not-found') return errorResponse('standard', 404, `no route for ${request.path}`);
  if (request.method !== 'GET') return errorResponse('standard', 405);
  if (context.modes[version] === 'forbidden') {
    return errorResponse('standard', 403, 'The API key is not allowed to read provider integrations');
  }
  const environmentId = request.query.environment;
  if (!environmentId) return errorResponse('standard', 400, 'environment is required', { parameter: 'environment' });
  if (!state.findEnvironment(environmentId)) {
    return errorResponse('standard', 403, `environment ${environmentId} is not accessible`);
  }
  const provider = request.query.provider?.toUpperCase();
  const listed = context.integrations.filter(
    (integration) =>
      integration.environmentId === environmentId &&
      PROVIDERS[version].has(integration.provider) &&
      (provider === undefined || integration.provider === provider),
  );
  const listUrl = `${request.baseUrl}${request.path}`;
  const page = paginate(listed, { listUrl, query: request.query });
  if (!page.ok) return errorResponse('standard', 400, page.detail, { parameter: page.parameter });
  const data = page.items.map((integration) =>
    integrationBody(integration, version, usagesOf(integration, state), request.baseUrl),
  );
  return {
    status: 200,
    body: { api_version: `pim/${version}`, kind: 'IntegrationList', metadata: page.metadata, data },
  };
}

/** The CRN of every connector in the integration's environment whose config names it. */
function usagesOf(integration: EstateProviderIntegration, state: EmulatorState): string[] {
  const environmentCrn = `crn://confluent.cloud/organization=${ORGANIZATION_ID}/environment=${integration.environmentId}`;
  return state.clustersOf(integration.environmentId).flatMap((cluster) =>
    state
      .connectorsOf(integration.environmentId, cluster.id)
      .filter((entry) => entry.connector.config[PROVIDER_INTEGRATION_KEY] === integration.id)
      .map((entry) => `${environmentCrn}/cloud-cluster=${cluster.id}/connector=${entry.connector.name}`),
  );
}

function integrationBody(
  integration: EstateProviderIntegration,
  version: PimVersion,
  usages: string[],
  baseUrl: string,
): unknown {
  const environmentCrn = `crn://confluent.cloud/organization=${ORGANIZATION_ID}/environment=${integration.environmentId}`;
  return {
    api_version: `pim/${version}`,
    kind: 'Integration',
    id: integration.id,
    display_name: integration.displayName,
    provider: integration.provider,
    config: providerConfig(integration),
    usages,
    // pim/v2 only: DRAFT (no customer config) → CREATED → ACTIVE (in use by Confluent resources).
    ...(version === 'v2' ? { status: usages.length > 0 ? 'ACTIVE' : 'CREATED' } : {}),
    environment: {
      id: integration.environmentId,
      related: `${baseUrl}/org/v2/environments/${integration.environmentId}`,
      resource_name: environmentCrn,
    },
  };
}

/** The cloud-specific part: what Confluent uses to reach the customer's account (readOnly) and what they supplied. */
function providerConfig(integration: EstateProviderIntegration): unknown {
  const suffix = integration.id.slice('cspi-'.length);
  switch (integration.provider) {
    case 'AWS':
      return {
        kind: 'AwsIntegrationConfig',
        iam_role_arn: `arn:aws:iam::000000000000:role/confluent-pim-${suffix}`,
        external_id: '5c3e1f0a-9b7d-4e2c-8a61-2f4d6b8c0e1a',
        customer_iam_role_arn: 'arn:aws:iam::123456789012:role/confluent-secrets-reader',
      };
    case 'AZURE':
      return {
        kind: 'AzureIntegrationConfig',
        confluent_multi_tenant_app_id: '9bb441c4-edef-46ac-8a41-c49e44a3fd9a',
        customer_azure_tenant_id: '12345678-1234-1234-1234-123456789abc',
      };
    case 'GCP':
      return {
        kind: 'GcpIntegrationConfig',
        google_service_account: `cspi-${suffix}@cflt-project.iam.gserviceaccount.com`,
        customer_google_service_account: 'secrets-reader@customer-project.iam.gserviceaccount.com',
      };
  }
}
