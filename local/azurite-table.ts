import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import TableConfiguration from 'azurite/dist/src/table/TableConfiguration';
import TableServer from 'azurite/dist/src/table/TableServer';

/** Azurite's well-known development account: public, documented by Microsoft, valid only against the emulator. */
export const AZURITE_ACCOUNT = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
} as const;

export interface AzuriteTable {
  /** `http://127.0.0.1:<port>/devstoreaccount1`: the table service URL. */
  readonly endpoint: string;
  /** A connection string for `TableClient.fromConnectionString` (with `allowInsecureConnection`). */
  readonly connectionString: string;
  close(): Promise<void>;
}

/** Azurite's Table service in this process, in memory, on 127.0.0.1 (port 0: any free port). */
export async function startAzuriteTable(options: { port?: number } = {}): Promise<AzuriteTable> {
  // In-memory persistence still wants a working directory for its (unused) metadata path.
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'azurite-table-'));
  const config = new TableConfiguration(
    '127.0.0.1',
    options.port ?? 0,
    undefined,
    path.join(workdir, '__azurite_db_table__.json'),
    false,
    false,
    undefined,
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
  const server = new TableServer(config);
  await server.start();
  const endpoint = `${server.getHttpServerAddress()}/${AZURITE_ACCOUNT.name}`;
  return {
    endpoint,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT.name};AccountKey=${AZURITE_ACCOUNT.key};TableEndpoint=${endpoint};`,
    async close() {
      await server.close();
      rmSync(workdir, { recursive: true, force: true });
    },
  };
}
