import type { Estate, EstateConnector } from './estate';

/** Secrets the seeded estate references, as their canonical ids. The random ARN suffixes are fixed for repeatability. */
export const SEED_SECRETS = {
  ordersDb: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd',
  paymentsApiKey: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/payments-api-key-Zx98Yw',
  analyticsDb: 'https://contoso-analytics.vault.azure.net/secrets/analytics-db-password',
  /** Named only by a mapping file / tag, never written into a connector config. */
  crmToken: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/crm-token-Qr56St',
} as const;

const PROVIDER_INTEGRATION_AWS = 'cspi-aws0001';
const PROVIDER_INTEGRATION_AZURE = 'cspi-azr0001';

function connector(
  fields: Omit<EstateConnector, 'config' | 'type' | 'taskCount'> & Partial<EstateConnector>,
): EstateConnector {
  const cloud = fields.clusterId.startsWith('lkc-az') ? 'azure' : 'aws';
  return {
    type: 'source',
    taskCount: 1,
    ...fields,
    config: {
      name: fields.name,
      'connector.class': 'PostgresCdcSourceV2',
      'kafka.auth.mode': 'SERVICE_ACCOUNT',
      'kafka.service.account.id': 'sa-r0l0ad',
      'cloud.provider': cloud,
      'cloud.environment': 'prod',
      'kafka.endpoint': `SASL_SSL://pkc-${fields.clusterId.slice(4)}.confluent.cloud:9092`,
      'kafka.region': cloud === 'azure' ? 'eastus' : 'us-east-1',
      'tasks.max': String(fields.taskCount ?? 1),
      ...fields.config,
    },
  };
}

/** A Key Vault version of analytics-db-password older than any the local vault writes. */
export const PINNED_ANALYTICS_VERSION = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';

/**
 * A realistic small estate: two environments, four clusters on two clouds, thirteen connectors, two provider
 * integrations. Some reference rotated secrets by ARN (with and without suffix), by name, or by Key Vault URI
 * through a provider integration; one holds an ARN as plain text (no integration); one pins a Key Vault version;
 * one is paused; one is on the other cloud; some reference nothing.
 */
