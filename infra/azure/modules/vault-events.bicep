// What lives beside the Key Vault, in the vault's own resource group (main.bicep deploys this module there with
// scope: resourceGroup(keyVaultResourceGroup)): the app's read access to this one vault, and the vault's Event Grid
// system topic. `azd down` deletes the app's resource group only, so these stay with the vault (docs/deploy-azure.md).
targetScope = 'resourceGroup'

param keyVaultName string

@description('The vault\'s region: a source\'s system topic lives in the source\'s region (Event Grid, "System topics").')
param location string

@description('Object id of the Function App\'s system-assigned identity.')
param principalId string

@description('Key Vault Secrets User, the built-in role id.')
param keyVaultSecretsUserRoleId string

@description('Name for the system topic this module creates when the vault has none.')
param systemTopicName string

@description('The vault\'s existing system topic, reused as it is (a source has at most one); empty creates one.')
param existingSystemTopicName string = ''

var reuseTopic = !empty(existingSystemTopicName)

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

// The app's identity may read secrets of this vault only: no subscription- or group-wide grant. Named after the
// principal, so a recreated app (new identity) gets its own assignment instead of colliding with the old one.
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

resource systemTopic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' = if (!reuseTopic) {
  name: systemTopicName
  location: location
  identity: { type: 'SystemAssigned' }
  properties: {
    source: vault.id
    topicType: 'Microsoft.KeyVault.vaults'
  }
}

// Reused as found: its identity (for dead letters) is the owner's to enable, see docs/deploy-azure.md.
resource existingSystemTopic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' existing = if (reuseTopic) {
  name: existingSystemTopicName
}

output systemTopicName string = reuseTopic ? existingSystemTopic.name : systemTopic.name
// For the dead-lettered-events alert rule in the app's resource group.
output systemTopicId string = reuseTopic ? existingSystemTopic.id : systemTopic.id
// Empty when a reused topic has no system-assigned identity: dead letters need one.
output systemTopicPrincipalId string = reuseTopic
  ? (existingSystemTopic.?identity.?principalId ?? '')
  : systemTopic.identity.principalId
