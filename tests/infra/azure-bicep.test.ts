import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * Bicep cannot be compiled offline here (no Azure CLI, no network), so this checks the template's text for the
 * essentials issue 4 names; `az bicep build` or `azd up` compiles it for real.
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
