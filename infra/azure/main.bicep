// connector-reloader on Azure: a Linux Function App (Flex Consumption, Node 22) with a system-assigned identity that
// reads one Key Vault, an Event Grid system topic on that vault delivering SecretNewVersionCreated (and the
// near-expiry/expired warnings) to the app with retries and a dead-letter container, Table state and App Insights.
// Event Grid's deadline is 30 s, so onSecretEvent only queues each event (secret-rotations) and answers; the queue
// function restarts and verifies, retried by the queue and dead-lettered with its cause to secret-rotations-poison.
// Failed connectors: the Confluent notification webhook hands failures to a Storage Queue (poison queue beside it)
// and a timer sweeps every SWEEP_SCHEDULE.
// The vault may sit in any resource group (keyVaultResourceGroup): the vault role and the system topic are deployed
// there (modules/vault-events.bicep), so `azd down` of this group leaves the vault alone. Event Grid validates an
// AzureFunction endpoint when the subscription is created, so the subscription is a second step once the code is
// deployed: deployEventSubscription=true (azd's postdeploy hook, or a second `az deployment group create`).
// Checked offline by tests/infra/azure-bicep.test.ts (the text), compiled by `az bicep build` / `azd up`.
targetScope = 'resourceGroup'

@description('Name prefix for every resource.')
param name string = 'connector-reloader'

param location string = resourceGroup().location

@description('Name of the existing Key Vault whose secrets connectors use (RBAC authorization enabled).')
param keyVaultName string

@description('Resource group of that Key Vault (this deployment\'s own group if the vault is there).')
param keyVaultResourceGroup string

@description('Name of the Event Grid system topic the vault already has (a source has at most one); empty creates one.')
param existingSystemTopicName string = ''

@description('Subscribe onSecretEvent to the vault\'s events. Only once the code is deployed: Event Grid checks the function exists.')
param deployEventSubscription bool = false

@description('Key Vault secret URI holding the Confluent Cloud API key as JSON {"apiKey","apiSecret"}.')
param confluentCredentialsSecretUri string

@description('Comma-separated env-id or env-id/lkc-id scopes; empty scans every environment the key can see.')
param confluentScopes string = ''

@description('Failure sweep timer, NCRONTAB with seconds (the SWEEP_SCHEDULE app setting).')
param sweepSchedule string = '0 */5 * * * *'

@description('Key Vault secret URI holding the failure webhook URL token (a long random string); empty refuses every call.')
param webhookTokenSecretUri string = ''

@description('Key Vault secret URI holding the alert webhook URL (generic, Slack or Teams); empty sends no alerts.')
param alertWebhookSecretUri string = ''

@allowed(['generic', 'slack', 'teams'])
param alertFormat string = 'generic'

@description('Also alert on successful restarts.')
param alertOnSuccess bool = false

@description('Automatic restarts of a failing connector before it is left alone and an alert goes out.')
@minValue(0)
param maxAutoRestarts int = 7

@description('`;`-separated deny windows `<cron UTC>|<minutes>`, e.g. `0 2 * * SAT|180`.')
param maintenanceWindows string = ''

@description('Email for the alert rules (poison queues, dead-lettered events, failed restarts); empty: rules without a receiver.')
param alarmEmail string = ''

// Restarting, verifying, rollout waves, the mapping and alert repeats (docs/configuration.md); empty: the default.
param excludeConnectors string = ''
param restartConcurrency string = ''
param verifyTimeoutSeconds string = ''
param verifyPollSeconds string = ''
param verifySettleSeconds string = ''
param verifyErrorPolls string = ''
param verifyUnassignedSeconds string = ''
param rollout string = ''
param rolloutThreshold string = ''
param rolloutFirstWave string = ''
@description('Key Vault secret URI (in the vault the app reads) or file:<path> in the package holding the mapping JSON.')
param targetMapping string = ''
param targetMappingTtlSeconds string = ''
param alertRepeatWindowHours string = ''
@description('Per-connector coalescing window in seconds (RESTART_COALESCE_SECONDS); empty or 0: off. A waiting rotation is sent back to secret-rotations with a visibility delay.')
param restartCoalesceSeconds string = ''
@description('The cap on a coalesced restart\'s wait in seconds (RESTART_COALESCE_MAX_SECONDS); empty: 300.')
param restartCoalesceMaxSeconds string = ''

@description('Name of the Function App code package (azd sets it).')
param functionAppName string = '${name}-${uniqueString(resourceGroup().id)}'

