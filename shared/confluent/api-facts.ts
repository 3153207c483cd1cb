/**
 * Facts about Confluent Cloud's API that are UNCONFIRMED or may change (see confluent-cloud-api.md). Each one lives
 * here, once, so that a correction is a one-line change. Section numbers refer to that reference.
 */

export const DEFAULT_CONFLUENT_API_URL = 'https://api.confluent.cloud';

/** §1.3: connect/v1 paths are scoped by environment and cluster; connectors are addressed by name. */
export const CONNECT_V1_PREFIX = '/connect/v1/environments';

/** §1.5: `POST …/connectors/{name}/restart`, operationId restartConnectv1Connector. */
export const RESTART_PATH_SUFFIX = '/restart';
export const RESTART_HTTP_METHOD = 'POST';
/** §1.5: the restart endpoint is Preview (absent from the 2024 SDK spec, the CLI and Terraform): it may vanish or move. */
export const RESTART_ENDPOINT_STAGE = 'Preview';
/** §1.3: restart, pause and resume answer 202 Accepted with no body. */
export const ACCEPTED_STATUS = 202;

/** §1.4: the one list call that returns every connector with its id, config and status. */
export const LIST_CONNECTORS_EXPAND = 'id,info,status';

/** §5: org/v2 and cmk/v2 page size (default 10, max 100). */
export const DISCOVERY_PAGE_SIZE = 100;

/**
 * §3, §8: the provider-integration list calls, per environment (`environment` is required). pim/v1 lists AWS
 * integrations (GA); pim/v2 lists Azure and GCP ones and is Early Access, so an organisation without that access
 * may get 403 or 404 from it (which one is UNCONFIRMED).
 */
export const PROVIDER_INTEGRATION_APIS = [
  { api: 'pim/v1', path: '/pim/v1/integrations', stage: 'GA' },
  { api: 'pim/v2', path: '/pim/v2/integrations', stage: 'Early Access' },
] as const;
export type ProviderIntegrationApi = (typeof PROVIDER_INTEGRATION_APIS)[number]['api'];

/** §1.7: Confluent's X-RateLimit-Reset is RELATIVE seconds until the window resets (not epoch seconds as on GitHub). */
export const RATE_LIMIT_RESET_IS_RELATIVE = true;

/** Milliseconds to wait according to an X-RateLimit-Reset header value, or undefined when it is absent or unreadable. */
export function rateLimitResetWaitMs(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value.trim());
  if (!Number.isFinite(seconds) || seconds < 0) return undefined;
  return RATE_LIMIT_RESET_IS_RELATIVE ? seconds * 1000 : Math.max(0, seconds * 1000 - nowMs);
}

/**
 * §1.7: what a response says of the rate-limit window: X-RateLimit-Limit (requests per period), -Remaining (left in
 * the current window), -Reset (relative seconds until it resets). Documented on 429s, and on 2xx responses of other
 * API groups (pim, notifications); whether connect/v1 sends them on 2xx too is UNCONFIRMED, so a response without
 * them is simply no reading. The limits are per user and organisation-wide: every client of the org spends them.
 */
export interface RateLimitReading {
  readonly limit: number;
  readonly remaining: number;
  /** Ms from now until the window resets. */
  readonly resetMs: number;
}

export function readRateLimitHeaders(headers: Headers, nowMs: number): RateLimitReading | undefined {
  const limit = wholeNumber(headers.get('x-ratelimit-limit'));
  const remaining = wholeNumber(headers.get('x-ratelimit-remaining'));
  const resetMs = rateLimitResetWaitMs(headers.get('x-ratelimit-reset'), nowMs);
  if (limit === undefined || remaining === undefined || resetMs === undefined || limit < 1) return undefined;
  return { limit, remaining: Math.min(remaining, limit), resetMs };
}

function wholeNumber(value: string | null): number | undefined {
  if (value === null || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value.trim());
}

/** §2: sensitive config values read back as asterisks; Terraform's test is `^[*]{2,}` (two stars or more). */
export const MASKED_VALUE_PATTERN = /^[*]{2,}/;

export function isMaskedValue(value: string): boolean {
  return MASKED_VALUE_PATTERN.test(value);
}

/**
 * §8: the status vocabulary of fully-managed connectors (docs.confluent.io "Interpret Connector Statuses for
 * Confluent Cloud"). This module imports nothing, so shared/core reads the vocabulary from here too: a correction to
 * Confluent's state names is a change in this one place.
 */
export const CONNECTOR_STATES = {
  /** The spec's enum also has NONE and DELETED; NONE stands in when a listing carries no status. */
  none: 'NONE',
  provisioning: 'PROVISIONING',
  /** Every task RUNNING. */
  running: 'RUNNING',
  /** Some tasks RUNNING or UNASSIGNED, others UNASSIGNED or in error: operational, not at full capacity. */
  degraded: 'DEGRADED',
  /** Every task in an error state. */
  failed: 'FAILED',
  paused: 'PAUSED',
  deleted: 'DELETED',
} as const;

