metadata description = 'Payments backend: Payments.Functions on Azure Functions Flex Consumption (.NET 10 isolated), Table Storage, Service Bus, Key Vault and Application Insights, all reached with one user-assigned managed identity.'

// Deploy into an existing resource group, with every required parameter (nothing is prompted for):
//   cp infra/main.example.bicepparam infra/prod.bicepparam    # then replace its example values
//   STRIPE_SECRET_KEY=sk_live_... STRIPE_WEBHOOK_SECRET=whsec_... SMTP_PASSWORD=... PAYPAL_CLIENT_SECRET=... \
//     az deployment group create -g <rg> -f infra/main.bicep -p infra/prod.bicepparam
// The secrets come from those environment variables, never from a file. Then publish Payments.Functions
// (func azure functionapp publish <functionAppName>, or azd deploy).

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

@description('Short application name used in every resource name.')
@minLength(3)
@maxLength(12)
param appName string = 'payments'

@description('Environment name, e.g. dev, test, prod. Part of every resource name.')
@minLength(2)
@maxLength(8)
param environmentName string

@description('Region for every resource. Flex Consumption is not offered in every region (az functionapp list-flexconsumption-locations).')
param location string = resourceGroup().location

@description('Tags applied to every resource.')
param tags object = {}

@description('Stripe secret API key (sk_live_... or sk_test_...). Written to Key Vault only; the app reads it through a Key Vault reference, and refuses to start when that reference does not resolve or the key is empty (it never falls back to the offline Stripe emulator outside Development and Testing).')
@secure()
@minLength(1)
param stripeSecretKey string

@description('Stripe webhook signing secret (whsec_...). Written to Key Vault only.')
@secure()
@minLength(1)
param stripeWebhookSecret string

@description('Paypal:BaseUrl - PayPal\'s REST API: https://api-m.paypal.com (live) or https://api-m.sandbox.paypal.com (sandbox). Must be https.')
@minLength(1)
param paypalBaseUrl string

@description('Paypal:ClientId - the client id of our PayPal REST app (live or sandbox, matching paypalBaseUrl).')
@minLength(1)
param paypalClientId string

@description('Paypal:ClientSecret - the secret of our PayPal REST app. Written to Key Vault only; the app reads it through a Key Vault reference and never logs it.')
@secure()
@minLength(1)
param paypalClientSecret string

@description('Paypal:WebhookId - the id PayPal gave our webhook (POST /api/paypal/webhook) in the app\'s settings; every delivery\'s signature covers it.')
@minLength(1)
param paypalWebhookId string

@description('Auth:Issuer - the "iss" every bearer token must carry.')
@minLength(1)
param authIssuer string

@description('Auth:Audience - the "aud" every bearer token must carry.')
@minLength(1)
param authAudience string = 'payments-api'

@description('Auth:MetadataAddress - the issuer\'s OpenID Connect metadata document (https://.../.well-known/openid-configuration). Production validates tokens with its signing keys.')
@minLength(1)
param authMetadataAddress string

@description('Auth:AdminRole - the role claim that grants admin endpoints.')
param authAdminRole string = 'admin'

@description('Storage:NamePrefix - prefix for every table and blob container name, so environments can share an account: empty (usual), or lower-case letters and digits starting with a letter (table names must start with a letter, container names must be lower case; the app refuses any other prefix too). At most 20, so the longest name stays within 63.')
@maxLength(20)
param storageNamePrefix string = ''

