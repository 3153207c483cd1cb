import { TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';

export interface AzureStateTableLocation {
  readonly tableName: string;
  /** `https://<account>.table.core.windows.net`, reached with `credential`. */
  readonly endpoint?: string;
  /** A connection string instead (Azurite, local runs): carries an account key. */
  readonly connectionString?: string;
}

/** The state table's client, as every runtime (Function App, CLI) reaches it. */
export function azureStateTableClient(location: AzureStateTableLocation, credential: TokenCredential): TableClient {
  if (location.connectionString) {
    return TableClient.fromConnectionString(location.connectionString, location.tableName, {
      // Azurite speaks plain HTTP on loopback; a cloud connection string names https and is unaffected.
      allowInsecureConnection: location.connectionString.includes('DefaultEndpointsProtocol=http;'),
    });
  }
  return new TableClient(location.endpoint ?? '', location.tableName, credential);
}
