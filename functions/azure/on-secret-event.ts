import { app, type EventGridEvent, type InvocationContext } from '@azure/functions';
import { handleSecretEvents } from '../../shared/app/handle-trigger';
import { type HandledSummary, summarize } from '../../shared/app/handled-summary';
import { DEFAULT_PARSERS } from '../../shared/events/default-parsers';
import { parseTrigger } from '../../shared/events/parse-trigger';
import { withInvocation } from './invocation-logger';
import { runtime } from './runtime';

/**
 * Event Grid → Functions: a Key Vault event (SecretNewVersionCreated reloads; near-expiry/expired warn) → parse →
 * the shared rotation path. The Event Grid trigger answers the subscription handshake itself. A throw (a restart
 * refused, Key Vault, Table or Confluent unreachable) fails the invocation, so Event Grid retries the event and
 * finally dead-letters it; the idempotency records make a retry restart only what is left.
 */
export async function onSecretEvent(event: EventGridEvent, context: InvocationContext): Promise<HandledSummary[]> {
  return withInvocation(context, async () => {
    const events = parseTrigger(event, DEFAULT_PARSERS);
    const handled = await handleSecretEvents(events, runtime.reloader, runtime.logger, context.invocationId);
    const summaries = handled.map(summarize);
    for (const summary of summaries) runtime.logger.info('secret event handled', { eventId: event.id, ...summary });
    return summaries;
  });
}

app.eventGrid('onSecretEvent', { handler: onSecretEvent });
