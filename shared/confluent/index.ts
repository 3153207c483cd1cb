export * from './api-facts';
export { ConfluentClient, type ConfluentCluster, type ConfluentEnvironment } from './confluent-client';
export {
  type ConfluentApi,
  ConfluentConnectorPlatform,
  type ConfluentConnectorPlatformOptions,
  type ConfluentScope,
  PLATFORM_DEFAULTS,
  type RestartFallback,
  type RestartMethodSetting,
  restartFallbackFor,
} from './confluent-connector-platform';
export {
  ConfluentApiError,
  type ConfluentApiErrorDetails,
  ConfluentAuthError,
  ConfluentError,
  type ConfluentErrorContext,
  ConfluentForbiddenError,
  ConfluentNetworkError,
  ConfluentNotFoundError,
  ConfluentRateLimitError,
  ConfluentResponseError,
  ConfluentServerError,
  ConfluentTimeoutError,
  errorFromResponse,
  parseErrorBody,
} from './confluent-errors';
export {
  ConfluentHttp,
  type ConfluentHttpOptions,
  type ConfluentRequest,
  type ConfluentResponse,
  type Credentials,
  type CredentialsProvider,
  DEFAULT_TIMEOUT_MS,
  type RequestObservation,
  USER_AGENT,
} from './confluent-http';
export { ConfluentProviderIntegrations } from './confluent-provider-integrations';
export {
  type ConfluentAdapters,
  type ConfluentPlatformSettings,
  createConfluentAdapters,
  createConfluentPlatform,
} from './create-confluent-platform';
export { ClusterNotFoundError, ConnectorAlreadyPausedError, PauseTimeoutError } from './platform-errors';
export {
  GATE_DEFAULTS,
  RequestGate,
  type RequestGateOptions,
  SERVER_BUDGET_SHARE,
  type SharedRateBudget,
} from './request-gate';
export {
  type AttemptOutcome,
  parseRetryAfter,
  RETRY_DEFAULTS,
  type RetryDecision,
  RetryPolicy,
  type RetryPolicyOptions,
} from './retry-policy';
export { StaticCredentials } from './static-credentials';