@description('Replication of the storage account.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSku string = 'Standard_ZRS'

@description('Deliveries of one message copy before Service Bus moves it to the dead-letter queue (reason MaxDeliveryCountExceeded). Handler failures do not use these up (the app retries by scheduling a copy, see queueRetryDelays); a lost lock (a crash) does, and so does every redelivery of a message the Functions door dead-letters (its trigger can only throw: see queueRetryDelays).')
@minValue(1)
@maxValue(100)
param maxDeliveryCount int = 5

@description('Peek-lock duration of every queue (ISO 8601, at most PT5M). host.json renews the lock while a handler runs (maxAutoLockRenewalDuration).')
param queueLockDuration string = 'PT1M'

@description('Stripe:ReadReuseWindow: how long a handler\'s answered read of a Stripe object may serve events about it received before the read was sent (hh:mm:ss; 00:00:00 shares only reads in flight).')
param stripeReadReuseWindow string = '00:00:02'

@description('Stripe:ReadClockSkew: how far one instance\'s clock may run behind another\'s; an event shares a read only if the read was sent this long after the event\'s recorded receipt (hh:mm:ss).')
param stripeReadClockSkew string = '00:00:00'

@description('Service fee on a cart subtotal, in basis points (1000 = 10%).')
@minValue(0)
@maxValue(10000)
param serviceFeeBasisPoints int = 1000

@description('Authorizations older than this (d.hh:mm:ss) are swept; Stripe lets card authorizations lapse after 7 days.')
param authorizationMaxAge string = '6.00:00:00'

@description('What the sweep does with an aging authorization.')
@allowed([
  'Alert'
  'Capture'
  'Cancel'
])
param authorizationSweepAction string = 'Alert'

@description('When the authorization sweep runs (NCRONTAB, six fields, seconds first).')
param authorizationSweepSchedule string = '0 0 * * * *'

@description('How long a group invoice may take to be paid in full (d.hh:mm:ss); keep it inside the 7 days a card authorization lives, and at most 6 days for PayPal shares (3-day honor period, reauthorized once).')
param invoiceDeadline string = '5.00:00:00'

@description('Shipping per physical unit on group invoices, in the catalog currency\'s minor units, where no country or zone override applies.')
param invoiceShippingDefaultUnitAmount int = 500

@description('When the group invoice deadline sweep runs (NCRONTAB, six fields, seconds first).')
param invoiceDeadlineSweepSchedule string = '0 */15 * * * *'

@description('When the reconciler compares our purchases and invoices with Stripe (NCRONTAB, six fields, seconds first).')
param reconciliationSchedule string = '0 0 * * * *'

@description('Reconciliation:Window: each reconciler pass compares what was written within this long (d.hh:mm:ss).')
param reconciliationWindow string = '1.00:00:00'

@description('SMTP relay for the introduction and fulfilment emails.')
param smtpHost string

@description('SMTP port: 465 means TLS from the first byte (Email__Security SslOnConnect); any other port, STARTTLS (StartTls).')
param smtpPort int = 587

@description('SMTP user name.')
param smtpUsername string

@description('SMTP password; stored in Key Vault.')
@secure()
param smtpPassword string

@description('Sender of the emails, e.g. "Payments <no-reply@example.com>".')
param emailFrom string

@description('Where fulfilment orders are emailed.')
param fulfilmentAddress string

@description('Stripe Checkout success URL ({CHECKOUT_SESSION_ID} is filled in by Stripe).')
param checkoutSuccessUrl string

@description('Stripe Checkout cancel URL.')
param checkoutCancelUrl string

@description('Purchases:Paypal:ReturnUrl - where PayPal sends a payer who approved a purchase ({PURCHASE_ID} is filled in by us; PayPal appends token and PayerID). The page calls POST /api/me/purchases/{id}/paypal/complete.')
param purchasePaypalReturnUrl string

@description('Purchases:Paypal:CancelUrl - where PayPal sends a payer who cancelled on its approve page ({PURCHASE_ID} is filled in by us).')
param purchasePaypalCancelUrl string

@description('Invoices:PaypalReturnUrl - the frontend page PayPal sends a member to after approving a share\'s order ({invoiceId} is filled in; PayPal adds token and PayerID); it completes the order. Empty: the invoice page of the Static Web App below.')
param invoicePaypalReturnUrl string = ''

@description('Invoices:PaypalCancelUrl - the frontend page PayPal sends a member to who cancelled on its page ({invoiceId} is filled in; PayPal adds token). Empty: the invoice page of the Static Web App below.')
param invoicePaypalCancelUrl string = ''

@description('When the webhook inbox sweep runs (NCRONTAB, six fields).')
param webhookInboxSweepSchedule string = '0 */1 * * * *'

@description('When the resync from Stripe\'s event list runs (NCRONTAB, six fields).')
param webhookResyncSchedule string = '0 */15 * * * *'

@description('Window in which Service Bus drops a message whose MessageId it has already seen. The app\'s MessageId is the inbox row id plus its send number (plus the retry attempt), so only a genuine repeat is dropped.')
param duplicateDetectionWindow string = 'PT10M'

@description('How long an unprocessed message lives before it expires into the dead-letter queue.')
param messageTimeToLive string = 'P14D'

@description('Queues:RetryDelays: the wait before each of the four retries of a failing handler (so five attempts, then it is dead-lettered). In Azure (the Functions door) the dead letter says MaxDeliveryCountExceeded, after maxDeliveryCount deliveries on which no handler runs; our reason and the error are on the message\'s inbox row and in log events 3004/3005. Only the Host door dead-letters with our reason (HandlerFailed, UnreadableMessage, UnknownMessageType) and the error.')
@minLength(4)
@maxLength(4)
param queueRetryDelays array = [
  '00:00:10'
  '00:01:00'
  '00:05:00'
  '00:15:00'
]

@description('Webhooks:Retention: how long inbox rows (Stripe events, our own messages) and their payloads are kept; longer than Stripe\'s 30 days of events.')
param inboxRetention string = '45.00:00:00'

@description('Webhooks:InboxBuckets: how many partitions the inbox spreads its rows over (the partition is a hash of the event id). Fewer: an intake commit writes fewer, larger transactions; more: more room under Azure\'s ~2,000 entities/s per partition (each event writes about 4 entities there). Set it once: the app refuses to write under another number than the inbox was first written with.')
@minValue(1)
@maxValue(256)
param inboxBuckets int = 8

@description('Webhooks:Intake: group commit of the webhook intake. MaxBatch: most events in one commit; MaxDelay: how long a commit waits for more after its first event; MaxConcurrentCommits: commits under way at once per instance.')
param intakeMaxBatch int = 100
param intakeMaxDelay string = '00:00:00.002'
param intakeMaxConcurrentCommits int = 2

@description('Flex Consumption: most instances the app scales out to (the platform has required at least 40).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Flex Consumption: memory of each instance.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Log Analytics retention.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Where the pages (web/) are hosted as an Azure Static Web App; it is offered in a few regions only (its content is served from the edge everywhere).')
@allowed([
  'westus2'
  'centralus'
  'eastus2'
  'westeurope'
  'eastasia'
])
param webLocation string = 'westeurope'

@description('Other origins the API answers browsers from (CORS), beside the Static Web App, e.g. a storefront that calls the API itself: https://shop.example.com.')
param webAllowedOrigins array = []

// ---------------------------------------------------------------------------------------------
// What the app uses. Keep in step with Payments.Core (Payments.Tests.Infra.InfraTests checks it).
// ---------------------------------------------------------------------------------------------

// Payments.Core.Queues.QueueNames.All: one Service Bus queue each. Adding a queue is one line here.
var serviceBusQueueNames = [
  'cards'
  'payments'
  'provisioning'
  'billing'
  'fulfilment'
]

// Payments.Core.Storage.TableNames.All. Only these exist in Azure: outside Development and Testing the
// app creates no table or container at start-up (StorageInitializer), so a cold start makes no storage calls.
var tableNames = [
  'customers'
  'cards'
  'cardfingerprints'
  'products'
  'purchases'
  'purchaseowners'
  'idempotentrequests'
  'refunds'
  'webhookinbox'
  'webhookindex' // the first inbox layout's index: read until its rows pass Webhooks:Retention, then removed with LegacyInboxStore
  'webhookcursor'
  'sales'
  'subscriptions'
  'adminaccounts'
  'organisations'
  'organisationmembers'
  'sentemails'
  'invoicepayments'
  'fulfilmentorders'
  'groupinvoices'
  'groupinvoicesbyuser'
  'stripekeys'
  'reconciliationfindings'
  'reconciliationcursor'
]

// Payments.Core.Storage.ContainerNames.All: Stripe event payloads too large for a table property.
var blobContainerNames = [
  'webhook-payloads'
]

// storageNamePrefix, checked (Bicep has no regular expressions: each character is looked up). fail()
// stops the deployment while ARM validates the template, before any resource is made with a bad name.
var storagePrefixBadCharacters = filter(
  range(0, length(storageNamePrefix)),
  i => !contains('abcdefghijklmnopqrstuvwxyz0123456789', substring(storageNamePrefix, i, 1))
)
var storagePrefix = empty(storageNamePrefix)
  ? ''
  : (empty(storagePrefixBadCharacters) && !contains('0123456789', substring(storageNamePrefix, 0, 1))
      ? storageNamePrefix
      : fail('storageNamePrefix must be lower-case letters and digits, starting with a letter.'))

var stripeSecretKeySecretName = 'stripe-secret-key'
var stripeWebhookSecretSecretName = 'stripe-webhook-secret'
var paypalClientSecretSecretName = 'paypal-client-secret'
var deploymentContainerName = 'app-package'

// ---------------------------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------------------------

var token = uniqueString(subscription().id, resourceGroup().id, appName, environmentName)
var baseName = '${appName}-${environmentName}'
var compactName = toLower(replace(baseName, '-', ''))
var names = {
  identity: 'id-${baseName}'
  logAnalytics: 'log-${baseName}'
  appInsights: 'appi-${baseName}'
  storage: 'st${take(compactName, 9)}${token}'
  serviceBus: 'sb-${baseName}-${token}'
  keyVault: 'kv${take(compactName, 9)}${token}'
  plan: 'plan-${baseName}'
  functionApp: 'func-${baseName}-${token}'
  readinessTest: 'webtest-ready-${baseName}'
  web: 'stapp-${baseName}-${token}'
}

// Built-in role definitions (ids are the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// ---------------------------------------------------------------------------------------------
// Identity: the app's only credential. Every data-plane grant below goes to it.
// ---------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.identity
  location: location
  tags: tags
}

