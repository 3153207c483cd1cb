/** The entry points the functions register and infra/gcp deploys, with their signature types. */
export const GCP_FUNCTIONS = {
  onSecretVersionEvent: 'cloudEvent',
  reloadRotatedSecret: 'http',
  connectorFailureWebhook: 'http',
  recoverReportedFailures: 'http',
  sweepFailedConnectors: 'http',
} as const;
