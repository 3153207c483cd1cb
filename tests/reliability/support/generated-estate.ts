import type { Estate, EstateConnector } from '#local/estate';

/**
 * A generated estate for the reliability scenarios: `count` AWS secrets and `count` Key Vault secrets, each read by
 * one connector (every fourth by two), on Dedicated clusters of the secret's own cloud, referenced from the config.
 */
export const RELIABILITY_ENV = 'env-rel01';
export const CREDENTIALS_VAULT = 'rel-reloader';
export const SECRETS_VAULT = 'rel-secrets';
const AWS_CLUSTERS = ['lkc-relaws1', 'lkc-relaws2'];
const AZURE_CLUSTERS = ['lkc-relaz1', 'lkc-relaz2'];

export interface GeneratedSecret {
  readonly index: number;
  readonly provider: 'aws' | 'azure';
  /** The canonical id: full ARN or Key Vault URI without version. */
  readonly id: string;
  /** Secrets Manager name, or Key Vault secret name. */
  readonly name: string;
  /** `env/lkc/name` of the connectors that read it. */
  readonly connectors: readonly string[];
}

export interface GeneratedEstate {
  readonly estate: Estate;
  readonly aws: readonly GeneratedSecret[];
  readonly azure: readonly GeneratedSecret[];
}

export function awsSecretName(index: number): string {
  return `rel/db-${index}`;
}

export function awsSecretArn(index: number): string {
  return `arn:aws:secretsmanager:us-east-1:123456789012:secret:${awsSecretName(index)}-Rel${String(index % 1000).padStart(3, '0')}`;
}

export function keyVaultSecretUri(index: number): string {
  return `https://${SECRETS_VAULT}.vault.azure.net/secrets/db-${index}`;
}

export function generateEstate(count: number): GeneratedEstate {
  const connectors: EstateConnector[] = [];
  const secrets = (provider: 'aws' | 'azure'): GeneratedSecret[] =>
    Array.from({ length: count }, (_, index) => {
      const id = provider === 'aws' ? awsSecretArn(index) : keyVaultSecretUri(index);
      const clusters = provider === 'aws' ? AWS_CLUSTERS : AZURE_CLUSTERS;
      const clusterId = clusters[index % clusters.length] as string;
      const names =
        index % 4 === 0 ? [`${provider}-sink-${index}`, `${provider}-source-${index}`] : [`${provider}-sink-${index}`];
      for (const name of names) {
        connectors.push({
          environmentId: RELIABILITY_ENV,
          clusterId,
          name,
          id: `lcc-${provider}${index}${name.includes('source') ? 's' : 'k'}`,
          type: name.includes('source') ? 'source' : 'sink',
          taskCount: 1,
          state: 'RUNNING',
          config: {
            name,
            'connector.class': 'PostgresSink',
            'cloud.provider': provider,
            // Resolved through the cloud's provider integration, as Confluent's secret manager integration needs.
            'secret.manager.provider.integration.id': provider === 'aws' ? 'cspi-relaws' : 'cspi-relaz',
            'connection.password': id,
          },
          secretRefs: [id],
        });
      }
      return {
        index,
        provider,
        id,
        name: provider === 'aws' ? awsSecretName(index) : `db-${index}`,
        connectors: names.map((name) => `${RELIABILITY_ENV}/${clusterId}/${name}`),
      };
    });
  const aws = secrets('aws');
  const azure = secrets('azure');
  return {
    aws,
    azure,
    estate: {
      environments: [{ id: RELIABILITY_ENV, displayName: 'reliability' }],
      clusters: [
        ...AWS_CLUSTERS.map((id) => ({
          id,
          environmentId: RELIABILITY_ENV,
          displayName: id,
          cloud: 'AWS' as const,
          region: 'us-east-1',
          kind: 'Dedicated' as const,
        })),
        ...AZURE_CLUSTERS.map((id) => ({
          id,
          environmentId: RELIABILITY_ENV,
          displayName: id,
          cloud: 'AZURE' as const,
          region: 'eastus2',
          kind: 'Dedicated' as const,
        })),
      ],
      connectors,
    },
  };
}
