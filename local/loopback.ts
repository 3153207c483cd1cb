import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

/**
 * What every local server shares: it listens on 127.0.0.1 only (never another interface), closes without waiting on
 * the keep-alive connections SDK clients hold open (they would keep close(), and Jest, waiting), and reads bodies.
 */
export function listenOnLoopback(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  server.closeAllConnections?.();
  return closed;
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface LoopbackHttpServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Waits `ms` unless the server closes first: close() clears these timers, so a delayed or hung request ends. */
export type Delay = (ms: number) => Promise<void>;

/**
 * An HTTP server on 127.0.0.1 for an emulator: `handle` answers each request and may `delay` (latency, hangs); a
 * handler that throws has lost its socket, which is then destroyed.
 */
export async function startLoopbackHttp(
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse, delay: Delay) => Promise<void>,
): Promise<LoopbackHttpServer> {
  const timers = new Set<NodeJS.Timeout>();
  const delay: Delay = (ms) =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, ms);
          timers.add(timer);
        });
  const server = createServer((req, res) => {
    handle(req, res, delay).catch(() => res.destroy());
  });
  const boundPort = await listenOnLoopback(server, port);
  return {
    url: `http://127.0.0.1:${boundPort}`,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await closeServer(server);
    },
  };
}
