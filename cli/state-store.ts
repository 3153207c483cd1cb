import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TokenCredential } from '@azure/identity';
import type { ConnectorRecord, StateStore } from '#core/ports';
import type { CloudProvider } from '#core/secret-ref';
import { registerSensitiveValue } from '#observability/redaction';
import { azureStateTableClient } from '#state/azure-state-table-client';
import { AzureTableStateStore } from '#state/azure-table-state-store';
import { DynamoDbStateStore } from '#state/dynamodb-state-store';
import { MemoryStateStore } from '#state/memory-state-store';

/**
 * Where the CLI keeps locks and applied versions: the deployed functions' own store when the environment names it
 * (the variables the functions read: STATE_TABLE on AWS, AZURE_STATE_TABLE_* on Azure, GCP_STATE_BUCKET on Google
 * Cloud), process memory otherwise.
 */
export const STATE_STORE_NAMES = ['dynamodb', 'azure-table', 'gcs', 'memory'] as const;
export type StateStoreName = (typeof STATE_STORE_NAMES)[number];

export interface CliStateStore {
  readonly name: StateStoreName;
  readonly store: StateStore;
  /** For people: "DynamoDB table x", "Azure Table x", "Cloud Storage bucket x", "process memory". */
  readonly where: string;
}

/** The line the CLI prints on stderr when it runs on process memory. */
export const MEMORY_STATE_NOTE =
  'note: no state store configured (STATE_TABLE, AZURE_STATE_TABLE_* or GCP_STATE_BUCKET): locks and versions live in this process only';

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

type DeployedStoreName = Exclude<StateStoreName, 'memory'>;

const STORE_OF_PROVIDER: Record<CloudProvider, DeployedStoreName> = {
  aws: 'dynamodb',
  azure: 'azure-table',
  gcp: 'gcs',
};

/** Each deployed store as people know it, and the variables that configure it. */
const STORE_TEXT: Record<DeployedStoreName, { readonly store: string; readonly variables: string }> = {
  dynamodb: { store: 'a DynamoDB (STATE_TABLE)', variables: 'STATE_TABLE is' },
  'azure-table': {
    store: 'an Azure Table (AZURE_STATE_TABLE_*)',
    variables: 'AZURE_STATE_TABLE_ENDPOINT (or AZURE_STATE_TABLE_CONNECTION_STRING) is',
  },
  gcs: { store: 'a Cloud Storage (GCP_STATE_BUCKET)', variables: 'GCP_STATE_BUCKET is' },
};

export function openStateStore(env: Env, credential: TokenCredential, request: StateStoreRequest = {}): CliStateStore {
  const dynamoTable = env.STATE_TABLE?.trim() || undefined;
  const endpoint = env.AZURE_STATE_TABLE_ENDPOINT?.trim() || undefined;
  const connectionString = env.AZURE_STATE_TABLE_CONNECTION_STRING?.trim() || undefined;
  const bucketName = env.GCP_STATE_BUCKET?.trim() || undefined;
  registerSensitiveValue(connectionString);
  const configured: DeployedStoreName[] = [
    ...(dynamoTable ? (['dynamodb'] as const) : []),
    ...(endpoint || connectionString ? (['azure-table'] as const) : []),
    ...(bucketName ? (['gcs'] as const) : []),
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
    case 'gcs': {
      // Loaded here, not at the top: the client takes a few hundred ms to load, and only this store needs it.
      const { Storage } = require('@google-cloud/storage') as typeof import('@google-cloud/storage');
      const { GcsStateStore } = require('#state/gcs-state-store') as typeof import('#state/gcs-state-store');
      // Application Default Credentials, or STORAGE_EMULATOR_HOST (the client's own switch) for a local endpoint.
      const bucket = new Storage().bucket(bucketName ?? '');
      return { name, store: new GcsStateStore(bucket), where: `Cloud Storage bucket ${bucket.name}` };
    }
  }
}

/**
 * One store configured: that one. Several: the one of the secret's cloud when the command is about a secret and
 * that store is configured; otherwise the person says which.
 */
function chooseStore(configured: readonly DeployedStoreName[], request: StateStoreRequest): StateStoreName {
  const { choice, provider } = request;
  if (choice === 'memory') return choice;
  if (choice) {
    if (configured.includes(choice)) return choice;
    throw new StateStoreChoiceError(`--state-store ${choice}: ${STORE_TEXT[choice].variables} not set`);
  }
  const [only, other] = configured;
  if (!only) return 'memory';
  if (!other) return only;
  if (provider && configured.includes(STORE_OF_PROVIDER[provider])) return STORE_OF_PROVIDER[provider];
  const stores = configured.map((name) => STORE_TEXT[name].store);
  const options = configured.map((name) => `--state-store ${name}`);
  throw new StateStoreChoiceError(
    `${configured.length === 2 ? 'both ' : ''}${listed(stores, ' and ')} state store are configured: pass ${listed(options, ' or ')}`,
  );
}

/** `a, b and c`. */
const listed = (items: readonly string[], last: string) =>
  items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')}${last}${items.at(-1)}`;

/** Verbs that only mean something on the functions' state (unlock, budget) refuse to run on process memory. */
export function requireDeployedState(state: CliStateStore, verb: string): void {
  if (state.name === 'memory') {
    throw new StateStoreChoiceError(
      `${verb} works on the deployed functions' state: set STATE_TABLE (DynamoDB), AZURE_STATE_TABLE_ENDPOINT / AZURE_STATE_TABLE_CONNECTION_STRING (Azure Table) or GCP_STATE_BUCKET (Cloud Storage)`,
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
