import type { Estate } from '#local/estate';
import type { LifecycleOperation } from './permissions';

export interface ConfluentEmulatorOptions {
  /** Cloud API key id expected as the Basic-auth user. Default 'local-api-key'. */
  apiKey?: string;
  /** Cloud API key secret expected as the Basic-auth password. Default 'local-api-secret'. */
  apiSecret?: string;
  /** Default seedEstate(). */
  estate?: Estate;
  /** Epoch ms clock; tests pass a fake clock. Default Date.now. */
  now?: () => number;
  /** How long PROVISIONING lasts after a restart or resume (once the status shows it). Default 400. */
  provisioningMs?: number;
  /**
   * Restart, pause and resume are asynchronous (§1.5): for this long after the 202 the status still shows the state
   * from before. Default 100.
   */
  statusLagMs?: number;
  /** Delay until PAUSED after a pause. Default 150. */
  pauseMs?: number;
  /** Default 0: a random free port. */
  port?: number;
}

/** How the request authenticated; the Authorization header itself is never recorded. */
export type RecordedAuth = 'basic-valid' | 'basic-invalid' | 'missing' | 'other-scheme';

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Repeated query keys are joined with ','. */
  query: Record<string, string>;
  /** Lower-case names, without authorization. */
  headers: Record<string, string>;
  auth: RecordedAuth;
  body?: unknown;
  /** 0 while no response was sent: still in flight, hung or dropped. */
  status: number;
  responseBody?: unknown;
  /** Lower-case names. */
  responseHeaders: Record<string, string>;
  /** Arrival time on the emulator's clock. */
  at: number;
}

export interface EmulatorFaults {
  /** Added to every request before it is answered. */
  latencyMs: number;
  /** 0..1 probability of a 500. */
  errorRate: number;
  /**
   * The organisation-wide threshold: 0 = off; above `rateLimitPerSecond × rateLimitWindowSeconds` requests in one
   * fixed window, 429 with Retry-After and X-RateLimit-* headers. One count for the whole server, as Confluent counts
   * per organisation: every connection, process and API key spends it. Answered requests carry X-RateLimit-Limit,
   * -Remaining and -Reset too.
   */
  rateLimitPerSecond: number;
  /** The window's length in seconds (default 1): Confluent's is not published ("per time period", §1.7). */
  rateLimitWindowSeconds: number;
  /** The next `count` requests get 429 with Retry-After. */
  throttleNext: { count: number; retryAfterSeconds: number };
  /** The next N requests get 500. */
  failNext: number;
  /** The next N requests never answer (until the client aborts or the emulator closes). */
  hangNext: number;
  /** The next N requests have their socket destroyed without a response. */
  dropNext: number;
  /** Drives errorRate. Default Math.random. */
  random: () => number;
}

export interface ConnectorView {
  /** `env-id/lkc-id/name`. */
  key: string;
  state: string;
  tasks: { id: number; state: string; msg?: string }[];
  trace?: string;
  /** Emulator clock when the error the connector shows now (FAILED, or a task in error) first appeared. */
  errorSince?: number;
  /** Accepted (202) restart calls. */
  restarts: number;
  /** Accepted (202) pause calls. */
  pauses: number;
  /** Accepted (202) resume calls. */
  resumes: number;
  /** secret id → the version the connector fetched at its last start. */
  heldVersions: Record<string, string>;
}

export type RestartEndpointMode = 'available' | 'not-found';

/** Confluent's task error states: an internal issue, or one the user must fix (configuration, credentials, data). */
export type TaskErrorState = 'SYSTEM_ERROR' | 'USER_ACTIONABLE_ERROR';

/** What every later restart or resume of a connector ends in, once provisioning is over. */
export type StartOutcome =
  | { readonly kind: 'running' }
  /** Every task in error (the connector FAILED), each carrying `msg`. */
  | { readonly kind: 'failed'; readonly state?: TaskErrorState; readonly msg?: string }
  /**
   * The `failingTasks` in error, the others RUNNING: DEGRADED. The failing tasks first await a worker (UNASSIGNED)
   * for `unassignedMs` (default 0).
   */
  | {
      readonly kind: 'degraded';
      readonly failingTasks: readonly number[];
      readonly state?: TaskErrorState;
      readonly msg?: string;
      readonly unassignedMs?: number;
    };

/** The provider-integration API versions: pim/v1 (AWS, GA) and pim/v2 (Azure and GCP, Early Access). */
export type PimVersion = 'v1' | 'v2';
/** 'forbidden' answers 403 (the key may not read integrations); 'not-found' 404 (the API is not offered). */
export type PimApiMode = 'available' | 'forbidden' | 'not-found';

export interface EmulatorControl {
  setFaults(faults: Partial<EmulatorFaults>): void;
  clearFaults(): void;
  /** 'not-found' answers the restart path with 404 everywhere, as if the Preview endpoint did not exist. */
  setRestartEndpoint(mode: RestartEndpointMode): void;
  /**
   * RBAC: the API key's role does not allow these calls on one connector (`env-id/lkc-id/name`) or on every
   * connector of a cluster (`env-id/lkc-id`); they answer 403. Denials add up until `allow`.
   */
  forbid(resource: string, operations: readonly LifecycleOperation[]): void;
  /** Lifts every denial set on exactly that resource. */
  allow(resource: string): void;
  /** How `GET /pim/{version}/integrations` answers; both start 'available'. */
  setProviderIntegrationApi(version: PimVersion, mode: PimApiMode): void;
  /** Records that a secret (canonical id as in EstateConnector.secretRefs) has a new current version. Connectors referencing it keep the version they fetched at their last start until they restart. */
  rotateSecret(secretId: string, version: string): void;
  /** Every RUNNING connector holding a stale version of some secret goes FAILED, every task USER_ACTIONABLE_ERROR with a trace naming the auth failure (never a secret value). Returns the keys. A start that ends while a credential it fetched is already stale ends so too. */
  failStaleConnectors(): string[];
  /**
   * Fails the connector now: by default the connector itself (FAILED, no tasks, the trace); `taskOnly` fails every
   * task (SYSTEM_ERROR unless `taskState` says otherwise, each with the trace as its message); `tasks` fails only
   * those, leaving the others RUNNING (DEGRADED).
   */
  failConnector(
    key: string,
    trace?: string,
    opts?: { taskOnly?: boolean; tasks?: readonly number[]; taskState?: TaskErrorState },
  ): void;
  /** What every later restart or resume of the connector ends in (default RUNNING). */
  setStartOutcome(key: string, outcome: StartOutcome): void;
  /** Makes the connector fail again right after every restart (a connector that never recovers), or stop doing so. */
  setAlwaysFails(key: string, on: boolean): void;
  /**
   * Keeps the connector PROVISIONING after its restarts until turned off (a slow start: Confluent's can take
   * minutes), so a test can act while another operation is still verifying it.
   */
  setSlowStart(key: string, on: boolean): void;
  /** key = `env-id/lkc-id/name`; throws UnknownConnectorError for unknown keys. */
  connector(key: string): ConnectorView;
  connectors(): ConnectorView[];
  requests(): RecordedRequest[];
  requestCount(filter?: { method?: string; pathIncludes?: string }): number;
  resetRequests(): void;
}

export interface ConfluentEmulator {
  url: string;
  control: EmulatorControl;
  close(): Promise<void>;
}
