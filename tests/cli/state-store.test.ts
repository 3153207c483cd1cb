import { DefaultAzureCredential } from '@azure/identity';
import { openStateStore, requireDeployedState, StateStoreChoiceError } from '#cli/state-store';
import { redact } from '#observability/redaction';

const credential = new DefaultAzureCredential();
const AZURITE =
  'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=CANARYkeyAbc123==;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;';
const BOTH = { STATE_TABLE: 'reloader-state', AZURE_STATE_TABLE_CONNECTION_STRING: AZURITE };
const ALL_THREE = { ...BOTH, GCP_STATE_BUCKET: 'acme-prod-connector-reloader-state' };

describe('openStateStore (no network: the stores are only built)', () => {
  it('uses the store the environment names, as the functions read it, and process memory without one', () => {
    // Act
    const dynamo = openStateStore({ STATE_TABLE: 'reloader-state' }, credential);
    const table = openStateStore({ AZURE_STATE_TABLE_ENDPOINT: 'https://st.table.core.windows.net' }, credential);
    const bucket = openStateStore({ GCP_STATE_BUCKET: 'acme-prod-connector-reloader-state' }, credential);
    const none = openStateStore({}, credential);

    // Assess
    expect([dynamo.name, dynamo.where]).toEqual(['dynamodb', 'DynamoDB table reloader-state']);
    expect([table.name, table.where]).toEqual(['azure-table', 'Azure Table connectorreloaderstate']);
    expect([bucket.name, bucket.where]).toEqual(['gcs', 'Cloud Storage bucket acme-prod-connector-reloader-state']);
    expect([none.name, none.where]).toEqual(['memory', 'process memory']);
  });

  it("picks by the secret's cloud when both are configured, and otherwise asks for --state-store", () => {
    // Act / Assess
    expect(openStateStore(BOTH, credential, { provider: 'aws' }).name).toBe('dynamodb');
    expect(openStateStore(BOTH, credential, { provider: 'azure' }).name).toBe('azure-table');
    expect(openStateStore(BOTH, credential, { choice: 'azure-table' }).name).toBe('azure-table');
    expect(() => openStateStore(BOTH, credential)).toThrow(
      new StateStoreChoiceError(
        'both a DynamoDB (STATE_TABLE) and an Azure Table (AZURE_STATE_TABLE_*) state store are configured: pass --state-store dynamodb or --state-store azure-table',
      ),
    );
  });

  it("picks the Cloud Storage bucket for a Google Cloud secret, and asks when the secret's store is not configured", () => {
    // Act / Assess
    expect(openStateStore(ALL_THREE, credential, { provider: 'gcp' }).name).toBe('gcs');
    expect(openStateStore(ALL_THREE, credential, { provider: 'azure' }).name).toBe('azure-table');
    expect(openStateStore(ALL_THREE, credential, { choice: 'gcs' }).name).toBe('gcs');
    expect(() => openStateStore(BOTH, credential, { provider: 'gcp' })).toThrow(
      'pass --state-store dynamodb or --state-store azure-table',
    );
    expect(() => openStateStore(ALL_THREE, credential)).toThrow(
      new StateStoreChoiceError(
        'a DynamoDB (STATE_TABLE), an Azure Table (AZURE_STATE_TABLE_*) and a Cloud Storage (GCP_STATE_BUCKET) state store are configured: pass --state-store dynamodb, --state-store azure-table or --state-store gcs',
      ),
    );
    expect(() => openStateStore({}, credential, { choice: 'gcs' })).toThrow(
      '--state-store gcs: GCP_STATE_BUCKET is not set',
    );
  });

  it('refuses a --state-store that is not configured, and unlock or budget on memory', () => {
    // Act / Assess
    expect(() => openStateStore({}, credential, { choice: 'dynamodb' })).toThrow(
      '--state-store dynamodb: STATE_TABLE is not set',
    );
    expect(() => requireDeployedState(openStateStore({}, credential), 'unlock')).toThrow(StateStoreChoiceError);
  });

  it('treats the connection string as a secret: it never appears in anything redacted', () => {
    // Act
    openStateStore({ AZURE_STATE_TABLE_CONNECTION_STRING: AZURITE }, credential);

    // Assess
    expect(redact(`failed with ${AZURITE}`)).not.toContain('CANARYkeyAbc123');
  });

  it('announces process memory once, at its first use', async () => {
    // Prepare
    const announced: string[] = [];
    const memory = openStateStore({}, credential, { onMemoryInUse: () => announced.push('memory') });

    // Act
    const before = [...announced];
    await memory.store.read('env-p1/lkc-x1/a');
    await memory.store.write({ connectorKey: 'env-p1/lkc-x1/a' }, null);

    // Assess
    expect(before).toEqual([]);
    expect(announced).toEqual(['memory']);
  });
});
