import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import { parse } from 'yaml';
import { DEFAULT_SWEEP_SCHEDULE } from '#functions/azure/azure-settings';
import { FAILURE_POISON_QUEUE, FAILURE_QUEUE } from '#functions/azure/failure-queue';
import { ROTATION_POISON_QUEUE, ROTATION_QUEUE } from '#functions/azure/rotation-queue';

/**
 * Bicep cannot be compiled offline here (no Azure CLI or Bicep binary on this machine, no network), so this checks the
 * template's text for the essentials issues 4, 5 and 15 name; `az bicep build` or `azd up` compiles it for real.
 */
const root = path.join(__dirname, '../..');
const readInfra = (file: string) => readFileSync(path.join(root, 'infra/azure', file), 'utf8');
const bicep = readInfra('main.bicep');
const vaultEvents = readInfra('modules/vault-events.bicep');
const eventSubscription = readInfra('modules/event-subscription.bicep');
const storageRoles = readInfra('modules/storage-roles.bicep');

/** The `resource` or `module` declaration of `type` (a resource type, or a module's file) in `text`, to the next one. */
function resourceBlock(type: string, text = bicep): string {
  const start = text.search(new RegExp(`'${type.replace(/[./]/g, '\\$&')}(@|')`));
  expect(start).toBeGreaterThan(-1);
  const next = text.slice(start).search(/\n(resource|module|output) /);
  return text.slice(start, next === -1 ? undefined : start + next);
}

