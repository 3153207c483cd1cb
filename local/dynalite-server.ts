import type { AddressInfo } from 'node:net';
import dynalite from 'dynalite';

export interface DynaliteServer {
  /** `http://127.0.0.1:<port>`: pass as the DynamoDB client's `endpoint`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** The real DynamoDB API (dynalite, in memory) on 127.0.0.1, for the local stack and integration tests. */
export async function startDynalite(options: { port?: number; createTableMs?: number } = {}): Promise<DynaliteServer> {
  const server = dynalite({ createTableMs: options.createTableMs ?? 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error?: Error) => (error ? reject(error) : resolve()));
        // SDK clients keep connections alive; close() would wait on them (and keep Jest running).
        server.closeAllConnections();
      }),
  };
}
