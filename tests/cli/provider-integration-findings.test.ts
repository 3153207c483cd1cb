import { providerIntegrationFindings } from '#cli/commands/provider-integration-findings';
import type { ClusterScope, ConnectorSnapshot } from '#core/connector';
import type { ProviderIntegration, ProviderIntegrationListing } from '#core/provider-integration';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const ORG = 'crn://confluent.cloud/organization=org-1/environment=env-p1';
const AWS_CLUSTER: ClusterScope = { environmentId: 'env-p1', clusterId: 'lkc-aws1', cloud: 'aws', kind: 'Dedicated' };
const AZURE_CLUSTER: ClusterScope = {
  environmentId: 'env-p1',
  clusterId: 'lkc-az1',
  cloud: 'azure',
  kind: 'Dedicated',
};

function snapshot(clusterId: string, name: string, config: Record<string, string>): ConnectorSnapshot {
  return { ref: { environmentId: 'env-p1', clusterId, name }, config, status: { state: 'RUNNING', tasks: [] } };
}

function integration(id: string, cloud: string, users: string[]): ProviderIntegration {
  return { id, environmentId: 'env-p1', api: cloud === 'aws' ? 'pim/v1' : 'pim/v2', cloud, usages: users };
}

function findings(
  connectors: ConnectorSnapshot[],
  listings: ProviderIntegrationListing[],
  clusters: ClusterScope[] = [AWS_CLUSTER, AZURE_CLUSTER],
) {
  const byCluster = new Map<string, ConnectorSnapshot[]>();
  for (const connector of connectors) {
    const key = `${connector.ref.environmentId}/${connector.ref.clusterId}`;
    byCluster.set(key, [...(byCluster.get(key) ?? []), connector]);
  }
  return providerIntegrationFindings({
    clusters,
    connectors: byCluster,
    integrations: listings,
    tagKey: 'confluent-connectors',
    requireProviderIntegration: true,
  });
}

const INTEGRATED = { 'secret.manager.provider.integration.id': 'cspi-aws1' };

describe('providerIntegrationFindings', () => {
  it('names the connectors of each integration and tells that their references read back in clear', () => {
    // Prepare
    const orders = snapshot('lkc-aws1', 'orders-cdc', { ...INTEGRATED, 'database.password': ARN });
    const listing = {
      integrations: [integration('cspi-aws1', 'aws', [`${ORG}/cloud-cluster=lkc-aws1/connector=orders-cdc`])],
      unreadable: [],
    };

    // Act
    const result = findings([orders], [listing]);

    // Assess
    expect(result).toEqual([
      { check: 'integration cspi-aws1', ok: true, detail: 'AWS pim/v1: used by env-p1/lkc-aws1/orders-cdc' },
      {
        check: 'connector env-p1/lkc-aws1/orders-cdc',
        ok: true,
        detail: `uses cspi-aws1; references read back in clear: ${ARN}`,
      },
    ]);
  });

  it('says the scan is blind where references read back masked, and how to name the connector instead', () => {
    // Prepare
    const masked = snapshot('lkc-aws1', 'billing-cdc', { ...INTEGRATED, 'database.password': '****************' });
    const listing = {
      integrations: [integration('cspi-aws1', 'aws', [`${ORG}/cloud-cluster=lkc-aws1/connector=billing-cdc`])],
      unreadable: [],
    };

    // Act
    const result = findings([masked], [listing]);

    // Assess
    expect(result).toContainEqual({
      check: 'connector env-p1/lkc-aws1/billing-cdc',
      ok: false,
      detail: expect.stringContaining('read back masked (database.password): the config scan is blind'),
      fix: expect.stringMatching(/tag \(confluent-connectors\) or in the mapping file/),
    });
  });

  it('reports an integration used from a cluster on another cloud', () => {
    // Prepare
    const stray = snapshot('lkc-aws1', 'blob-export', {
      'secret.manager.provider.integration.id': 'cspi-az1',
      'azblob.account.key': 'https://contoso.vault.azure.net/secrets/blob-key',
    });
    const listing = {
      integrations: [integration('cspi-az1', 'azure', [`${ORG}/cloud-cluster=lkc-aws1/connector=blob-export`])],
      unreadable: [],
    };

    // Act
    const result = findings([stray], [listing]);

    // Assess
    expect(result).toContainEqual(
      expect.objectContaining({
        check: 'integration cspi-az1',
        ok: false,
        detail: 'AZURE integration used from cluster(s) on another cloud: env-p1/lkc-aws1 (aws)',
      }),
    );
  });

  it('makes an unreadable API a note, and only then stays quiet about ids it could not check', () => {
    // Prepare
    const azure = snapshot('lkc-az1', 'analytics-sink', {
      'secret.manager.provider.integration.id': 'cspi-az1',
      'azblob.account.key': 'https://contoso.vault.azure.net/secrets/blob-key',
    });
    const unreadable = { api: 'pim/v2', environmentId: 'env-p1', reason: 'HTTP 404: pim/v2 is not offered' };

    // Act
    const blind = findings([azure], [{ integrations: [], unreadable: [unreadable] }]);
    const complete = findings([azure], [{ integrations: [], unreadable: [] }]);

    // Assess
    expect(blind).toEqual([
      {
        check: 'provider integrations env-p1',
        ok: true,
        note: true,
        detail: 'pim/v2 not read (HTTP 404: pim/v2 is not offered): its integrations and their usages are not checked',
      },
    ]);
    expect(complete).toEqual([
      expect.objectContaining({
        check: 'connector env-p1/lkc-az1/analytics-sink',
        ok: false,
        detail: 'secret.manager.provider.integration.id is cspi-az1, which no provider integration of env-p1 has',
      }),
    ]);
  });

  it('notes connectors outside the scopes, and plain-config references that rotations skip', () => {
    // Prepare
    const plain = snapshot('lkc-aws1', 'legacy-http', { 'transforms.tag.static.value': ARN });
    const listing = {
      integrations: [integration('cspi-aws1', 'aws', [`${ORG}/cloud-cluster=lkc-other/connector=far-away`])],
      unreadable: [],
    };

    // Act
    const result = findings([plain], [listing]);

    // Assess
    expect(result).toContainEqual(
      expect.objectContaining({
        check: 'connector env-p1/lkc-other/far-away',
        ok: true,
        note: true,
        detail: expect.stringContaining('outside CONFLUENT_SCOPES'),
      }),
    );
    expect(result).toContainEqual(
      expect.objectContaining({
        check: 'connector env-p1/lkc-aws1/legacy-http',
        note: true,
        detail: expect.stringContaining('rotations name it and skip it (plain-config)'),
      }),
    );
  });
});
