// The vault's events to onSecretEvent, on the system topic in the vault's resource group (main.bicep deploys this
// module with scope: resourceGroup(keyVaultResourceGroup), only when deployEventSubscription is true). Event Grid
// validates an AzureFunction endpoint when the subscription is created and refuses one whose function is not deployed
// yet ("Destination endpoint not found", Azure/bicep#11656), so this runs after the code: azd's postdeploy hook
// (scripts/azd/postdeploy.ts) or the second `az deployment group create` of docs/deploy-azure.md.
targetScope = 'resourceGroup'

param systemTopicName string

@description('Resource id of the Function App whose onSecretEvent receives the events.')
param functionAppId string

@description('Storage account (in the app\'s resource group) for events Event Grid gives up on.')
param deadLetterStorageAccountId string

param deadLetterContainerName string

resource systemTopic 'Microsoft.EventGrid/systemTopics@2024-06-01-preview' existing = {
  name: systemTopicName
}

resource rotations 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2024-06-01-preview' = {
  parent: systemTopic
  name: 'secret-rotations'
  properties: {
    eventDeliverySchema: 'EventGridSchema'
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: '${functionAppId}/functions/onSecretEvent'
        maxEventsPerBatch: 1
      }
    }
    filter: {
      includedEventTypes: [
        'Microsoft.KeyVault.SecretNewVersionCreated'
        'Microsoft.KeyVault.SecretNearExpiry'
        'Microsoft.KeyVault.SecretExpired'
      ]
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: { type: 'SystemAssigned' }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output subscriptionName string = rotations.name
