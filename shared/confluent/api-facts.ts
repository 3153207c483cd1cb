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

/** §2: sensitive config values read back as asterisks; Terraform's test is `^[*]{2,}` (two stars or more). */
export const MASKED_VALUE_PATTERN = /^[*]{2,}/;

export function isMaskedValue(value: string): boolean {
  return MASKED_VALUE_PATTERN.test(value);
}

/** §1.4: task states are a free string in the spec; Kafka Connect's names are assumed (UNCONFIRMED for Cloud). */
export const TASK_STATES = {
  running: 'RUNNING',
  failed: 'FAILED',
  paused: 'PAUSED',
  unassigned: 'UNASSIGNED',
} as const;

/** §1.4: connector state once a pause has taken effect. */
export const PAUSED_STATE = 'PAUSED';

/**
 * When a pause has taken effect. Only the connector state is checked: the tasks follow "not at the same time" (§1.5)
 * and their state names are UNCONFIRMED.
 */
export function isPaused(status: { readonly state: string }): boolean {
  return status.state === PAUSED_STATE;
}

/**
 * What a failed restart call says about the restart endpoint itself (§1.5, Preview):
 * - `unavailable`: the endpoint is not offered to us (403 Forbidden, 405 Method Not Allowed, 501 Not Implemented);
 * - `unavailable-if-connector-exists`: 404 means either "no such endpoint" or "no such connector"; a status read tells;
 * - `error`: anything else is an ordinary failure of this restart.
 */
export type RestartRejection = 'unavailable' | 'unavailable-if-connector-exists' | 'error';

export function classifyRestartRejection(status: number): RestartRejection {
  if (status === 403 || status === 405 || status === 501) return 'unavailable';
  if (status === 404) return 'unavailable-if-connector-exists';
  return 'error';
}