// 'st' + at most 9 characters of the name + all 13 of uniqueString: at most 24, and the unique part is never cut.
var storageAccountName = 'st${take(toLower(replace(name, '-', '')), 9)}${uniqueString(resourceGroup().id)}'
var deploymentContainer = 'app-package'
var deadLetterContainer = 'eventgrid-dead-letter'
var stateTableName = 'connectorreloaderstate'
// The names functions/azure/failure-queue.ts binds to; the host moves a message to `<queue>-poison` after
// host.json maxDequeueCount attempts, and the recovery function writes its own dead letters (with the cause) there.
var failureQueueName = 'connector-failures'
var failurePoisonQueueName = '${failureQueueName}-poison'
// The host's timeout for every function (host.json), passed on as FUNCTION_TIMEOUT_SECONDS so start-up can check
// that a pause wait plus verification fits in it (docs/configuration.md). host.json stays the one place to change it.
var functionTimeoutParts = split(loadJsonContent('../../host.json').functionTimeout, ':')
var functionTimeoutSeconds = int(functionTimeoutParts[0]) * 3600 + int(functionTimeoutParts[1]) * 60 + int(functionTimeoutParts[2])
// functions/azure/rotation-queue.ts: Event Grid → onSecretEvent → this queue → reloadRotatedSecret (same poison rule).
var rotationQueueName = 'secret-rotations'
var rotationPoisonQueueName = '${rotationQueueName}-poison'
// Built-in role ids (https://learn.microsoft.com/azure/role-based-access-control/built-in-roles).
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'

// Looked up where it is, not in this group; its location places the system topic.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
  scope: resourceGroup(keyVaultResourceGroup)
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource deadLetters 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deadLetterContainer
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource stateTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: stateTableName
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource failureQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: failureQueueName
}

resource failurePoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: failurePoisonQueueName
}

resource rotationQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: rotationQueueName
}

resource rotationPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = {
  parent: queueService
  name: rotationPoisonQueueName
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-insights'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${name}-plan'
  location: location
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  kind: 'functionapp,linux'
  tags: { 'azd-service-name': 'reloader' }
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: { maximumInstanceCount: 40, instanceMemoryMB: 2048 }
      runtime: { name: 'node', version: '22' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }
        { name: 'CONFLUENT_CREDENTIALS_SECRET', value: confluentCredentialsSecretUri }
        { name: 'CONFLUENT_SCOPES', value: confluentScopes }
        { name: 'AZURE_STATE_TABLE', value: stateTableName }
        { name: 'AZURE_STATE_TABLE_ENDPOINT', value: storage.properties.primaryEndpoints.table }
        // Coalescing rotations wait on secret-rotations: sent with a visibility delay (Storage Queue Data Contributor).
        { name: 'AZURE_QUEUE_ENDPOINT', value: storage.properties.primaryEndpoints.queue }
        { name: 'SWEEP_SCHEDULE', value: sweepSchedule }
        { name: 'WEBHOOK_TOKEN_SECRET', value: webhookTokenSecretUri }
        { name: 'ALERT_WEBHOOK_SECRET', value: alertWebhookSecretUri }
        { name: 'ALERT_FORMAT', value: alertFormat }
        { name: 'ALERT_ON_SUCCESS', value: string(alertOnSuccess) }
        { name: 'MAX_AUTO_RESTARTS', value: string(maxAutoRestarts) }
        { name: 'MAINTENANCE_WINDOWS', value: maintenanceWindows }
        { name: 'FUNCTION_TIMEOUT_SECONDS', value: string(functionTimeoutSeconds) }
        { name: 'EXCLUDE_CONNECTORS', value: excludeConnectors }
        { name: 'RESTART_CONCURRENCY', value: restartConcurrency }
        { name: 'VERIFY_TIMEOUT_SECONDS', value: verifyTimeoutSeconds }
        { name: 'VERIFY_POLL_SECONDS', value: verifyPollSeconds }
        { name: 'VERIFY_SETTLE_SECONDS', value: verifySettleSeconds }
        { name: 'VERIFY_ERROR_POLLS', value: verifyErrorPolls }
        { name: 'VERIFY_UNASSIGNED_SECONDS', value: verifyUnassignedSeconds }
        { name: 'ROLLOUT', value: rollout }
        { name: 'ROLLOUT_THRESHOLD', value: rolloutThreshold }
        { name: 'ROLLOUT_FIRST_WAVE', value: rolloutFirstWave }
        { name: 'TARGET_MAPPING', value: targetMapping }
        { name: 'TARGET_MAPPING_TTL_SECONDS', value: targetMappingTtlSeconds }
        { name: 'ALERT_REPEAT_WINDOW_HOURS', value: alertRepeatWindowHours }
        { name: 'RESTART_COALESCE_SECONDS', value: restartCoalesceSeconds }
        { name: 'RESTART_COALESCE_MAX_SECONDS', value: restartCoalesceMaxSeconds }
      ]
    }
  }
}

