// Data-plane roles for one principal on the app's own storage account (deployed by main.bicep).
// Each assignment is named after the principal: a recreated app, whose identity is new, gets assignments of its own
// instead of colliding with the old ones (an assignment's principal cannot be changed once it exists).
targetScope = 'resourceGroup'

param storageAccountName string

@description('Object id of the managed identity the roles are for.')
param principalId string

@description('Built-in role definition ids to assign on the account.')
param roleDefinitionIds array

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleDefinitionId in roleDefinitionIds: {
    name: guid(storage.id, principalId, roleDefinitionId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]
