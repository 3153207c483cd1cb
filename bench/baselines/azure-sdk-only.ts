import { TableClient } from '@azure/data-tables';
import { app } from '@azure/functions';
import { DefaultAzureCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';

/** Baseline: a Functions v4 app that only imports and constructs the Azure SDK clients the entry needs. */
const credential = new DefaultAzureCredential();
const clients = [
  new SecretClient('https://bench.vault.azure.net', credential),
  new TableClient('https://bench.table.core.windows.net', 'state', credential),
];

app.eventGrid('onSecretEvent', { handler: async () => ({ clients: clients.length }) });
