import type { ClusterRef, ConnectorRef } from './connector-ref';

/** Connector states of Connect v1 (`connector.state`). */
export const CONNECTOR_STATES = ['NONE', 'PROVISIONING', 'RUNNING', 'DEGRADED', 'FAILED', 'PAUSED', 'DELETED'] as const;
export type ConnectorState = (typeof CONNECTOR_STATES)[number];

/** States a connector passes through on its way back to RUNNING after a restart (as Terraform's provider treats them). */
export const TRANSITIONAL_STATES: ReadonlySet<string> = new Set(['PROVISIONING', 'DEGRADED', 'NONE']);

export interface TaskStatus {
  readonly id: number;
  /** A free string in the API (no enum); Kafka Connect's RUNNING, FAILED, PAUSED, UNASSIGNED are expected. */
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
  return (
    status.state === 'RUNNING' && status.tasks.length > 0 && status.tasks.every((task) => task.state === 'RUNNING')
  );
}

/** The connector or any of its tasks FAILED. */
export function isFailed(status: ConnectorStatus): boolean {
  return status.state === 'FAILED' || status.tasks.some((task) => task.state === 'FAILED');
}

/** The failure text worth showing a person: the connector trace, else the failed tasks' messages. */
export function failureTrace(status: ConnectorStatus): string | undefined {
  if (status.trace) return status.trace;
  const messages = status.tasks
    .filter((task) => task.state === 'FAILED' && task.msg)
    .map((t) => `task ${t.id}: ${t.msg}`);
  return messages.length > 0 ? messages.join('\n') : undefined;
}
