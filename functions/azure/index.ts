/**
 * The Function App's entry (package.json `main`, built by `npm run build:azure`): loading it registers every
 * function, sharing one runtime (runtime.ts).
 */
import './on-secret-event';
import './secret-events-webhook';
import './reload-rotated-secret';
import './connector-failure-webhook';
import './recover-reported-failures';
import './sweep-failed-connectors';
