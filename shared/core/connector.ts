import {
  hasError,
  isErrorTaskState,
  isHealthy as runningWithEveryTask,
  CONNECTOR_STATES as STATES,
} from '#confluent/api-facts';
import type { ClusterRef, ConnectorRef } from './connector-ref';

/**
 * Connector states of Connect v1 (`connector.state`). The vocabulary and its meaning live in api-facts.ts (it imports
 * nothing): a correction to Confluent's state names is a change there, not in every use case.
 */
export type ConnectorState = (typeof STATES)[keyof typeof STATES];

export interface TaskStatus {
  readonly id: number;
  /**
   * A free string in the API (no enum); Confluent's are RUNNING, STOPPED, UNASSIGNED, RESTARTING, SYSTEM_ERROR and
   * USER_ACTIONABLE_ERROR (api-facts.ts), Kafka's FAILED is accepted too.
   */
  readonly state: string;
  readonly msg?: string;
}

export interface ConnectorStatus {
  readonly state: ConnectorState | string;
  readonly trace?: string;
  readonly tasks: readonly TaskStatus[];
}

/** A connector as one list-with-expansions call returns it. Config values that are sensitive arrive masked. */
export interface ConnectorSnapshot {
  readonly ref: ConnectorRef;
  readonly id?: string;
  readonly config: Readonly<Record<string, string>>;
  readonly status: ConnectorStatus;
  /** Epoch ms when the listing this came from was requested; set only when it came through a cache. */
  readonly listedAt?: number;
}

export type ClusterKind = 'Basic' | 'Standard' | 'Enterprise' | 'Dedicated' | 'Freight' | string;

/** A cluster in scope, with what discovery (cmk/v2) tells about it. */
export interface ClusterScope extends ClusterRef {
  readonly displayName?: string;
  /** Lower-case cloud: aws | azure | gcp. */
  readonly cloud?: string;
  readonly region?: string;
  readonly kind?: ClusterKind;
}

/** RUNNING with every task RUNNING. A connector with no tasks yet is not healthy: it is still provisioning. */
export function isHealthy(status: ConnectorStatus): boolean {
  return runningWithEveryTask(status);
}

/**
 * The connector FAILED, or a task is in an error state (SYSTEM_ERROR, USER_ACTIONABLE_ERROR, Kafka's FAILED): this
 * covers DEGRADED with an error task. The sweep and the webhook's confirmation act on exactly this.
 */
export function isFailed(status: ConnectorStatus): boolean {
  return hasError(status);
}

/** A PAUSED connector: its tasks STOPPED, as they should be. Never a failure, whatever its tasks show. */
export function isPausedConnector(status: ConnectorStatus): boolean {
  return status.state === STATES.paused;
}

/**
 * The failure text worth showing a person: the connector trace, then the tasks in error grouped by state (which says
 * whether the user must act) and message. A trace the tasks repeat is shown once, with their state.
 */
export function failureTrace(status: ConnectorStatus): string | undefined {
  const groups = new Map<string, { state: string; msg: string; ids: number[] }>();
  for (const task of status.tasks) {
    if (!isErrorTaskState(task.state) || !task.msg) continue;
    const key = `${task.state}\u0000${task.msg}`;
    const group = groups.get(key) ?? { state: task.state, msg: task.msg, ids: [] };
    group.ids.push(task.id);
    groups.set(key, group);
  }
  const tasks = [...groups.values()];
  const lines = status.trace && !tasks.some((group) => group.msg === status.trace) ? [status.trace] : [];
  for (const { state, msg, ids } of tasks)
    lines.push(`${ids.length > 1 ? 'tasks' : 'task'} ${ids.join(', ')} ${state}: ${msg}`);
  return lines.length > 0 ? lines.join('\n') : undefined;
}
