// edd bank on Azure Functions, the whole system: a Function App (Elastic Premium, Linux, Node 22) with a
// system-assigned managed identity, a Service Bus Standard namespace with a session-enabled,
// duplicate-detecting command queue, PostgreSQL Flexible Server on a private network, a Key Vault holding
// the connection string (the app reads it through a Key Vault reference), and the storage container whose
// uploads become commands. The functions themselves (http, queue, the sweep and project timers, the
// objects blob trigger) are registered by the bundle. Walkthrough and costs: docs/deploy.md.
//   az deployment group create -g <group> -f examples/bank/deploy/azure-functions/main.bicep -p postgresAdminPassword=... masterKey="$(openssl rand -base64 32)" jwtIssuer=... jwtAudience=... jwtJwksUrl=...
//   npm run build && cd dist/azure-functions && func azure functionapp publish <functionAppName output> --javascript

@description('Prefix of every resource name.')
param name string = 'edd-bank'

param location string = resourceGroup().location

@description('PostgreSQL administrator login (create a least-privileged role for the app once the server is up: docs/deploy.md).')
param postgresAdminLogin string = 'eddadmin'

@secure()
@minLength(16)
param postgresAdminPassword string

@secure()
@minLength(44)
@description('Master key that wraps the per-account keys of personal data: 32 bytes as base64 (openssl rand -base64 32). Kept in the Key Vault; docs/privacy.md.')
param masterKey string

@description('Issuer of the tokens clients send (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0).')
param jwtIssuer string

@description('Audience the tokens must carry (Entra ID: the API application id URI or client id).')
param jwtAudience string

@description('Signing keys of the issuer (Entra ID: https://login.microsoftonline.com/<tenant>/discovery/v2.0/keys).')
param jwtJwksUrl string

var suffix = uniqueString(resourceGroup().id)
var queueName = 'edd-bank-commands'
var commandsContainerName = 'commands'
var databaseName = 'bank'

// Built-in role definitions the app's identity gets, each on the narrowest scope that works.
var roles = {
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
}

// Network: the functions reach PostgreSQL over a private subnet; the database has no public endpoint.
resource vnet 'Microsoft.Network/virtualNetworks@2023-11-01' = {
  name: '${name}-vnet'
  location: location
  properties: {
    addressSpace: { addressPrefixes: ['10.40.0.0/16'] }
    subnets: [
      {
        name: 'functions'
        properties: {
          addressPrefix: '10.40.1.0/24'
          delegations: [{ name: 'web', properties: { serviceName: 'Microsoft.Web/serverFarms' } }]
        }
      }
      {
        name: 'postgres'
        properties: {
          addressPrefix: '10.40.2.0/24'
          delegations: [{ name: 'postgres', properties: { serviceName: 'Microsoft.DBforPostgreSQL/flexibleServers' } }]
        }
      }
    ]
  }
}

resource postgresDns 'Microsoft.Network/privateDnsZones@2020-06-01' = {
  name: '${name}.private.postgres.database.azure.com'
  location: 'global'
}

resource postgresDnsLink 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2020-06-01' = {
  parent: postgresDns
  name: '${name}-vnet'
  location: 'global'
  properties: {
    registrationEnabled: false
    virtualNetwork: { id: vnet.id }
  }
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2022-12-01' = {
  name: '${name}-pg-${suffix}'
  location: location
  sku: { name: 'Standard_B1ms', tier: 'Burstable' }
  properties: {
    version: '16'
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    storage: { storageSizeGB: 32 }
    backup: { backupRetentionDays: 7, geoRedundantBackup: 'Disabled' }
    // Production: General Purpose with ZoneRedundant high availability (docs/deploy.md, costs).
    highAvailability: { mode: 'Disabled' }
    network: {
      delegatedSubnetResourceId: '${vnet.id}/subnets/postgres'
      privateDnsZoneArmResourceId: postgresDns.id
    }
  }
  dependsOn: [postgresDnsLink]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2022-12-01' = {
  parent: postgres
  name: databaseName
}

// Secrets live here; the Function App reads them through Key Vault references with its identity.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'eddbank${suffix}'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    enablePurgeProtection: true
  }
}

resource databaseUrlSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'edd-bank-database-url'
  properties: {
    value: 'postgres://${postgresAdminLogin}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?sslmode=require'
  }
}

// Wraps the keys that seal the owner's email (docs/privacy.md): read through a Key Vault reference like the URL.
resource masterKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'edd-bank-master-key'
  properties: {
    value: masterKey
  }
}

