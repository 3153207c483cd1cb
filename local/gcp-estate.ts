import type { Estate, EstateConnector } from './estate';

/** The local Google Cloud project: Secret Manager names it by id in configs and by number in notifications. */
export const LOCAL_GCP_PROJECT = { id: 'acme-prod', number: '314159265358' } as const;
export const GCP_SEED_SECRET = 'inventory-db-password';
/** How connector configs reference it, by project id: the form the Confluent emulator tracks rotations under. */
export const GCP_SEED_SECRET_ID = `projects/${LOCAL_GCP_PROJECT.id}/secrets/${GCP_SEED_SECRET}`;
const PROVIDER_INTEGRATION_GCP = 'cspi-gcp0001';

function gcpConnector(name: string, id: string, config: Record<string, string>, secretRefs: string[]): EstateConnector {
  return {
    environmentId: 'env-prod01',
    clusterId: 'lkc-gcinv1',
    name,
    id,
    type: 'source',
    state: 'RUNNING',
    taskCount: 1,
    config: {
      name,
      'connector.class': 'PostgresCdcSourceV2',
      'kafka.auth.mode': 'SERVICE_ACCOUNT',
      'kafka.service.account.id': 'sa-r0l0ad',
      'cloud.provider': 'gcp',
      'cloud.environment': 'prod',
      'kafka.endpoint': 'SASL_SSL://pkc-gcinv1.us-central1.gcp.confluent.cloud:9092',
      'kafka.region': 'us-central1',
      'tasks.max': '1',
      ...config,
    },
    secretRefs,
  };
}

/**
 * The seeded estate plus a Dedicated cluster on Google Cloud whose connectors read a Secret Manager secret: by
 * project id, by project number with `latest`, and one that references nothing. Kept apart from seed-estate.ts so
 * the AWS and Azure stories (and their tests) see the estate they always did.
 */
export function withGcpEstate(estate: Estate): Estate {
  return {
    environments: estate.environments,
    clusters: [
      ...estate.clusters,
      {
        id: 'lkc-gcinv1',
        environmentId: 'env-prod01',
        displayName: 'inventory-gcp',
        cloud: 'GCP',
        region: 'us-central1',
        kind: 'Dedicated',
      },
    ],
    connectors: [
      ...estate.connectors,
      gcpConnector(
        'inventory-cdc',
        'lcc-gcinv01',
        { 'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_GCP, 'database.password': GCP_SEED_SECRET_ID },
        [GCP_SEED_SECRET_ID],
      ),
      gcpConnector(
        'inventory-bigquery-sink',
        'lcc-gcinv02',
        {
          'connector.class': 'BigQueryStorageSink',
          'secret.manager.provider.integration.id': PROVIDER_INTEGRATION_GCP,
          keyfile: `projects/${LOCAL_GCP_PROJECT.number}/secrets/${GCP_SEED_SECRET}/versions/latest`,
        },
        [GCP_SEED_SECRET_ID],
      ),
      gcpConnector(
        'inventory-datagen',
        'lcc-gcinv03',
        { 'connector.class': 'DatagenSource', quickstart: 'INVENTORY' },
        [],
      ),
    ],
  };
}
