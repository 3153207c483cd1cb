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

/**
 * A realistic small estate: two environments, four clusters on two clouds, eleven connectors. Some reference
 * rotated secrets by ARN (with and without suffix), by name, or by Key Vault URI; one is paused; one is on the
 * other cloud; some reference nothing.
 */
export function seedEstate(): Estate {
  return {
    environments: [
      { id: 'env-prod01', displayName: 'production' },
      { id: 'env-stage01', displayName: 'staging' },
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
        clusterId: 'lkc-azan01',
        name: 'analytics-sql-sink',
        id: 'lcc-azan01',
        type: 'sink',
        state: 'RUNNING',
        taskCount: 2,
        config: {
          'connector.class': 'AzureSqlDwSink',
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_AZURE,
          'azure.sql.dw.password': `${SEED_SECRETS.analyticsDb}/0f1e2d3c4b5a69788796a5b4c3d2e1f0`,
        },
        secretRefs: [SEED_SECRETS.analyticsDb],
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
