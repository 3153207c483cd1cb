import { ConfluentClient } from '#confluent/confluent-client';
import { ConfluentServerError } from '#confluent/confluent-errors';
import { ConfluentHttp } from '#confluent/confluent-http';
import { ConfluentProviderIntegrations } from '#confluent/confluent-provider-integrations';
import { StaticCredentials } from '#confluent/static-credentials';
import { connectorOfUsage } from '#core/provider-integration';
import { FakeClock } from '#test-helpers/fake-clock';
import { type Scripted, scriptedFetch } from './support/fake-fetch';

const BASE = 'https://api.example.test';
const CRN =
  'crn://confluent.cloud/organization=org-1/environment=env-prod01/cloud-cluster=lkc-orders1/connector=orders-cdc';

function integrationsWith(script: Scripted[]) {
  const { fetch, calls } = scriptedFetch(script);
  const clock = new FakeClock();
  const http = new ConfluentHttp({
    credentials: new StaticCredentials('KEY123', 'secret-value-1'),
    baseUrl: BASE,
    fetch,
    clock,
    retry: { maxRetries: 0 },
    gate: { requestsPerSecond: Number.POSITIVE_INFINITY, clock },
  });
  return { integrations: new ConfluentProviderIntegrations(new ConfluentClient(http)), calls };
}

const forbidden = { status: 403, body: { errors: [{ status: '403', code: 'forbidden', detail: 'Forbidden Access' }] } };

describe('ConfluentProviderIntegrations', () => {
  it('reads pim/v1 and pim/v2 for one environment, every page, cloud in lower case', async () => {
    // Prepare
    const { integrations, calls } = integrationsWith([
      {
        status: 200,
        body: {
          metadata: { next: `${BASE}/pim/v1/integrations?environment=env-prod01&page_token=t2` },
          data: [{ id: 'cspi-1', display_name: 'aws one', provider: 'AWS', usages: [CRN] }],
        },
      },
      { status: 200, body: { metadata: {}, data: [{ id: 'cspi-3', provider: 'GCP', status: 'CREATED' }] } },
      { status: 200, body: { metadata: {}, data: [{ id: 'cspi-2', provider: 'AWS' }] } },
    ]);

    // Act
    const listing = await integrations.listProviderIntegrations('env-prod01');

    // Assess
    expect(listing.unreadable).toEqual([]);
    expect(listing.integrations).toEqual(
      expect.arrayContaining([
        {
          id: 'cspi-1',
          environmentId: 'env-prod01',
          api: 'pim/v1',
          displayName: 'aws one',
          cloud: 'aws',
          usages: [CRN],
        },
        { id: 'cspi-2', environmentId: 'env-prod01', api: 'pim/v1', cloud: 'aws', usages: [] },
        { id: 'cspi-3', environmentId: 'env-prod01', api: 'pim/v2', cloud: 'gcp', status: 'CREATED', usages: [] },
      ]),
    );
    expect(calls.map((call) => `${call.url.pathname}?${call.url.searchParams}`).sort()).toEqual([
      '/pim/v1/integrations?environment=env-prod01&page_size=100',
      '/pim/v1/integrations?environment=env-prod01&page_token=t2&page_size=100',
      '/pim/v2/integrations?environment=env-prod01&page_size=100',
    ]);
  });

  it('turns a 403 or a 404 into an unreadable API with its reason, not an error', async () => {
    // Prepare: pim/v1 is asked first, then pim/v2.
    const { integrations } = integrationsWith([forbidden, { status: 404, body: { errors: [{ status: '404' }] } }]);

    // Act
    const listing = await integrations.listProviderIntegrations('env-prod01');

    // Assess
    expect(listing.integrations).toEqual([]);
    expect(listing.unreadable).toEqual([
      {
        api: 'pim/v1',
        environmentId: 'env-prod01',
        reason: 'HTTP 403: the API key may not read provider integrations',
      },
      {
        api: 'pim/v2',
        environmentId: 'env-prod01',
        reason: 'HTTP 404: pim/v2 is not offered to this organisation (Early Access)',
      },
    ]);
  });

  it('still throws what is not about access: a server error after its retries', async () => {
    // Prepare
    const { integrations } = integrationsWith([
      { status: 500, body: { errors: [{ status: '500' }] } },
      { status: 200, body: { metadata: {}, data: [] } },
    ]);

    // Act / Assess
    await expect(integrations.listProviderIntegrations('env-prod01')).rejects.toBeInstanceOf(ConfluentServerError);
  });
});

describe('connectorOfUsage', () => {
  it('reads the connector out of a usage CRN, and nothing out of other CRNs', () => {
    // Act / Assess
    expect(connectorOfUsage(CRN)).toEqual({
      environmentId: 'env-prod01',
      clusterId: 'lkc-orders1',
      name: 'orders-cdc',
    });
    expect(connectorOfUsage(`${CRN.replace('orders-cdc', 'my%20sink')}`)?.name).toBe('my sink');
    expect(
      connectorOfUsage('crn://confluent.cloud/organization=org-1/environment=env-prod01/flink-region=aws.us-east-1'),
    ).toBeUndefined();
  });
});
