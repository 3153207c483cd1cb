import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import QueueConfiguration from 'azurite/dist/src/queue/QueueConfiguration';
import QueueServer from 'azurite/dist/src/queue/QueueServer';
import { AZURITE_ACCOUNT } from './azurite-table';

export interface AzuriteQueue {
  /** `http://127.0.0.1:<port>/devstoreaccount1`: the queue service URL. */
  readonly endpoint: string;
  /** A connection string for `QueueServiceClient.fromConnectionString`. */
  readonly connectionString: string;
  close(): Promise<void>;
}

/**
 * Azurite's Queue service in this process, in memory, on 127.0.0.1 (port 0: any free port). It keeps a message's
 * visibility delay and dequeue count as Storage Queue does, on this process's clock (a test that fakes Date moves it).
 */
export async function startAzuriteQueue(options: { port?: number } = {}): Promise<AzuriteQueue> {
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'azurite-queue-'));
  const config = new QueueConfiguration(
    '127.0.0.1',
    options.port ?? 0,
    undefined,
    path.join(workdir, '__azurite_db_queue__.json'),
    path.join(workdir, '__azurite_db_queue_extent__.json'),
    [{ locationId: 'Default', locationPath: path.join(workdir, 'queue'), maxConcurrency: 1 }],
    false,
    undefined,
    false,
    undefined,
    false,
    true,
    '',
    '',
    '',
    undefined,
    false,
    true,
  );
  const server = new QueueServer(config);
  await server.start();
  const endpoint = `${server.getHttpServerAddress()}/${AZURITE_ACCOUNT.name}`;
  return {
    endpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT.name};AccountKey=${AZURITE_ACCOUNT.key};QueueEndpoint=${endpoint};`,
    async close() {
      await server.close();
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}
