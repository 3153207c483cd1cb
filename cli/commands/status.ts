import { type Coverage, type RotationCoverage, rotationCoverage } from '#cli/coverage';
import type { Output } from '#cli/output';
import { coalescingDetail, instant, paintState, pendingList, taskSummary } from '#cli/render';
import type { CliRuntime } from '#cli/runtime';
import { failureTrace, isFailed, isHealthy } from '#core/connector';
import { connectorKey } from '#core/connector-ref';
import type { PlannedTarget } from '#core/reload-plan';
import { findSecretReferences } from '#core/secret-reference-matcher';
import { rotationsFrom } from './plan';

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
    rows.map((row) => [
      row.connector,
      row.cloud,
      paint(row),
      taskSummary(row.tasks),
      row.secrets.map((secret) => out.secretId(secret)).join('\n'),
    ]),
  );
}

/**
 * `status --secret`: where every connector that depends on the secret stands against its current version, from the
 * plan a reload would make now (on the functions' state store, so their restarts and locks count). Returns whether
 * everyone is covered: the exit code says so too.
 */
export async function secretCoverage(
  out: Output,
  runtime: CliRuntime,
  options: { secret: string; json?: boolean },
): Promise<boolean> {
  const [rotation] = rotationsFrom({ secret: options.secret });
  if (!rotation) return false;
  const plan = await runtime.reloader.forInvocation(runtime.invocationId('status')).plan(rotation);
  const lastRestarts = new Map(
    await Promise.all(
      plan.targets.map(
        async (target) =>
          [
            connectorKey(target.connector),
            (await runtime.state.store.read(connectorKey(target.connector)))?.record.lastRestartAt,
          ] as const,
      ),
    ),
  );
  const since = plan.versionBecameCurrentAt ? ` (current since ${instant(plan.versionBecameCurrentAt.getTime())})` : '';
  const staleDetail = (target: PlannedTarget) => {
    const last = lastRestarts.get(connectorKey(target.connector));
    const lastRestart = `last restart: ${last === undefined ? 'none recorded' : `${instant(last)}, before the version became current`}`;
    // Its coalescing window is over but no delivery has restarted it yet: what that one restart will apply.
    const { coalesced } = target.decision;
    return coalesced?.length
      ? `${lastRestart}; coalesced restart due now, applying ${pendingList(out, coalesced)}`
      : lastRestart;
  };
  const coverage = rotationCoverage(plan, staleDetail);
  if (options.json) {
    out.json(JSON.parse(JSON.stringify(coverage)));
    return coverage.everyoneCovered;
  }
  out.text(
    `${out.colors.bold('secret')}  ${out.secretId(coverage.secret)}   ${out.colors.bold('version')}  ${out.version(coverage.version) || '(unknown)'}${since}`,
  );
  for (const note of plan.notes) out.text(out.colors.dim(`note: ${note}`));
  if (coverage.connectors.length > 0) {
    out.table(
      ['connector', 'state', 'found by', 'coverage', 'detail'],
      coverage.connectors.map((row) => [
        connectorKey(row.connector),
        row.state ? paintState(out, row.state) : '-',
        row.sources.join(', '),
        paintCoverage(out, row.coverage),
        row.coalescing ? coalescingDetail(out, row.coalescing) : row.detail,
      ]),
    );
  }
  out.text(summaryLine(out, coverage));
  return coverage.everyoneCovered;
}

function paintCoverage(out: Output, coverage: Coverage): string {
  if (coverage === 'covered') return out.colors.green(coverage);
  if (coverage === 'stale') return out.colors.red(coverage);
  return out.colors.yellow(coverage);
}

/** The answer to "is everyone on the new credential?", in one line. */
export function summaryLine(out: Output, coverage: RotationCoverage): string {
  const version = coverage.version === null ? 'the current version' : `version ${out.version(coverage.version)}`;
  if (coverage.eventSkip) return out.colors.yellow(`not yet: ${coverage.eventSkip}`);
  const total = coverage.connectors.length;
  if (total === 0) return `no connector depends on ${out.secretId(coverage.secret)}: nobody to move to ${version}`;
  const covered = coverage.counts.covered ?? 0;
  const others = Object.entries(coverage.counts)
    .filter(([name]) => name !== 'covered')
    .map(([name, count]) => `${count} ${name}`);
  if (coverage.everyoneCovered) {
    const extra = others.length > 0 ? ` (${others.join(', ')}: not counted)` : '';
    return out.colors.green(`yes: everyone is on ${version}, ${covered} of ${total} connectors covered${extra}`);
  }
  const due = coverage.connectors.flatMap((row) => (row.coalescing ? [row.coalescing.dueAt.getTime()] : []));
  const firstDue = due.length > 0 ? ` (coalescing: the first restart is due at ${instant(Math.min(...due))})` : '';
  return out.colors.red(
    `no: not everyone is on ${version}: ${covered} of ${total} covered; ${others.join(', ')}${firstDue}`,
  );
}
