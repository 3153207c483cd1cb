import type { Estate, EstateCluster, EstateConnector } from '#local/estate';

/**
 * A synthetic estate for the benchmarks: clusters spread over two environments, connectors with realistic configs
 * (about a dozen keys, some referencing other secrets by ARN), and chosen connectors referencing the rotated secret.
 */
export interface BenchEstateOptions {
  readonly clusters: number;
  readonly connectorsPerCluster: number;
  /** For each affected connector (by global index), the secret ARN it references. */
  readonly references: ReadonlyMap<number, string>;
}

export const ACCOUNT = '123456789012';

export function secretArn(name: string): string {
  // A fixed 6-character suffix, as AWS appends to every secret ARN.
  return `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-Ab12Cd`;
}

export function benchEstate(options: BenchEstateOptions): Estate {
  const environments = [
    { id: 'env-bench1', displayName: 'bench one' },
    { id: 'env-bench2', displayName: 'bench two' },
  ];
  const clusters: EstateCluster[] = [];
  for (let c = 0; c < options.clusters; c += 1) {
    clusters.push({
      id: `lkc-b${String(c).padStart(4, '0')}`,
      environmentId: (environments[c % 2] ?? environments[0])?.id ?? 'env-bench1',
      displayName: `bench-${c}`,
      cloud: 'AWS',
      region: 'us-east-1',
      kind: 'Dedicated',
    });
  }
  const connectors: EstateConnector[] = [];
  let index = 0;
  for (const cluster of clusters) {
    for (let n = 0; n < options.connectorsPerCluster; n += 1, index += 1) {
      const reference = options.references.get(index);
      connectors.push(connector(cluster, `conn-${index}`, index, reference));
    }
  }
  return { environments, clusters, connectors };
}

function connector(cluster: EstateCluster, name: string, index: number, reference?: string): EstateConnector {
  // Unaffected connectors still reference some other secret (by ARN or name), so the scan has real work to do.
  const other = index % 3 === 0 ? secretArn(`other/db-${index}`) : `other/api-${index}`;
  return {
    environmentId: cluster.environmentId,
    clusterId: cluster.id,
    name,
    id: `lcc-${index.toString(36)}`,
    type: index % 2 === 0 ? 'source' : 'sink',
    taskCount: 1,
    state: 'RUNNING',
    secretRefs: reference ? [reference] : [],
    config: {
      name,
      'connector.class': index % 2 === 0 ? 'PostgresCdcSourceV2' : 'S3_SINK',
      'kafka.auth.mode': 'SERVICE_ACCOUNT',
      'kafka.service.account.id': 'sa-bench',
      'cloud.provider': 'aws',
      'kafka.endpoint': `SASL_SSL://pkc-${cluster.id.slice(4)}.us-east-1.aws.confluent.cloud:9092`,
      'kafka.region': 'us-east-1',
      'tasks.max': '1',
      'database.hostname': `db-${index}.internal.example.com`,
      'database.user': `svc_${index}`,
      'database.password': reference ?? other,
      'topic.prefix': `bench.${index}`,
      'output.data.format': 'AVRO',
      'secret.manager.provider.integration.id': 'cspi-bench',
    },
  };
}

/** `count` indices spread evenly over the first `clusters` clusters (round-robin), for the affected connectors. */
export function spreadIndices(count: number, clusters: number, connectorsPerCluster: number): number[] {
  return Array.from({ length: count }, (_, i) => (i % clusters) * connectorsPerCluster + Math.floor(i / clusters));
}
