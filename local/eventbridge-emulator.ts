import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { matchesPattern } from './eventbridge-pattern';
import { closeServer, listenOnLoopback, readBody } from './loopback';

/** One event as PutEvents received it, with its Detail parsed. */
export interface ReceivedEvent {
  readonly id: string;
  readonly source: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly eventBusName: string;
  readonly time?: string;
}

/** An event on the bus in EventBridge's envelope, as a rule matches it and a target receives it. */
export interface BusEvent {
  readonly version?: string;
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account?: string;
  readonly time?: string;
  readonly region?: string;
  readonly resources?: readonly string[];
  readonly detail: unknown;
}

/**
 * A rule on the default bus: its pattern, its target, and how the bus delivers to it. EventBridge delivers at least
 * once and retries for up to 24 h, so a target may see an event twice, and late: `delaysMs` gives one entry per copy
 * delivered (default `[0]`), e.g. `[0, 2_000]` delivers twice, the second copy two seconds later.
 */
export interface BusRule {
  readonly name: string;
  readonly pattern: Record<string, unknown>;
  readonly target: (event: BusEvent) => Promise<unknown> | unknown;
  readonly delaysMs?: readonly number[];
}

/** One copy of one event handed to a rule's target. */
export interface RuleDelivery {
  readonly rule: string;
  readonly eventId: string;
  readonly copy: number;
  readonly delayMs: number;
  readonly outcome: 'delivered' | 'failed';
  readonly error?: string;
}

export interface EventBridgeEmulatorOptions {
  readonly port?: number;
  /** Called for every accepted entry (npm start prints outcomes). */
  readonly onEvent?: (event: ReceivedEvent) => void;
}

export interface EventBridgeEmulator {
  /** `http://127.0.0.1:<port>`: the EventBridge client's `endpoint` (or AWS_ENDPOINT_URL_EVENTBRIDGE). */
  readonly url: string;
  readonly control: {
    events(): ReceivedEvent[];
    /** Raw request bodies, for asserting that nothing secret was sent. */
    rawRequests(): string[];
    /** The next N entries are answered as failed (`InternalFailure`), as PutEvents does under partial failure. */
    failNextEntries(count: number): void;
    reset(): void;
    /** Adds a rule: every event published or put from now on is matched against its pattern. */
    putRule(rule: BusRule): void;
    /** An AWS service putting its own event on the default bus (Secrets Manager's `Secret Label Updated`). */
    publish(event: BusEvent): void;
    /** Every copy handed to a target, with how it ended. */
    ruleDeliveries(): RuleDelivery[];
    /** Events seen on the bus, by whether any rule matched them. */
    matched(): { readonly matched: number; readonly unmatched: number };
    /** Resolves once every delivery started so far (late copies included) has ended. */
    settled(): Promise<void>;
  };
  close(): Promise<void>;
}

const JSON_1_1 = 'application/x-amz-json-1.1';

/**
 * A loopback EventBridge that speaks the AWS JSON 1.1 protocol for PutEvents, so the real EventBridgeClient (and the
 * EventBridge outcome sink) talk to it over HTTP. It stores events; it routes nothing.
 */
export async function startEventBridgeEmulator(options: EventBridgeEmulatorOptions = {}): Promise<EventBridgeEmulator> {
  let received: ReceivedEvent[] = [];
  let raw: string[] = [];
  let failEntries = 0;
  const rules: BusRule[] = [];
  const deliveries: RuleDelivery[] = [];
  const inFlight = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  const seen = { matched: 0, unmatched: 0 };

  function route(event: BusEvent): void {
    const matching = rules.filter((rule) => matchesPattern(rule.pattern, event));
    if (matching.length === 0) seen.unmatched += 1;
    else seen.matched += 1;
    for (const rule of matching) {
      (rule.delaysMs ?? [0]).forEach((delayMs, copy) => {
        const delivery = (async () => {
          if (delayMs > 0) {
            await new Promise<void>((resolve) => {
              const timer = setTimeout(() => {
                timers.delete(timer);
                resolve();
              }, delayMs);
              timers.add(timer);
            });
          }
          try {
            await rule.target(structuredClone(event));
            deliveries.push({ rule: rule.name, eventId: event.id, copy, delayMs, outcome: 'delivered' });
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            deliveries.push({ rule: rule.name, eventId: event.id, copy, delayMs, outcome: 'failed', error: message });
          }
        })();
        inFlight.add(delivery);
        void delivery.finally(() => inFlight.delete(delivery));
      });
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    raw.push(body);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (target !== 'AWSEvents.PutEvents') {
      return reply(res, 400, { __type: 'UnknownOperationException', message: `${target} is not emulated` });
    }
    let entries: Record<string, unknown>[];
    try {
      entries = (JSON.parse(body) as { Entries?: Record<string, unknown>[] }).Entries ?? [];
    } catch {
      return reply(res, 400, { __type: 'SerializationException', message: 'body is not JSON' });
    }
    if (entries.length === 0 || entries.length > 10) {
      return reply(res, 400, { __type: 'ValidationException', message: 'Entries must hold 1 to 10 entries' });
    }
    let failed = 0;
    const results = entries.map((entry) => {
      if (failEntries > 0) {
        failEntries -= 1;
        failed += 1;
        return { ErrorCode: 'InternalFailure', ErrorMessage: 'injected failure' };
      }
      const event: ReceivedEvent = {
        id: randomUUID(),
        source: String(entry.Source ?? ''),
        detailType: String(entry.DetailType ?? ''),
        detail: JSON.parse(String(entry.Detail ?? '{}')) as Record<string, unknown>,
        eventBusName: String(entry.EventBusName ?? 'default'),
        ...(entry.Time !== undefined ? { time: String(entry.Time) } : {}),
      };
      received.push(event);
      options.onEvent?.(event);
      route({ id: event.id, source: event.source, 'detail-type': event.detailType, detail: event.detail });
      return { EventId: event.id };
    });
    reply(res, 200, { FailedEntryCount: failed, Entries: results });
  }

  const port = await listenOnLoopback(server, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    control: {
      events: () => received.map((event) => structuredClone(event)),
      rawRequests: () => [...raw],
      failNextEntries(count) {
        failEntries = count;
      },
      reset() {
        received = [];
        raw = [];
        failEntries = 0;
      },
      putRule(rule) {
        rules.push(rule);
      },
      publish(event) {
        route(structuredClone(event));
      },
      ruleDeliveries: () => deliveries.map((delivery) => ({ ...delivery })),
      matched: () => ({ ...seen }),
      async settled() {
        while (inFlight.size > 0) await Promise.all(inFlight);
      },
    },
    close: () => {
      for (const timer of timers) clearTimeout(timer);
      return closeServer(server);
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': JSON_1_1, 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}
