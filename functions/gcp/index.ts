/**
 * The Cloud Run functions' entry (built by `npm run build:gcp`): loading it registers every function with the
 * Functions Framework, sharing one runtime (runtime.ts); each deployed function names its own entry point.
 */
import * as functions from '@google-cloud/functions-framework';
import { connectorFailureWebhook } from './connector-failure-webhook';
import { onSecretVersionEvent } from './on-secret-version-event';
import { recoverReportedFailures } from './recover-reported-failures';
import { reloadRotatedSecret } from './reload-rotated-secret';
import { sweepFailedConnectors } from './sweep-failed-connectors';

export { GCP_FUNCTIONS } from './gcp-function-names';

functions.cloudEvent('onSecretVersionEvent', onSecretVersionEvent);
functions.http('reloadRotatedSecret', reloadRotatedSecret);
functions.http('connectorFailureWebhook', connectorFailureWebhook);
functions.http('recoverReportedFailures', recoverReportedFailures);
functions.http('sweepFailedConnectors', sweepFailedConnectors);