describe('infra/azure/main.bicep essentials', () => {
  it('deploys a Linux Function App on Flex Consumption, Node 22, with a system-assigned identity', () => {
    // Act
    const plan = resourceBlock('Microsoft.Web/serverfarms');
    const app = resourceBlock('Microsoft.Web/sites');

    // Assess
    expect(plan).toMatch(/tier: 'FlexConsumption'/);
    expect(plan).toMatch(/reserved: true/);
    expect(app).toMatch(/kind: 'functionapp,linux'/);
    expect(app).toMatch(/identity: \{ type: 'SystemAssigned' \}/);
    expect(app).toMatch(/runtime: \{ name: 'node', version: '22' \}/);
  });

  it('grants Key Vault Secrets User to the app identity, scoped to the vault only', () => {
    // Act
    const grant = resourceBlock('Microsoft.Authorization/roleAssignments', vaultEvents);
    const module = resourceBlock('modules/vault-events.bicep');

    // Assess
    expect(bicep).toContain("keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'");
    expect(module).toContain('keyVaultSecretsUserRoleId: keyVaultSecretsUserRoleId');
    expect(module).toContain('principalId: functionApp.identity.principalId');
    expect(grant).toMatch(/scope: vault\n/);
    expect(grant).toMatch(/roleDefinitions', keyVaultSecretsUserRoleId\)/);
    expect(grant).toMatch(/principalId: principalId\n/);
  });

  it('puts an Event Grid system topic on the vault with a filtered, retried, dead-lettered subscription', () => {
    // Act
    const topic = resourceBlock('Microsoft.EventGrid/systemTopics', vaultEvents);
    const subscription = resourceBlock('Microsoft.EventGrid/systemTopics/eventSubscriptions', eventSubscription);

    // Assess
    expect(topic).toMatch(/source: vault\.id/);
    expect(topic).toMatch(/topicType: 'Microsoft\.KeyVault\.vaults'/);
    expect(subscription).toContain("'Microsoft.KeyVault.SecretNewVersionCreated'");
    expect(subscription).toMatch(/includedEventTypes/);
    expect(subscription).toMatch(/retryPolicy: \{\s+maxDeliveryAttempts: \d+\s+eventTimeToLiveInMinutes: \d+/);
    expect(subscription).toMatch(/deadLetterDestination: \{\s+endpointType: 'StorageBlob'/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep's own interpolation, quoted as text
    expect(subscription).toContain("resourceId: '${functionAppId}/functions/onSecretEvent'");
  });

  it('creates the storage account, the state table, the dead-letter container and Application Insights', () => {
    // Assess
    expect(bicep).toContain("'Microsoft.Storage/storageAccounts@");
    expect(bicep).toContain("'Microsoft.Storage/storageAccounts/tableServices/tables@");
    expect(bicep).toMatch(/name: deadLetterContainer/);
    expect(bicep).toContain("'Microsoft.Insights/components@");
    expect(bicep).toContain("name: 'AZURE_STATE_TABLE_ENDPOINT'");
  });
});

describe('infra/azure/main.bicep: failed-connector recovery', () => {
  it('creates the failure queue and its poison queue under the names the functions bind to', () => {
    // Act
    const queues = bicep
      .split('\nresource ')
      .filter((block) => block.includes("'Microsoft.Storage/storageAccounts/queueServices/queues@"));

    // Assess
    expect(bicep).toContain(`failureQueueName = '${FAILURE_QUEUE}'`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep's own interpolation, quoted as text
    expect(bicep).toContain("failurePoisonQueueName = '${failureQueueName}-poison'");
    expect(`${FAILURE_QUEUE}-poison`).toBe(FAILURE_POISON_QUEUE);
    expect(queues.map((block) => /name: (\w+)/.exec(block)?.[1])).toEqual([
      'failureQueueName',
      'failurePoisonQueueName',
      'rotationQueueName',
      'rotationPoisonQueueName',
    ]);
  });

  it('grants Storage Queue Data Contributor to the app identity on its own storage account only', () => {
    // Act
    const grants = bicep.split('\nmodule ').find((block) => block.startsWith('appStorageAccess '));
    const assignment = resourceBlock('Microsoft.Authorization/roleAssignments', storageRoles);

    // Assess
    expect(bicep).toContain("storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'");
    expect(grants).toMatch(/roleDefinitionIds: \[[^\]]*storageQueueDataContributorRoleId[^\]]*\]/);
    expect(grants).toContain('storageAccountName: storage.name');
    expect(grants).toContain('principalId: functionApp.identity.principalId');
    expect(grants).not.toContain('scope:');
    expect(storageRoles).toMatch(/resource storage 'Microsoft\.Storage\/storageAccounts@[\w-]+' existing/);
    expect(assignment).toMatch(/scope: storage\n/);
  });

  it('sets the sweep schedule (default every 5 minutes), the secret references and the restart policy', () => {
    // Act
    const app = resourceBlock('Microsoft.Web/sites');

    // Assess
    expect(bicep).toContain(`param sweepSchedule string = '${DEFAULT_SWEEP_SCHEDULE}'`);
    for (const [setting, param] of [
      ['SWEEP_SCHEDULE', 'sweepSchedule'],
      ['WEBHOOK_TOKEN_SECRET', 'webhookTokenSecretUri'],
      ['ALERT_WEBHOOK_SECRET', 'alertWebhookSecretUri'],
      ['ALERT_FORMAT', 'alertFormat'],
      ['MAX_AUTO_RESTARTS', 'string(maxAutoRestarts)'],
      ['MAINTENANCE_WINDOWS', 'maintenanceWindows'],
    ]) {
      expect(app).toContain(`{ name: '${setting}', value: ${param} }`);
    }
    expect(bicep).toMatch(/@allowed\(\['generic', 'slack', 'teams'\]\)\nparam alertFormat string = 'generic'/);
    expect(bicep).toContain('param maxAutoRestarts int = 7');
  });
});

describe('infra/azure/main.bicep: the rotation hand-off', () => {
  it('creates the rotation queue and its poison queue under the names the functions bind to', () => {
    // Assess
    expect(bicep).toContain(`rotationQueueName = '${ROTATION_QUEUE}'`);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep's own interpolation, quoted as text
    expect(bicep).toContain("rotationPoisonQueueName = '${rotationQueueName}-poison'");
    expect(`${ROTATION_QUEUE}-poison`).toBe(ROTATION_POISON_QUEUE);
  });

  it('keeps Event Grid delivering to onSecretEvent, which only queues: one event per delivery, retried, dead-lettered', () => {
    // Act
    const subscription = resourceBlock('Microsoft.EventGrid/systemTopics/eventSubscriptions', eventSubscription);

    // Assess
    expect(subscription).toContain('functions/onSecretEvent');
    expect(subscription).toMatch(/maxEventsPerBatch: 1/);
    expect(subscription).toMatch(/maxDeliveryAttempts: 30\s+eventTimeToLiveInMinutes: 1440/);
  });

  it('lets a coalescing rotation wait on the rotation queue: its endpoint, the window params, the queue role', () => {
    // Act
    const app = resourceBlock('Microsoft.Web/sites');
    const grants = bicep.split('\nmodule ').find((block) => block.startsWith('appStorageAccess '));

    // Assess: the deferral is sent to the same account the trigger reads, with the identity's queue data role.
    expect(app).toContain("{ name: 'AZURE_QUEUE_ENDPOINT', value: storage.properties.primaryEndpoints.queue }");
    expect(app).toContain("{ name: 'RESTART_COALESCE_SECONDS', value: restartCoalesceSeconds }");
    expect(app).toContain("{ name: 'RESTART_COALESCE_MAX_SECONDS', value: restartCoalesceMaxSeconds }");
    expect(app).toContain('AzureWebJobsStorage__accountName');
    // Empty: the setting table's default, coalescing off.
    expect(bicep).toMatch(/\nparam restartCoalesceSeconds string = ''\n/);
    expect(bicep).toMatch(/\nparam restartCoalesceMaxSeconds string = ''\n/);
    expect(grants).toMatch(/roleDefinitionIds: \[[^\]]*storageQueueDataContributorRoleId[^\]]*\]/);
  });

  it('does not pin a function timeout below host.json in the app settings', () => {
    // Act
    const app = resourceBlock('Microsoft.Web/sites');

    // Assess: host.json's values are what start-up checks the rotation work against (host-limits.ts).
    expect(app).not.toContain('AzureFunctionsJobHost__');
  });
});

describe('infra/azure/main.bicep: alert rules', () => {
  const blocks = () => bicep.split('\nresource ');
  const ruleOn = (type: string, text: string) =>
    blocks().find((block) => block.includes(`'${type}@`) && block.includes(text));

  it('alerts on dead-lettered Key Vault events, poison-queue messages and failed restarts, to one action group', () => {
    // Act
    const deadLettered = ruleOn('Microsoft.Insights/metricAlerts', "metricName: 'DeadLetteredCount'");
    const poison = ruleOn('Microsoft.Insights/scheduledQueryRules', 'has "-poison"');
    const failed = ruleOn('Microsoft.Insights/scheduledQueryRules', '"result":"failed"');
    const group = resourceBlock('Microsoft.Insights/actionGroups');

    // Assess
    expect(deadLettered).toMatch(/scopes: \[vaultEvents\.outputs\.systemTopicId\]/);
    expect(deadLettered).toMatch(/operator: 'GreaterThan'\s+threshold: 0/);
    for (const rule of [poison, failed]) {
      expect(rule).toMatch(/scopes: \[appInsights\.id\]/);
      expect(rule).toMatch(/operator: 'GreaterThan'\s+threshold: 0/);
      expect(rule).toContain('actions: { actionGroups: [alarms.id] }');
    }
    expect(failed).toContain('"result":"timed-out"');
    expect(failed).toContain('"result":"restart-error"');
    expect(deadLettered).toContain('actions: [{ actionGroupId: alarms.id }]');
    expect(group).toMatch(/emailReceivers: empty\(alarmEmail\)/);
  });
});

describe('azd, host.json and the package entry', () => {
  it('points azd at the Bicep and stages the function before packaging, in sh and pwsh alike', () => {
    // Act
    const azd = parse(readFileSync(path.join(root, 'azure.yaml'), 'utf8'));
    const { posix, windows } = azd.services.reloader.hooks.prepackage;

    // Assess
    expect(azd.infra).toMatchObject({ provider: 'bicep', path: 'infra/azure', module: 'main' });
    expect(azd.services.reloader).toMatchObject({ host: 'function', language: 'ts' });
    expect(posix).toEqual({ shell: 'sh', run: 'npm run package:azure' });
    expect(windows).toEqual({ shell: 'pwsh', run: 'npm run package:azure' });
  });

  it('has host.json 2.0 with the v4 extension bundle and main matching the Azure build output', () => {
    // Act
    const host = JSON.parse(readFileSync(path.join(root, 'host.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

    // Assess
    expect(host.version).toBe('2.0');
    // Flex Consumption's default function timeout: room for restart, PAUSED wait, verification and retries.
    expect(host.functionTimeout).toBe('00:30:00');
    expect(host.extensionBundle).toEqual({ id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' });
    expect(pkg.scripts['build:azure']).toMatch(/^esbuild functions\/azure\/index\.ts .*--outdir=dist\/azure( |$)/);
    expect(pkg.main).toBe('dist/azure/index.js');
    expect(pkg.dependencies['@azure/functions']).toMatch(/^\^4\./);
  });
});

describe('issue 15: a first deploy that succeeds', () => {
  const azd = parse(readFileSync(path.join(root, 'azure.yaml'), 'utf8'));
  const parameters = JSON.parse(readInfra('main.parameters.json')) as {
    parameters: Record<string, { value: string }>;
  };
  const module = (name: string) => bicep.split('\nmodule ').find((block) => block.startsWith(`${name} `)) ?? '';

  it("validates azure.yaml against azd's own schema (vendored, tests/fixtures/azd)", () => {
    // Prepare
    const text = readFileSync(path.join(root, 'tests/fixtures/azd/azure.yaml.schema.json'), 'utf8');
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // The config schemas of azd's AI extension hosts, referenced by URL and not vendored: no service here uses them.
    const external = new Set([...text.matchAll(/"\$ref": *"(https:[^"#]+)"/g)].map((match) => match[1] as string));
    for (const id of external) ajv.addSchema({ $id: id }, id);
    const validate = ajv.compile(JSON.parse(text));

    // Act
    const valid = validate(azd);

    // Assess
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect([...external].every((id) => id.includes('/extensions/azure.ai.'))).toBe(true);
    expect(Object.values(azd.services as Record<string, { host: string }>).map((service) => service.host)).toEqual([
      'function',
    ]);
  });

  it('subscribes onSecretEvent only when deployEventSubscription is true, in the vault group, after the dead-letter role', () => {
    // Act
    const subscription = module('eventSubscription');

    // Assess
    expect(bicep).toContain('param deployEventSubscription bool = false');
    expect(subscription).toMatch(
      /^eventSubscription 'modules\/event-subscription\.bicep' = if \(deployEventSubscription\) \{/,
    );
    expect(subscription).toContain('scope: resourceGroup(keyVaultResourceGroup)');
    expect(subscription).toContain('dependsOn: [deadLetterAccess]');
    expect(subscription).toContain('functionAppId: functionApp.id');
    // Nothing in main.bicep itself subscribes: the first provision cannot point Event Grid at undeployed code.
    expect(bicep).not.toContain("'Microsoft.EventGrid/");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: azd's own substitution, quoted as text
    expect(parameters.parameters.deployEventSubscription).toEqual({ value: '${DEPLOY_EVENT_SUBSCRIPTION}' });
    expect(bicep).toContain('output AZURE_EVENTGRID_SUBSCRIPTION_DEPLOYED bool = deployEventSubscription');
  });

  it('runs the subscription step in postdeploy, the role wait in predeploy and the cleanup in predown, Node in sh and pwsh', () => {
    // Act
    const hooks = azd.hooks as Record<
      string,
      { posix: { shell: string; run: string }; windows: { shell: string; run: string } }
    >;

    // Assess
    for (const [hook, script] of [
      ['predeploy', 'scripts/azd/predeploy.ts'],
      ['postdeploy', 'scripts/azd/postdeploy.ts'],
      ['predown', 'scripts/azd/predown.ts'],
    ] as const) {
      expect(hooks[hook]?.posix).toEqual({ shell: 'sh', run: `npx --no-install tsx ${script}` });
      expect(hooks[hook]?.windows).toEqual({ shell: 'pwsh', run: `npx --no-install tsx ${script}` });
      expect(existsSync(path.join(root, script))).toBe(true);
    }
    // The variable the postdeploy hook sets is the one the parameters file reads.
    expect(readFileSync(path.join(root, 'scripts/azd/postdeploy.ts'), 'utf8')).toContain(
      "'env', 'set', 'DEPLOY_EVENT_SUBSCRIPTION', 'true'",
    );
  });

  it('looks the vault up in its own resource group and deploys its role and system topic in a module scoped there', () => {
    // Act
    const vaultModule = module('vaultEvents');
    const vault = resourceBlock('Microsoft.KeyVault/vaults');

    // Assess
    expect(bicep).toMatch(/\nparam keyVaultResourceGroup string\n/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: azd's own substitution, quoted as text
    expect(parameters.parameters.keyVaultResourceGroup).toEqual({ value: '${AZURE_KEY_VAULT_RESOURCE_GROUP}' });
    expect(vault).toMatch(/existing = \{\s+name: keyVaultName\s+scope: resourceGroup\(keyVaultResourceGroup\)/);
    expect(vaultModule).toMatch(/^vaultEvents 'modules\/vault-events\.bicep' = \{/);
    expect(vaultModule).toContain('scope: resourceGroup(keyVaultResourceGroup)');
    expect(vaultEvents).toContain("targetScope = 'resourceGroup'");
    expect(resourceBlock('Microsoft.KeyVault/vaults', vaultEvents)).toMatch(/existing = \{\s+name: keyVaultName\s+\}/);
    // main.bicep assigns no role on the vault itself.
    expect(bicep).not.toContain("'Microsoft.Authorization/roleAssignments@");
  });

  it("creates the system topic in the vault's region, or reuses the vault's existing topic by parameter", () => {
    // Act
    const created = resourceBlock('Microsoft.EventGrid/systemTopics', vaultEvents);
    const reused = vaultEvents.slice(vaultEvents.indexOf('resource existingSystemTopic '));

    // Assess
    expect(module('vaultEvents')).toContain('location: vault.location');
    expect(created).toMatch(/= if \(!reuseTopic\) \{\s+name: systemTopicName\s+location: location\n/);
    expect(vaultEvents).toContain('var reuseTopic = !empty(existingSystemTopicName)');
    expect(reused).toMatch(
      /^resource existingSystemTopic 'Microsoft\.EventGrid\/systemTopics@[\w-]+' existing = if \(reuseTopic\) \{\s+name: existingSystemTopicName/,
    );
    expect(bicep).toContain("param existingSystemTopicName string = ''");
    expect(module('vaultEvents')).toContain('existingSystemTopicName: existingSystemTopicName');
    expect(eventSubscription).toMatch(
      /resource systemTopic 'Microsoft\.EventGrid\/systemTopics@[\w-]+' existing = \{\s+name: systemTopicName/,
    );
    expect(module('eventSubscription')).toContain('systemTopicName: vaultEvents.outputs.systemTopicName');
  });

  it('keeps all 13 characters of uniqueString in the storage account name, within 24', () => {
    // Act
    const expression = /var storageAccountName = '(.*)'\n/.exec(bicep)?.[1];
    const prefixLength = Number(/take\(toLower\(replace\(name, '-', ''\)\), (\d+)\)/.exec(expression ?? '')?.[1]);

    // Assess
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Bicep's own interpolation, quoted as text
    expect(expression).toBe("st${take(toLower(replace(name, '-', '')), 9)}${uniqueString(resourceGroup().id)}");
    // uniqueString is 13 characters: 'st' + the name's first 9 + 13 = 24, the limit, whatever the name.
    expect(2 + prefixLength + 13).toBeLessThanOrEqual(24);
    expect(`st${'connector-reloader'.replace(/-/g, '').slice(0, prefixLength)}`).toBe('stconnector');
  });

  it('names every role assignment after the principal it grants, so a recreated app gets assignments of its own', () => {
    // Act
    const names = [vaultEvents, storageRoles].map(
      (text) => /roleAssignments@[\w-]+' = [^\n]*\n(?:\s*for [^\n]*\n)?\s*name: (.*)\n/.exec(text)?.[1],
    );

    // Assess
    expect(names).toEqual([
      'guid(vault.id, principalId, keyVaultSecretsUserRoleId)',
      'guid(storage.id, principalId, roleDefinitionId)',
    ]);
    for (const call of ['appStorageAccess', 'deadLetterAccess']) expect(module(call)).toContain('principalId:');
    expect(module('deadLetterAccess')).toContain('principalId: vaultEvents.outputs.systemTopicPrincipalId');
  });

  it('deploys the folder package-azure stages, as is: remote build off, and no .funcignore that azd would refuse', () => {
    // Act
    const service = azd.services.reloader;

    // Assess
    expect(service).toMatchObject({ project: '.', dist: 'dist/azure-app', remoteBuild: false });
    // azd refuses `remoteBuild: false` with a .funcignore that excludes node_modules; none is needed, the staged
    // folder already holds only host.json, package.json and the bundle (tests/infra/azure-package.test.ts).
    expect(existsSync(path.join(root, '.funcignore'))).toBe(false);
    expect(readFileSync(path.join(root, 'scripts/package-azure.ts'), 'utf8')).toContain(
      "outDir = path.join(ROOT, 'dist/azure-app')",
    );
  });
});
