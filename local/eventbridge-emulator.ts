import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
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
    },
    close: () => closeServer(server),
  };
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': JSON_1_1, 'x-amzn-requestid': randomUUID() });
  res.end(JSON.stringify(body));
}