// The host's storage (identity-based) and the commands container. Elastic Premium also needs a file
// share for the app's content, reached with a key: that connection string is a Key Vault secret too.
resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'eddbank${suffix}'
  location: location
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: {
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource commandsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: commandsContainerName
  properties: { publicAccess: 'None' }
}

resource contentConnectionSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'edd-bank-content-storage'
  properties: {
    value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'
  }
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2021-11-01' = {
  name: '${name}-sb-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    // Managed identities only: no connection strings with keys exist to leak.
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource commandQueue 'Microsoft.ServiceBus/namespaces/queues@2021-11-01' = {
  parent: serviceBus
  name: queueName
  properties: {
    // Senders set SessionId to the aggregate id: one aggregate's commands in order.
    requiresSession: true
    // Senders set MessageId to the idempotency key: a resend within the window is dropped.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    lockDuration: 'PT1M'
    maxDeliveryCount: 10
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P14D'
  }
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: '${name}-logs'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${name}-insights'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: false
  }
}

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: '${name}-plan'
  location: location
  kind: 'elastic'
  sku: { name: 'EP1', tier: 'ElasticPremium' }
  properties: {
    reserved: true
    maximumElasticWorkerCount: 20
  }
}

resource functionApp 'Microsoft.Web/sites@2023-12-01' = {
  name: '${name}-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    virtualNetworkSubnetId: '${vnet.id}/subnets/functions'
    keyVaultReferenceIdentity: 'SystemAssigned'
    siteConfig: {
      linuxFxVersion: 'Node|22'
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      vnetRouteAllEnabled: true
      minimumElasticInstanceCount: 1
      appSettings: [
        { name: 'FUNCTIONS_EXTENSION_VERSION', value: '~4' }
        { name: 'FUNCTIONS_WORKER_RUNTIME', value: 'node' }
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING', value: '@Microsoft.KeyVault(SecretUri=${contentConnectionSecret.properties.secretUri})' }
        { name: 'WEBSITE_CONTENTSHARE', value: toLower('${name}-${suffix}') }
        // The share is reached through the Key Vault reference, which the platform cannot check at creation.
        { name: 'WEBSITE_SKIP_CONTENTSHARE_VALIDATION', value: '1' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'DATABASE_URL', value: '@Microsoft.KeyVault(SecretUri=${databaseUrlSecret.properties.secretUri})' }
        { name: 'EDD_MASTER_KEY', value: '@Microsoft.KeyVault(SecretUri=${masterKeySecret.properties.secretUri})' }
        { name: 'EDD_DB_POOL_SIZE', value: '4' }
        { name: 'EDD_COMMAND_QUEUE', value: queueName }
        { name: 'EDD_SERVICE_BUS__fullyQualifiedNamespace', value: '${serviceBus.name}.servicebus.windows.net' }
        // The objects function's blob trigger: the container, and the account reached with the identity.
        { name: 'EDD_UPLOADS_CONTAINER', value: commandsContainerName }
        { name: 'EDD_UPLOADS_STORAGE__blobServiceUri', value: storage.properties.primaryEndpoints.blob }
        { name: 'EDD_UPLOADS_STORAGE__queueServiceUri', value: storage.properties.primaryEndpoints.queue }
        { name: 'EDD_JWT_ISSUER', value: jwtIssuer }
        { name: 'EDD_JWT_AUDIENCE', value: jwtAudience }
        { name: 'EDD_JWT_JWKS_URL', value: jwtJwksUrl }
        // NCRONTAB, seconds first: the timers read them as %EDD_SWEEP_SCHEDULE% and %EDD_PROJECT_SCHEDULE%.
        { name: 'EDD_SWEEP_SCHEDULE', value: '0 */1 * * * *' }
        { name: 'EDD_PROJECT_SCHEDULE', value: '0 */1 * * * *' }
      ]
    }
  }
}

resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, functionApp.id, roles.keyVaultSecretsUser)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource queueReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: commandQueue
  name: guid(commandQueue.id, functionApp.id, roles.serviceBusDataReceiver)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataReceiver)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// The host keeps its locks, timers' schedules and blob receipts in this account (blobs and queues).
resource storageBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, functionApp.id, roles.storageBlobDataOwner)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource storageQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, functionApp.id, roles.storageQueueDataContributor)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output functionAppName string = functionApp.name
output apiUrl string = 'https://${functionApp.properties.defaultHostName}'
output serviceBusNamespace string = '${serviceBus.name}.servicebus.windows.net'
output commandsContainerUrl string = '${storage.properties.primaryEndpoints.blob}${commandsContainer.name}'
output keyVaultName string = vault.name
