import { type HookEnv, requireEnv } from './hook-env';

/** The ARM ids the hooks act on, from the azd environment (main.bicep's outputs and azd's own values). */
export interface ResourceIds {
  readonly functionAppId: string;
  readonly storageId: string;
  readonly vaultId: string;
  readonly topicId: string;
}

export const RESOURCE_ID_VARIABLES = [
  'AZURE_SUBSCRIPTION_ID',
  'AZURE_RESOURCE_GROUP',
  'AZURE_FUNCTION_APP_NAME',
  'AZURE_STORAGE_ACCOUNT',
  'AZURE_KEY_VAULT_NAME',
  'AZURE_KEY_VAULT_RESOURCE_GROUP',
  'AZURE_EVENTGRID_SYSTEM_TOPIC',
] as const;

export function resourceIds(env: HookEnv): ResourceIds {
  const values = requireEnv(env, RESOURCE_ID_VARIABLES);
  const subscription = `/subscriptions/${values.AZURE_SUBSCRIPTION_ID}`;
  const appGroup = `${subscription}/resourceGroups/${values.AZURE_RESOURCE_GROUP}`;
  const vaultGroup = `${subscription}/resourceGroups/${values.AZURE_KEY_VAULT_RESOURCE_GROUP}`;
  return {
    functionAppId: `${appGroup}/providers/Microsoft.Web/sites/${values.AZURE_FUNCTION_APP_NAME}`,
    storageId: `${appGroup}/providers/Microsoft.Storage/storageAccounts/${values.AZURE_STORAGE_ACCOUNT}`,
    vaultId: `${vaultGroup}/providers/Microsoft.KeyVault/vaults/${values.AZURE_KEY_VAULT_NAME}`,
    topicId: `${vaultGroup}/providers/Microsoft.EventGrid/systemTopics/${values.AZURE_EVENTGRID_SYSTEM_TOPIC}`,
  };
}