// ---------------------------------------------------------------------------------------------
// Monitoring
// ---------------------------------------------------------------------------------------------

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: names.logAnalytics
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: names.appInsights
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    IngestionMode: 'LogAnalytics'
    // Telemetry is accepted only with an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING below).
    DisableLocalAuth: true
  }
}

// ---------------------------------------------------------------------------------------------
// Storage: the Functions host (AzureWebJobsStorage), the deployment package, and the app's tables.
// Shared keys are off: everything authenticates with the managed identity.
// ---------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: names.storage
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: storageSku
  }
  properties: {
    accessTier: 'Hot'
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource appContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = [
  for container in blobContainerNames: {
    parent: blobService
    name: '${storagePrefix}${container}'
    properties: {
      publicAccess: 'None'
    }
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2025-01-01' = [
  for table in tableNames: {
    parent: tableService
    name: '${storagePrefix}${table}'
  }
]

// ---------------------------------------------------------------------------------------------
// Service Bus: one queue per background message queue. SAS keys are off.
// ---------------------------------------------------------------------------------------------

resource serviceBus 'Microsoft.ServiceBus/namespaces@2026-01-01' = {
  name: names.serviceBus
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    minimumTlsVersion: '1.2'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource serviceBusQueues 'Microsoft.ServiceBus/namespaces/queues@2026-01-01' = [
  for queue in serviceBusQueueNames: {
    parent: serviceBus
    name: queue
    properties: {
      maxDeliveryCount: maxDeliveryCount
      lockDuration: queueLockDuration
      deadLetteringOnMessageExpiration: true
      defaultMessageTimeToLive: messageTimeToLive
      // Cannot be changed after the queue exists.
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
      requiresSession: false
      enableBatchedOperations: true
      maxSizeInMegabytes: 1024
    }
  }
]

// ---------------------------------------------------------------------------------------------
// Key Vault (RBAC): Stripe, PayPal and SMTP secrets. The app reads them through Key Vault references.
// ---------------------------------------------------------------------------------------------

resource keyVault 'Microsoft.KeyVault/vaults@2026-02-01' = {
  name: names.keyVault
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource stripeSecretKeySecret 'Microsoft.KeyVault/vaults/secrets@2026-02-01' = {
  parent: keyVault
  name: stripeSecretKeySecretName
  properties: {
    value: stripeSecretKey
    contentType: 'text/plain'
  }
}

resource paypalClientSecretSecret 'Microsoft.KeyVault/vaults/secrets@2026-02-01' = {
  parent: keyVault
  name: paypalClientSecretSecretName
  properties: {
    value: paypalClientSecret
    contentType: 'text/plain'
  }
}

resource smtpPasswordSecret 'Microsoft.KeyVault/vaults/secrets@2026-02-01' = {
  parent: keyVault
  name: 'smtp-password'
  properties: {
    value: smtpPassword
  }
}

resource stripeWebhookSecretSecret 'Microsoft.KeyVault/vaults/secrets@2026-02-01' = {
  parent: keyVault
  name: stripeWebhookSecretSecretName
  properties: {
    value: stripeWebhookSecret
    contentType: 'text/plain'
  }
}

// diagnosticSettings' only GA version (2016-09-01) has no categoryGroup; the preview is the current one.
#disable-next-line use-recent-api-versions
resource keyVaultDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: keyVault
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        categoryGroup: 'audit'
        enabled: true
      }
    ]
  }
}