export function seedEstate(): Estate {
  return {
    environments: [
      { id: 'env-prod01', displayName: 'production' },
      { id: 'env-stage01', displayName: 'staging' },
    ],
    providerIntegrations: [
      {
        id: PROVIDER_INTEGRATION_AWS,
        environmentId: 'env-prod01',
        displayName: 'prod-secrets-manager',
        provider: 'AWS',
      },
      { id: PROVIDER_INTEGRATION_AZURE, environmentId: 'env-prod01', displayName: 'prod-key-vault', provider: 'AZURE' },
    ],
    clusters: [
      {
        id: 'lkc-orders1',
        environmentId: 'env-prod01',
        displayName: 'orders-dedicated',
        cloud: 'AWS',
        region: 'us-east-1',
        kind: 'Dedicated',
      },
      {
        id: 'lkc-pay01',
        environmentId: 'env-prod01',
        displayName: 'payments-dedicated',
        cloud: 'AWS',
        region: 'us-east-1',
        kind: 'Dedicated',
      },
      {
        id: 'lkc-azan01',
        environmentId: 'env-prod01',
        displayName: 'analytics-azure',
        cloud: 'AZURE',
        region: 'eastus2',
        kind: 'Dedicated',
      },
      {
        id: 'lkc-stage01',
        environmentId: 'env-stage01',
        displayName: 'staging-standard',
        cloud: 'AWS',
        region: 'us-east-1',
        kind: 'Standard',
      },
    ],
    connectors: [
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-orders1',
        name: 'orders-cdc',
        id: 'lcc-orders01',
        state: 'RUNNING',
        taskCount: 2,
        config: {
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_AWS,
          'database.password': SEED_SECRETS.ordersDb,
        },
        secretRefs: [SEED_SECRETS.ordersDb],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-orders1',
        name: 'orders-outbox',
        id: 'lcc-orders02',
        state: 'RUNNING',
        // Referenced by the ARN without its random suffix.
        config: {
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_AWS,
          'database.password': 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db',
        },
        secretRefs: [SEED_SECRETS.ordersDb],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-orders1',
        name: 'orders-archive-s3',
        id: 'lcc-orders03',
        type: 'sink',
        state: 'PAUSED',
        config: {
          'connector.class': 'S3_SINK',
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_AWS,
          'aws.secret.access.key': SEED_SECRETS.ordersDb,
        },
        secretRefs: [SEED_SECRETS.ordersDb],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-orders1',
        name: 'orders-datagen',
        id: 'lcc-orders04',
        state: 'RUNNING',
        config: { 'connector.class': 'DatagenSource', quickstart: 'ORDERS' },
        secretRefs: [],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-pay01',
        name: 'payments-http-sink',
        id: 'lcc-pay01',
        type: 'sink',
        state: 'RUNNING',
        taskCount: 3,
        config: {
          'connector.class': 'HttpSinkV2',
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_AWS,
          'auth.password': SEED_SECRETS.paymentsApiKey,
        },
        secretRefs: [SEED_SECRETS.paymentsApiKey],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-pay01',
        name: 'payments-ledger-cdc',
        id: 'lcc-pay02',
        state: 'RUNNING',
        // Referenced by plain secret name.
        config: {
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_AWS,
          'database.password': 'prod/orders-db',
        },
        secretRefs: [SEED_SECRETS.ordersDb],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-pay01',
        name: 'crm-sync',
        id: 'lcc-pay03',
        state: 'RUNNING',
        // Uses a plain (masked) credential; only the mapping file ties it to prod/crm-token.
        config: { 'connector.class': 'SalesforceCdcSource', 'salesforce.password': 'not-a-reference' },
        secretRefs: [SEED_SECRETS.crmToken],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-pay01',
        name: 'payments-refunds-http',
        id: 'lcc-pay04',
        type: 'sink',
        state: 'RUNNING',
        // No provider integration: the API key was pasted in by hand (masked), and an SMT stamps the ARN it was
        // copied from onto each record. Confluent never fetches that secret, so a restart changes nothing.
        config: {
          'connector.class': 'HttpSinkV2',
          'auth.password': 'pasted-by-hand',
          transforms: 'credentialSource',
          'transforms.credentialSource.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
          'transforms.credentialSource.static.field': 'credential_source',
          'transforms.credentialSource.static.value': SEED_SECRETS.paymentsApiKey,
        },
        secretRefs: [],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-azan01',
        name: 'analytics-sql-sink',
        id: 'lcc-azan01',
        type: 'sink',
        state: 'RUNNING',
        taskCount: 2,
        config: {
          'connector.class': 'AzureSqlDwSink',
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_AZURE,
          'azure.sql.dw.password': SEED_SECRETS.analyticsDb,
        },
        secretRefs: [SEED_SECRETS.analyticsDb],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-azan01',
        name: 'analytics-audit-sink',
        id: 'lcc-azan03',
        type: 'sink',
        state: 'RUNNING',
        // Pinned to one version: every start fetches that version, so a rotation leaves it as it is.
        config: {
          'connector.class': 'AzureSqlDwSink',
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_AZURE,
          'azure.sql.dw.password': `${SEED_SECRETS.analyticsDb}/${PINNED_ANALYTICS_VERSION}`,
        },
        secretRefs: [],
      }),
      connector({
        environmentId: 'env-prod01',
        clusterId: 'lkc-azan01',
        name: 'analytics-blob-sink',
        id: 'lcc-azan02',
        type: 'sink',
        state: 'RUNNING',
        config: {
          'connector.class': 'AzureBlobSink',
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_AZURE,
          'azblob.account.key': SEED_SECRETS.analyticsDb,
        },
        secretRefs: [SEED_SECRETS.analyticsDb],
      }),
      connector({
        environmentId: 'env-stage01',
        clusterId: 'lkc-stage01',
        name: 'stage-orders-cdc',
        id: 'lcc-stage01',
        state: 'RUNNING',
        config: { 'database.password': 'arn:aws:secretsmanager:us-east-1:123456789012:secret:stage/orders-db-Mn34Op' },
        secretRefs: ['arn:aws:secretsmanager:us-east-1:123456789012:secret:stage/orders-db-Mn34Op'],
      }),
      connector({
        environmentId: 'env-stage01',
        clusterId: 'lkc-stage01',
        name: 'stage-datagen',
        id: 'lcc-stage02',
        state: 'FAILED',
        config: { 'connector.class': 'DatagenSource', quickstart: 'USERS' },
        secretRefs: [],
      }),
    ],
  };
}
