import { failureTrace, isFailed, isHealthy } from '../../shared/core/connector';
import { connectorKey } from '../../shared/core/connector-ref';
import { findSecretReferences } from '../../shared/core/secret-reference-matcher';
import type { Output } from '../output';
import type { CliRuntime } from '../runtime';

/** Every connector in scope with its state and the secrets its config visibly references: one list call per cluster. */
export async function status(out: Output, runtime: CliRuntime, options: { json?: boolean }) {
  const { platform } = runtime.reloader;
  const clusters = await platform.listClusters({ describe: true });
  const listings = await Promise.all(
    clusters.map(async (cluster) => ({ cluster, connectors: await platform.listConnectors(cluster) })),
  );
  const rows = listings.flatMap(({ cluster, connectors }) =>
    connectors.map((snapshot) => ({
      connector: connectorKey(snapshot.ref),
      cloud: cluster.cloud,
      clusterKind: cluster.kind,
      state: snapshot.status.state,
      health: isHealthy(snapshot.status) ? 'healthy' : isFailed(snapshot.status) ? 'failed' : 'other',
      tasks: snapshot.status.tasks.map((task) => task.state),
      secrets: findSecretReferences(snapshot.config),
      trace: failureTrace(snapshot.status),
    })),
  );
  if (options.json) {
    for (const row of rows) out.json(row);
    return;
  }
  // Red for FAILED and for DEGRADED with a task in error (api-facts.ts), green only when every task runs.
  const paint = (row: (typeof rows)[number]) =>
    row.health === 'healthy'
      ? out.colors.green(row.state)
      : row.health === 'failed'
        ? out.colors.red(row.state)
        : out.colors.yellow(row.state);
  out.table(
    ['connector', 'cloud', 'state', 'tasks', 'secrets referenced'],
    rows.map((row) => [row.connector, row.cloud, paint(row), row.tasks.join(' '), row.secrets.join('\n')]),
  );
}
