/** The lifecycle calls a role may or may not allow (the "Pause, Resume, and Restart" column of Confluent's RBAC table). */
export type LifecycleOperation = 'restart' | 'pause' | 'resume';

/**
 * RBAC as the emulated API key sees it: role bindings are per cluster or per connector, so a denial is too. A denied
 * call answers 403 Forbidden. The reference documents 403 for restart only; a role without the permission gets it on
 * pause and resume as well (confluent-cloud-api.md §1.8: ConnectManager or higher is needed to pause and resume).
 */
export class RbacPolicy {
  /** `env-id/lkc-id` or `env-id/lkc-id/name` → the operations denied there. */
  private readonly denied = new Map<string, Set<LifecycleOperation>>();

  forbid(resource: string, operations: readonly LifecycleOperation[]): void {
    const current = this.denied.get(resource) ?? new Set<LifecycleOperation>();
    for (const operation of operations) current.add(operation);
    this.denied.set(resource, current);
  }

  allow(resource: string): void {
    this.denied.delete(resource);
  }

  isForbidden(environmentId: string, clusterId: string, name: string, operation: LifecycleOperation): boolean {
    const cluster = `${environmentId}/${clusterId}`;
    return [cluster, `${cluster}/${name}`].some((resource) => this.denied.get(resource)?.has(operation) === true);
  }
}
