import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TokenCredential } from '@azure/identity';
import type { ConnectorRecord, StateStore } from '../shared/core/ports';
import type { CloudProvider } from '../shared/core/secret-ref';
import { registerSensitiveValue } from '../shared/observability/redaction';
import { azureStateTableClient } from '../shared/state/azure-state-table-client';
import { AzureTableStateStore } from '../shared/state/azure-table-state-store';
import { DynamoDbStateStore } from '../shared/state/dynamodb-state-store';
import { MemoryStateStore } from '../shared/state/memory-state-store';

/**
 * Where the CLI keeps locks and applied versions: the deployed functions' own store when the environment names it
 * (the variables the functions read: STATE_TABLE on AWS, AZURE_STATE_TABLE_* on Azure), process memory otherwise.
 */
export const STATE_STORE_NAMES = ['dynamodb', 'azure-table', 'memory'] as const;
export type StateStoreName = (typeof STATE_STORE_NAMES)[number];

export interface CliStateStore {
  readonly name: StateStoreName;
  readonly store: StateStore;
  /** For people: "DynamoDB table x", "Azure Table x", "process memory". */
  readonly where: string;
}

/** The line the CLI prints on stderr when it runs on process memory. */
export const MEMORY_STATE_NOTE =
  'note: no state store configured (STATE_TABLE or AZURE_STATE_TABLE_*): locks and versions live in this process only';

export class StateStoreChoiceError extends Error {
  override readonly name = 'StateStoreChoiceError';
}

type Env = Readonly<Record<string, string | undefined>>;

export interface StateStoreRequest {
  /** `--state-store`: overrides the choice from the environment. */
  readonly choice?: StateStoreName;
  /** The cloud of the secret the command is about: picks between both stores when both are configured. */
  readonly provider?: CloudProvider;
  /** Told once, at the first read or write, when the state is process memory (the CLI prints MEMORY_STATE_NOTE). */
  readonly onMemoryInUse?: () => void;
}

// The CLI does not reach the GCP functions' Cloud Storage state yet: a GCP secret's commands keep process memory.
const STORE_OF_PROVIDER: Record<CloudProvider, StateStoreName> = {
  aws: 'dynamodb',
  azure: 'azure-table',
  gcp: 'memory',
};

export function openStateStore(env: Env, credential: TokenCredential, request: StateStoreRequest = {}): CliStateStore {
  const dynamoTable = env.STATE_TABLE?.trim() || undefined;
  const endpoint = env.AZURE_STATE_TABLE_ENDPOINT?.trim() || undefined;
  const connectionString = env.AZURE_STATE_TABLE_CONNECTION_STRING?.trim() || undefined;
  registerSensitiveValue(connectionString);
  const configured: StateStoreName[] = [
    ...(dynamoTable ? (['dynamodb'] as const) : []),
    ...(endpoint || connectionString ? (['azure-table'] as const) : []),
  ];
  const name = chooseStore(configured, request);
  switch (name) {
    case 'memory': {
      const store = request.onMemoryInUse
        ? announcedOnFirstUse(new MemoryStateStore(), request.onMemoryInUse)
        : new MemoryStateStore();
      return { name, store, where: 'process memory' };
    }
    case 'dynamodb': {
      const tableName = dynamoTable ?? '';
      // Region, credentials and AWS_ENDPOINT_URL_DYNAMODB come from the environment, as for the functions.
      const client = new DynamoDBClient({});
      return { name, store: new DynamoDbStateStore({ client, tableName }), where: `DynamoDB table ${tableName}` };
    }
    case 'azure-table': {
      const tableName = env.AZURE_STATE_TABLE?.trim() || 'connectorreloaderstate';
      const table = azureStateTableClient(
        { tableName, ...(endpoint ? { endpoint } : {}), ...(connectionString ? { connectionString } : {}) },
        credential,
      );
      return { name, store: new AzureTableStateStore(table), where: `Azure Table ${tableName}` };
    }
  }
}

function chooseStore(configured: readonly StateStoreName[], request: StateStoreRequest): StateStoreName {
  const { choice, provider } = request;
  if (choice === 'memory') return choice;
  if (choice) {
    if (configured.includes(choice)) return choice;
    throw new StateStoreChoiceError(
      `--state-store ${choice}: ${choice === 'dynamodb' ? 'STATE_TABLE is' : 'AZURE_STATE_TABLE_ENDPOINT (or AZURE_STATE_TABLE_CONNECTION_STRING) is'} not set`,
    );
  }
  const [only, other] = configured;
  if (!only) return 'memory';
  if (!other) return only;
  if (provider) return STORE_OF_PROVIDER[provider];
  throw new StateStoreChoiceError(
    'both a DynamoDB (STATE_TABLE) and an Azure Table (AZURE_STATE_TABLE_*) state store are configured: pass --state-store dynamodb or --state-store azure-table',
  );
}

/** Verbs that only mean something on the functions' state (unlock, budget) refuse to run on process memory. */
export function requireDeployedState(state: CliStateStore, verb: string): void {
  if (state.name === 'memory') {
    throw new StateStoreChoiceError(
      `${verb} works on the deployed functions' state: set STATE_TABLE (DynamoDB) or AZURE_STATE_TABLE_ENDPOINT / AZURE_STATE_TABLE_CONNECTION_STRING (Azure Table)`,
    );
  }
}

/** Says so when the state is first used, not before: a command refused at its confirmation prints only why. */
function announcedOnFirstUse(store: StateStore, announce: () => void): StateStore {
  let announced = false;
  const once = () => {
    if (!announced) announce();
    announced = true;
  };
  return {
    read(connectorKey: string) {
      once();
      return store.read(connectorKey);
    },
    write(record: ConnectorRecord, expectedEtag: string | null) {
      once();
      return store.write(record, expectedEtag);
    },
  };
}