// Blob (deployment package, host storage), Table (state) and Queue (every queue of this account: triggers and output
// bindings through AzureWebJobsStorage, and the coalescing deferrals sent to AZURE_QUEUE_ENDPOINT) data roles for the
// app's identity, on its own storage account only.
module appStorageAccess 'modules/storage-roles.bicep' = {
  name: 'app-storage-access'
  params: {
    storageAccountName: storage.name
    principalId: functionApp.identity.principalId
    roleDefinitionIds: [storageBlobDataOwnerRoleId, storageTableDataContributorRoleId, storageQueueDataContributorRoleId]
  }
}

// In the vault's resource group: Key Vault Secrets User for the app on this vault alone, and the system topic.
module vaultEvents 'modules/vault-events.bicep' = {
  name: 'connector-reloader-vault-${uniqueString(resourceGroup().id)}'
  scope: resourceGroup(keyVaultResourceGroup)
  params: {
    keyVaultName: keyVaultName
    location: vault.location
    principalId: functionApp.identity.principalId
    keyVaultSecretsUserRoleId: keyVaultSecretsUserRoleId
    systemTopicName: '${keyVaultName}-events'
    existingSystemTopicName: existingSystemTopicName
  }
}

// Event Grid writes dead letters with the topic's own identity: blob data access on this account only.
module deadLetterAccess 'modules/storage-roles.bicep' = if (!empty(vaultEvents.outputs.systemTopicPrincipalId)) {
  name: 'event-grid-dead-letter-access'
  params: {
    storageAccountName: storage.name
    principalId: vaultEvents.outputs.systemTopicPrincipalId
    roleDefinitionIds: [storageBlobDataContributorRoleId]
  }
}

module eventSubscription 'modules/event-subscription.bicep' = if (deployEventSubscription) {
  name: 'connector-reloader-events-${uniqueString(resourceGroup().id)}'
  scope: resourceGroup(keyVaultResourceGroup)
  dependsOn: [deadLetterAccess]
  params: {
    systemTopicName: vaultEvents.outputs.systemTopicName
    functionAppId: functionApp.id
    deadLetterStorageAccountId: storage.id
    deadLetterContainerName: deadLetterContainer
  }
}

// Alert rules, one action group: what the AWS alarms watch, on Azure (docs/deploy-azure.md).
resource alarms 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${name}-alarms'
  location: 'global'
  properties: {
    groupShortName: 'reloader'
    enabled: true
    emailReceivers: empty(alarmEmail) ? [] : [{ name: 'operators', emailAddress: alarmEmail, useCommonAlertSchema: true }]
  }
}

// Event Grid gave up on a secret event and wrote it to the dead-letter container.
resource deadLetteredEventsAlert 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: '${name}-dead-lettered-events'
  location: 'global'
  properties: {
    description: 'A Key Vault event could not be delivered to the Function App: see the eventgrid-dead-letter blobs'
    severity: 1
    enabled: true
    scopes: [vaultEvents.outputs.systemTopicId]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadLettered'
          metricName: 'DeadLetteredCount'
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Total'
        }
      ]
    }
    actions: [{ actionGroupId: alarms.id }]
  }
}

// A message moved to a poison queue: by the host after maxDequeueCount, or by a function with its cause.
resource poisonQueueAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${name}-poison-queue'
  location: location
  properties: {
    description: 'A message went to a -poison queue (given up on); its cause is in the message and the logs'
    severity: 1
    enabled: true
    scopes: [appInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | where message has "-poison"'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [alarms.id] }
  }
}

// Connectors that did not come back RUNNING after a restart (rotation or recovery): failed, timed out or refused.
resource failedRestartsAlert 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: '${name}-failed-restarts'
  location: location
  properties: {
    description: 'A connector did not come back RUNNING after a restart; the alert webhook has the digest'
    severity: 2
    enabled: true
    scopes: [appInsights.id]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      allOf: [
        {
          query: 'traces | where message has_any ("reload outcome", "recovery outcome") | where message has_any (\'"result":"failed"\', \'"result":"timed-out"\', \'"result":"restart-error"\')'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [alarms.id] }
  }
}

output AZURE_FUNCTION_APP_NAME string = functionApp.name
output AZURE_FUNCTION_PRINCIPAL_ID string = functionApp.identity.principalId
output AZURE_STORAGE_ACCOUNT string = storage.name
// Read back by main.parameters.json next time (no second prompt) and by the azd hooks (scripts/azd/).
output AZURE_KEY_VAULT_NAME string = keyVaultName
output AZURE_KEY_VAULT_RESOURCE_GROUP string = keyVaultResourceGroup
output AZURE_EVENTGRID_SYSTEM_TOPIC string = vaultEvents.outputs.systemTopicName
output AZURE_EVENTGRID_SUBSCRIPTION_DEPLOYED bool = deployEventSubscription
// Register this (with the token from webhookTokenSecretUri in place of <token>) as a Confluent Webhook integration.
output FAILURE_WEBHOOK_URL_TEMPLATE string = 'https://${functionApp.properties.defaultHostName}/api/connector-failures/<token>'
