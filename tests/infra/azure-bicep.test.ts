import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { DEFAULT_SWEEP_SCHEDULE } from '../../functions/azure/azure-settings';
import { FAILURE_POISON_QUEUE, FAILURE_QUEUE } from '../../functions/azure/failure-queue';

/**
 * Bicep cannot be compiled offline here (no Azure CLI, no network), so this checks the template's text for the
 * essentials issues 4 and 5 name; `az bicep build` or `azd up` compiles it for real.
 */
const root = path.join(__dirname, '../..');
const bicep = readFileSync(path.join(root, 'infra/azure/main.bicep'), 'utf8');

function resourceBlock(type: string): string {
  const start = bicep.indexOf(`'${type}@`);
  expect(start).toBeGreaterThan(-1);
  const end = bicep.indexOf('\nresource ', start);
  return bicep.slice(start, end === -1 ? undefined : end);
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
    const grants = bicep
      .split('\nresource ')
      .filter((block) => block.includes('4633458b') || block.includes('keyVaultSecretsUserRoleId)'));

    // Assess
    expect(bicep).toContain("keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'");
    expect(grants.length).toBeGreaterThan(0);
    const assignment = grants.find((block) => block.includes('Microsoft.Authorization/roleAssignments'));
    expect(assignment).toMatch(/scope: vault\n/);
    expect(assignment).toMatch(/principalId: functionApp\.identity\.principalId/);
  });

  it('puts an Event Grid system topic on the vault with a filtered, retried, dead-lettered subscription', () => {
    // Act
    const topic = resourceBlock('Microsoft.EventGrid/systemTopics');
    const subscription = resourceBlock('Microsoft.EventGrid/systemTopics/eventSubscriptions');

    // Assess
    expect(topic).toMatch(/source: vault\.id/);
    expect(topic).toMatch(/topicType: 'Microsoft\.KeyVault\.vaults'/);
    expect(subscription).toContain("'Microsoft.KeyVault.SecretNewVersionCreated'");
    expect(subscription).toMatch(/includedEventTypes/);
    expect(subscription).toMatch(/retryPolicy: \{\s+maxDeliveryAttempts: \d+\s+eventTimeToLiveInMinutes: \d+/);
    expect(subscription).toMatch(/deadLetterDestination: \{\s+endpointType: 'StorageBlob'/);
    expect(subscription).toContain('functions/onSecretEvent');
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
    ]);
  });

  it('grants Storage Queue Data Contributor to the app identity on its own storage account only', () => {
    // Act
    const grant = bicep.split('\nresource ').find((block) => block.includes('storageQueueDataContributorRoleId)'));

    // Assess
    expect(bicep).toContain("storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'");
    expect(grant).toMatch(/scope: storage\n/);
    expect(grant).toMatch(/principalId: functionApp\.identity\.principalId/);
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
    expect(deadLettered).toMatch(/scopes: \[systemTopic\.id\]/);
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
  it('points azd at the Bicep and builds the function before packaging', () => {
    // Act
    const azd = parse(readFileSync(path.join(root, 'azure.yaml'), 'utf8'));

    // Assess
    expect(azd.infra).toMatchObject({ provider: 'bicep', path: 'infra/azure', module: 'main' });
    expect(azd.services.reloader).toMatchObject({ host: 'function', language: 'ts' });
    expect(azd.services.reloader.hooks.prepackage.run).toContain('npm run build:azure');
  });

  it('has host.json 2.0 with the v4 extension bundle and main matching the Azure build output', () => {
    // Act
    const host = JSON.parse(readFileSync(path.join(root, 'host.json'), 'utf8'));
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

    // Assess
    expect(host.version).toBe('2.0');
    expect(host.extensionBundle).toEqual({ id: 'Microsoft.Azure.Functions.ExtensionBundle', version: '[4.*, 5.0.0)' });
    expect(pkg.scripts['build:azure']).toContain(`--outfile=${pkg.main}`);
    expect(pkg.dependencies['@azure/functions']).toMatch(/^\^4\./);
  });
});