export const TASK_STATES = {
  running: 'RUNNING',
  /** The connector is paused: normal, not a failure. */
  stopped: 'STOPPED',
  /** Awaiting a worker: transitional, for a bounded time (VERIFY_UNASSIGNED_SECONDS). */
  unassigned: 'UNASSIGNED',
  /** No intervention needed. */
  restarting: 'RESTARTING',
  /** An internal issue. */
  systemError: 'SYSTEM_ERROR',
  /** Invalid configuration or data the connector cannot process: needs the user. */
  userActionableError: 'USER_ACTIONABLE_ERROR',
  /** Kafka Connect's name, not in Confluent's list (§8): still accepted as an error, never relied on. */
  kafkaFailed: 'FAILED',
} as const;

/** §1.4: connector state once a pause has taken effect. */
export const PAUSED_STATE = CONNECTOR_STATES.paused;

const ERROR_TASK_STATES: ReadonlySet<string> = new Set([
  TASK_STATES.systemError,
  TASK_STATES.userActionableError,
  TASK_STATES.kafkaFailed,
]);

/** Task states on the way to RUNNING after a (re)start; UNASSIGNED only for a bounded time (the caller bounds it). */
const TRANSITIONAL_TASK_STATES: ReadonlySet<string> = new Set([TASK_STATES.restarting, TASK_STATES.unassigned]);

/** The shape every status check here reads: a connector state and its tasks' states. */
export interface StatusReading {
  readonly state: string;
  readonly tasks: readonly { readonly state: string }[];
}

export function isErrorTaskState(state: string): boolean {
  return ERROR_TASK_STATES.has(state);
}

/** The connector FAILED, or any task is in an error state (a DEGRADED connector with an error task included). */
export function hasError(status: StatusReading): boolean {
  return status.state === CONNECTOR_STATES.failed || status.tasks.some((task) => isErrorTaskState(task.state));
}

/** RUNNING with every task RUNNING. A connector with no tasks yet is not healthy: it is still provisioning. */
export function isHealthy(status: StatusReading): boolean {
  return (
    status.state === CONNECTOR_STATES.running &&
    status.tasks.length > 0 &&
    status.tasks.every((task) => task.state === TASK_STATES.running)
  );
}

/**
 * On the way back to RUNNING after a (re)start, with nothing in error: PROVISIONING (or NONE), no tasks yet, a task
 * RESTARTING or UNASSIGNED, or DEGRADED while no task is in error.
 */
export function isTransitional(status: StatusReading): boolean {
  if (hasError(status)) return false;
  return (
    status.state === CONNECTOR_STATES.provisioning ||
    status.state === CONNECTOR_STATES.none ||
    status.state === CONNECTOR_STATES.degraded ||
    status.tasks.length === 0 ||
    status.tasks.some((task) => TRANSITIONAL_TASK_STATES.has(task.state))
  );
}

/**
 * When a pause has taken effect. Only the connector state is checked: the tasks follow "not at the same time" (§1.5)
 * and turn STOPPED.
 */
export function isPaused(status: { readonly state: string }): boolean {
  return status.state === PAUSED_STATE;
}

/**
 * What a failed restart call says about the restart endpoint itself (§1.5, Preview; §8):
 * - `forbidden`: 403, an ordinary Forbidden: the API key's role does not allow a restart of this connector (role
 *   bindings are per cluster or per connector, so it says nothing about other clusters);
 * - `unavailable`: the endpoint is not offered (405 Method Not Allowed, 501 Not Implemented);
 * - `unavailable-if-connector-exists`: 404 means either "no such endpoint" or "no such connector"; a status read tells;
 * - `error`: anything else is an ordinary failure of this restart.
 */
export type RestartRejection = 'forbidden' | 'unavailable' | 'unavailable-if-connector-exists' | 'error';

export function classifyRestartRejection(status: number): RestartRejection {
  if (status === 403) return 'forbidden';
  if (status === 405 || status === 501) return 'unavailable';
  if (status === 404) return 'unavailable-if-connector-exists';
  return 'error';
}

/** The status of an ordinary Forbidden on connect/v1 (§1.6). */
export const FORBIDDEN_STATUS = 403;

/**
 * §1.8: what it takes to pause and resume fully-managed connectors ("Use ConnectManager to monitor, pause, and resume
 * connectors"; Operator no longer can). Which roles may call the Preview restart is UNCONFIRMED.
 */
export const LIFECYCLE_PERMISSION_NEEDED =
  'a Cloud API key of a service account with the ConnectManager role (or higher) on the cluster';
