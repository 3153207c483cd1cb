import { AsyncLocalStorage } from 'node:async_hooks';
import type { InvocationContext } from '@azure/functions';
import type { Logger } from '#core/ports';
import { redact, redactDeep } from '#observability/redaction';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const current = new AsyncLocalStorage<InvocationContext>();

/** Runs `work` with `context` as the destination of every log line written meanwhile, however deep. */
export function withInvocation<T>(context: InvocationContext, work: () => Promise<T>): Promise<T> {
  return current.run(context, work);
}

/**
 * The core Logger port for Azure Functions. The reloader is built once per instance, but logs belong to the
 * invocation (Application Insights ties them to it), so each line goes to the InvocationContext of the invocation
 * running it, found through AsyncLocalStorage; outside one (start-up), to the console. Every string is redacted.
 */
export function invocationLogger(level: Level): Logger {
  const at =
    (lineLevel: Level) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (RANK[lineLevel] < RANK[level]) return;
      const sink = current.getStore() ?? console;
      const text = redact(message);
      if (fields) sink[lineLevel](text, JSON.stringify(redactDeep(fields)));
      else sink[lineLevel](text);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
