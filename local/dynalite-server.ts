import dynalite from 'dynalite';
import { closeServer, listenOnLoopback } from './loopback';

export interface DynaliteServer {
  /** `http://127.0.0.1:<port>`: pass as the DynamoDB client's `endpoint`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** The real DynamoDB API (dynalite, in memory) on 127.0.0.1, for the local stack and integration tests. */
export async function startDynalite(options: { port?: number; createTableMs?: number } = {}): Promise<DynaliteServer> {
  const server = dynalite({ createTableMs: options.createTableMs ?? 0, deleteTableMs: 0, updateTableMs: 0 });
  const port = await listenOnLoopback(server, options.port ?? 0);
  return { endpoint: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}