#disable-next-line use-recent-api-versions
resource serviceBusDiagnostics 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'to-log-analytics'
  scope: serviceBus
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
    metrics: [
      {
        category: 'AllMetrics'
        enabled: true
      }
    ]
  }
}

// ---------------------------------------------------------------------------------------------
// Role assignments for the identity (no keys or connection strings anywhere).
// ---------------------------------------------------------------------------------------------

// Blob Data Owner: the Functions host (AzureWebJobsStorage: leases, keys, timer locks), the Flex
// deployment container and the app's blob containers. Table Data Contributor: the app's tables and
// the host's diagnostic events table. No Storage Queue role: nothing here uses Storage queues (Core's
// queues are Service Bus, and there is no blob trigger or Storage queue binding, the only host
// features that need one); add Storage Queue Data Contributor back with either.
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageTableDataContributor
]

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in storageRoles: {
    name: guid(storage.id, identity.id, role)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Receiver for the triggers, Sender for ServiceBusMessageSender, and Data Owner for scaling: Flex
// Consumption's target-based scaling reads each queue's active message count through the
// administration API (GetQueueRuntimePropertiesAsync), which needs the Manage claim. Without it the
// scale monitor only peeks the first message (a count of one, and its age) and scales out late.
// A narrower custom role does not help: Receiver and Sender already carry the control-plane
// Microsoft.ServiceBus/*/queues/read actions, and Service Bus's only data actions are send and
// receive, so the Manage claim comes only with the Microsoft.ServiceBus/* data action, which is Data
// Owner. The trade-off: this identity could also create or delete entities in this namespace, which
// holds nothing but the app's own queues (it already receives and settles every message in them).
// Receiver and Sender stay although Data Owner includes them: they are what the app itself needs.
var serviceBusRoles = [
  roles.serviceBusDataReceiver
  roles.serviceBusDataSender
  roles.serviceBusDataOwner
]

resource serviceBusRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in serviceBusRoles: {
    name: guid(serviceBus.id, identity.id, role)
    scope: serviceBus
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
      principalId: identity.properties.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource keyVaultRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identity.id, roles.keyVaultSecretsUser)
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource appInsightsRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------------------------
// Function app (Flex Consumption)
// ---------------------------------------------------------------------------------------------

// serviceBusEndpoint is https://<name>.servicebus.windows.net:443/ (cloud-specific suffix).
var serviceBusHost = split(replace(serviceBus.properties.serviceBusEndpoint, 'https://', ''), ':')[0]

// Flex Consumption takes the worker runtime and version from functionAppConfig.runtime and
// rejects FUNCTIONS_WORKER_RUNTIME / FUNCTIONS_EXTENSION_VERSION app settings, so neither is set.
var appSettings = [
  // Functions host storage, by identity.
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storage.name
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identity.properties.clientId
  }
  // Service Bus triggers, by identity.
  {
    name: 'ServiceBusConnection__fullyQualifiedNamespace'
    value: serviceBusHost
  }
  {
    name: 'ServiceBusConnection__credential'
    value: 'managedidentity'
  }
  {
    name: 'ServiceBusConnection__clientId'
    value: identity.properties.clientId
  }
  // DefaultAzureCredential in the worker (Core's storage clients, ServiceBusMessageSender) picks the user-assigned identity.
  {
    name: 'AZURE_CLIENT_ID'
    value: identity.properties.clientId
  }
  // Monitoring, with Entra authentication.
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  }
  // Payments.Core: Storage
  {
    name: 'Storage__TableEndpoint'
    value: storage.properties.primaryEndpoints.table
  }
  {
    name: 'Storage__BlobEndpoint'
    value: storage.properties.primaryEndpoints.blob
  }
  {
    name: 'Storage__NamePrefix'
    value: storagePrefix
  }
  // Payments.Core: Stripe (secrets through Key Vault references, resolved with keyVaultReferenceIdentity).
  // The app refuses to start when a reference did not resolve (its text is left in the setting) or the
  // key is empty: outside Development and Testing it never falls back to the offline Stripe emulator.
  {
    name: 'Stripe__SecretKey'
    value: '@Microsoft.KeyVault(SecretUri=${stripeSecretKeySecret.properties.secretUri})'
  }
  // Handlers share their reads of one Stripe object (Stripe.StripeReadCoalescer; docs/store-checkout-and-webhooks.md).
  {
    name: 'Stripe__ReadReuseWindow'
    value: stripeReadReuseWindow
  }
  {
    name: 'Stripe__ReadClockSkew'
    value: stripeReadClockSkew
  }
  // Payments.Core: PayPal (the client secret through a Key Vault reference). No development trust root in Azure:
  // webhook certificates must chain to the machine's roots and come from PayPal's hosts (Paypal:Webhooks:CertHosts).
  {
    name: 'Paypal__BaseUrl'
    value: paypalBaseUrl
  }
  {
    name: 'Paypal__ClientId'
    value: paypalClientId
  }
  {
    name: 'Paypal__ClientSecret'
    value: '@Microsoft.KeyVault(SecretUri=${paypalClientSecretSecret.properties.secretUri})'
  }
  {
    name: 'Paypal__WebhookId'
    value: paypalWebhookId
  }
  // Every PayPal-Request-Id starts with this, so deployments sharing a PayPal app never replay each other's ids.
  {
    name: 'Paypal__RequestIdPrefix'
    value: '${environmentName}-'
  }
  // Payments.Core: Webhooks. During a secret roll, put the old secret in Webhooks__PreviousSecret for a while.
  {
    name: 'Webhooks__Secret'
    value: '@Microsoft.KeyVault(SecretUri=${stripeWebhookSecretSecret.properties.secretUri})'
  }
  {
    name: 'WebhookInboxSweepSchedule'
    value: webhookInboxSweepSchedule
  }
  {
    name: 'WebhookResyncSchedule'
    value: webhookResyncSchedule
  }
  // Payments.Core: Email (SMTP relay; the password through Key Vault) and Checkout.
  {
    name: 'Email__SmtpHost'
    value: smtpHost
  }
  {
    name: 'Email__SmtpPort'
    value: string(smtpPort)
  }
  {
    name: 'Email__Security'
    value: smtpPort == 465 ? 'SslOnConnect' : 'StartTls'
  }
  {
    name: 'Email__Username'
    value: smtpUsername
  }
  {
    name: 'Email__Password'
    value: '@Microsoft.KeyVault(SecretUri=${smtpPasswordSecret.properties.secretUri})'
  }
  {
    name: 'Email__From'
    value: emailFrom
  }
  {
    name: 'Email__FulfilmentAddress'
    value: fulfilmentAddress
  }
  {
    name: 'Checkout__SuccessUrl'
    value: checkoutSuccessUrl
  }
  {
    name: 'Checkout__CancelUrl'
    value: checkoutCancelUrl
  }
  // How long a Checkout Session stays open, and so how long an abandoned subscription checkout holds its admin email.
  {
    name: 'Checkout__SessionMinutes'
    value: '60'
  }
  {
    name: 'Stripe__MaxNetworkRetries'
    value: '2'
  }
  // Every idempotency key starts with this, so deployments sharing a Stripe account never replay each other's keys.
  {
    name: 'Stripe__IdempotencyPrefix'
    value: '${environmentName}:'
  }
  // Payments.Core: Auth (no development signing key in Azure).
  {
    name: 'Auth__Issuer'
    value: authIssuer
  }
  {
    name: 'Auth__Audience'
    value: authAudience
  }
  {
    name: 'Auth__MetadataAddress'
    value: authMetadataAddress
  }
  {
    name: 'Auth__AdminRole'
    value: authAdminRole
  }
  {
    name: 'Webhooks__Retention'
    value: inboxRetention
  }
  {
    name: 'Webhooks__InboxBuckets'
    value: string(inboxBuckets)
  }
  // Payments.Core: the intake's group commit (docs/store-checkout-and-webhooks.md, "Intake").
  {
    name: 'Webhooks__Intake__MaxBatch'
    value: string(intakeMaxBatch)
  }
  {
    name: 'Webhooks__Intake__MaxDelay'
    value: intakeMaxDelay
  }
  {
    name: 'Webhooks__Intake__MaxConcurrentCommits'
    value: string(intakeMaxConcurrentCommits)
  }
  // Payments.Core: Queues (retries are scheduled copies; the queues' maxDeliveryCount only counts lost locks).
  {
    name: 'Queues__RetryDelays__0'
    value: queueRetryDelays[0]
  }
  {
    name: 'Queues__RetryDelays__1'
    value: queueRetryDelays[1]
  }
  {
    name: 'Queues__RetryDelays__2'
    value: queueRetryDelays[2]
  }
  {
    name: 'Queues__RetryDelays__3'
    value: queueRetryDelays[3]
  }
  // Payments.Core: pricing and the authorization sweep (timer schedule: six fields, seconds first).
  {
    name: 'Pricing__FeeBasisPoints'
    value: string(serviceFeeBasisPoints)
  }
  {
    name: 'Purchases__AuthorizationSweep__MaxAge'
    value: authorizationMaxAge
  }
  {
    name: 'Purchases__AuthorizationSweep__Action'
    value: authorizationSweepAction
  }
  {
    name: 'AuthorizationSweepSchedule'
    value: authorizationSweepSchedule
  }
  // Payments.Core: purchases paid through PayPal come back to the shop's pages.
  {
    name: 'Purchases__Paypal__ReturnUrl'
    value: purchasePaypalReturnUrl
  }
  {
    name: 'Purchases__Paypal__CancelUrl'
    value: purchasePaypalCancelUrl
  }
  // Payments.Core: group invoices (per-country shipping overrides: Invoices__Shipping__Countries__GB and the like).
  {
    name: 'Invoices__Deadline'
    value: invoiceDeadline
  }
  {
    name: 'Invoices__Shipping__DefaultUnitAmount'
    value: string(invoiceShippingDefaultUnitAmount)
  }
  {
    name: 'InvoiceDeadlineSweepSchedule'
    value: invoiceDeadlineSweepSchedule
  }
  // Where PayPal sends a member back after approving (or cancelling) a share's order; the sweep above also
  // reauthorizes PayPal authorizations past their 3-day honor period (docs/group-invoices.md).
  {
    name: 'Invoices__PaypalReturnUrl'
    value: empty(invoicePaypalReturnUrl) ? 'https://${web.properties.defaultHostname}/invoices/{invoiceId}/paypal/return' : invoicePaypalReturnUrl
  }
  {
    name: 'Invoices__PaypalCancelUrl'
    value: empty(invoicePaypalCancelUrl) ? 'https://${web.properties.defaultHostname}/invoices/{invoiceId}/paypal/cancel' : invoicePaypalCancelUrl
  }
  // Payments.Core: the reconciler (findings in table reconciliationfindings; docs/reconciler.md).
  {
    name: 'Reconciliation__Window'
    value: reconciliationWindow
  }
  {
    name: 'ReconciliationSchedule'
    value: reconciliationSchedule
  }
]

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: names.plan
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: names.functionApp
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      appSettings: appSettings
      // The pages call the API from the Static Web App's origin with a bearer token in a header (no cookies, so no
      // credentials mode): browsers need the API to allow that origin.
      cors: {
        allowedOrigins: concat([ 'https://${web.properties.defaultHostname}' ], webAllowedOrigins)
        supportCredentials: false
      }
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer.name}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
    }
  }
  // The identity must hold its roles before the host first starts (storage, Key Vault references, triggers).
  dependsOn: [
    storageRoleAssignments
    serviceBusRoleAssignments
    keyVaultRoleAssignment
    appInsightsRoleAssignment
    tables
    serviceBusQueues
  ]
}

// ---------------------------------------------------------------------------------------------
// The pages (web/): plain static files on an Azure Static Web App (Free), calling the API on the function app's URL
// (CORS above). Its content, with web/config.js filled in from this deployment's outputs, is uploaded by
// scripts/deploy-web.sh; web/staticwebapp.config.json maps the page paths (/invoices/{id}, …) to their files.
// ---------------------------------------------------------------------------------------------

resource web 'Microsoft.Web/staticSites@2025-03-01' = {
  name: names.web
  location: webLocation
  tags: tags
  sku: {
    name: 'Free'
    tier: 'Free'
  }
  properties: {}
}

// ---------------------------------------------------------------------------------------------
// Readiness probe: GET /api/health/ready (tables, Service Bus, Stripe configuration; what is down is named in the
// body). App Service's health check (siteConfig.healthCheckPath) evicts instances of dedicated and Premium plans;
// a serverless plan has none to evict, so the probe runs from outside: an Application Insights standard test,
// every 5 minutes from three regions, its results beside the app's traces (alert on its availability metric).
// ---------------------------------------------------------------------------------------------

resource readinessTest 'Microsoft.Insights/webtests@2022-06-15' = {
  name: names.readinessTest
  location: location
  // The hidden link is how Application Insights lists the test as its own.
  tags: union(tags, { 'hidden-link:${appInsights.id}': 'Resource' })
  kind: 'standard'
  properties: {
    SyntheticMonitorId: names.readinessTest
    Name: 'payments readiness (${environmentName})'
    Enabled: true
    Frequency: 300
    Timeout: 30
    Kind: 'standard'
    RetryEnabled: true
    Locations: [
      { Id: 'us-va-ash-azr' }
      { Id: 'emea-nl-ams-azr' }
      { Id: 'apac-sg-sin-azr' }
    ]
    Request: {
      RequestUrl: 'https://${functionApp.properties.defaultHostName}/api/health/ready'
      HttpVerb: 'GET'
      ParseDependentRequests: false
    }
    ValidationRules: {
      ExpectedHttpStatusCode: 200
      SSLCheck: true
      SSLCertRemainingLifetimeCheck: 7
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------

@description('Host name of the function app; the API is at https://<host>/api/...')
output functionAppHostName string = functionApp.properties.defaultHostName
output functionAppName string = functionApp.name
@description('Where the pages are served; web/config.js names the API at https://<functionAppHostName>/api.')
output webUrl string = 'https://${web.properties.defaultHostname}'
output webName string = web.name
output identityClientId string = identity.properties.clientId
output storageAccountName string = storage.name
output serviceBusFullyQualifiedNamespace string = serviceBusHost
output keyVaultName string = keyVault.name
output serviceBusQueues array = serviceBusQueueNames
