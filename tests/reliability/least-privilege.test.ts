import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { recordFigure } from './figures';

/**
 * Scenario 7: least privilege in what is deployed. The packaged CloudFormation template (osls `serverless package`,
 * offline) grants Secrets Manager reads on named secrets and prefixes only, never `secretsmanager:*` or a `*`
 * resource, and no action the IAM list of docs/deploy-aws.md does not name; `infra/azure/main.bicep` (with its modules)
 * assigns only the roles docs/deploy-azure.md names, Key Vault access on the vault alone.
 */
const ROOT = path.resolve(__dirname, '../..');
const SCENARIO = 'least privilege';
const DEPLOY_AWS = readFileSync(path.join(ROOT, 'docs/deploy-aws.md'), 'utf8');
const DEPLOY_AZURE = readFileSync(path.join(ROOT, 'docs/deploy-azure.md'), 'utf8');
const PACKAGE_ARGS = ['serverless', 'package', '--stage', 'ci', '--param', 'secrets=prod/,stage/orders-db'];

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
}
type Resource = { Type: string; Properties: Record<string, unknown> };

/**
 * The template `tests/aws/serverless-package.integration.test.ts` packaged in this run (same stage and params), when
 * it is newer than every input; otherwise packaged here into a directory of its own, so the two never collide.
 */
function packagedTemplate(): Record<string, Resource> {
  const shared = path.join(ROOT, '.serverless/cloudformation-template-update-stack.json');
  const inputs = ['serverless.yml', 'package.json'].map((file) => statSync(path.join(ROOT, file)).mtimeMs);
  const fresh =
    existsSync(shared) &&
    statSync(shared).mtimeMs > Math.max(...inputs) &&
    Date.now() - statSync(shared).mtimeMs < 15 * 60_000 &&
    readFileSync(shared, 'utf8').includes('connector-reloader-ci');
  let file = shared;
  if (!fresh) {
    const env = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
    const own = path.join(ROOT, '.reliability/serverless-package');
    execFileSync('npx', [...PACKAGE_ARGS, '--package', own], { cwd: ROOT, env, stdio: 'pipe', timeout: 150_000 });
    file = path.join(own, 'cloudformation-template-update-stack.json');
  }
  return (JSON.parse(readFileSync(file, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** Statements of the roles' inline policies and of the policies attached to them (the KMS grant is one). */
function statementsOf(resources: Record<string, Resource>): Statement[] {
  const inline = Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Role')
    .flatMap(
      (role) => (role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[] | undefined) ?? [],
    );
  const attached = Object.values(resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .map((policy) => policy.Properties as { PolicyDocument: { Statement: Statement[] } });
  return [...inline, ...attached].flatMap((policy) => policy.PolicyDocument.Statement);
}

/** `service:Action` names in docs/deploy-aws.md's bullet on the IAM role; `dynamodb:GetItem/PutItem` names both. */
function documentedIamActions(): Set<string> {
  const start = DEPLOY_AWS.indexOf('- The IAM role (least privilege):');
  expect(start).toBeGreaterThan(0);
  const bullet = DEPLOY_AWS.slice(start, DEPLOY_AWS.indexOf('\n- ', start + 3));
  const actions = new Set<string>();
  for (const [, service, names] of bullet.matchAll(/`([a-z0-9]+):([A-Za-z/]+)`/g)) {
    for (const name of (names ?? '').split('/')) actions.add(`${service}:${name}`);
  }
  return actions;
}

describe(`${SCENARIO}: the packaged CloudFormation template`, () => {
  let statements: Statement[];

  beforeAll(() => {
    statements = statementsOf(packagedTemplate());
  }, 180_000);

  it('grants Secrets Manager reads only, on named secrets and prefixes: no secretsmanager:*, no * resource', () => {
    // Act
    const secretStatements = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:')));
    const resources = secretStatements.flatMap((s) => asList(s.Resource)).map((r) => JSON.stringify(r));

    // Assess
    expect(secretStatements.length).toBeGreaterThan(0);
    // Reads only: DescribeSecret and GetSecretValue, or GetSecretValue alone (the webhook token and alert URL).
    const reads = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
    for (const statement of secretStatements) {
      expect(asList(statement.Action).filter((action) => !reads.includes(action))).toEqual([]);
    }
    for (const resource of resources) {
      expect(resource).toMatch(/:secret:[A-Za-z0-9/_+=.@-]+/);
      expect(resource).not.toMatch(/"\*"|:secret:\*/);
    }
    // Nothing anywhere grants every action, or anything on every resource.
    for (const statement of statements) {
      expect(asList(statement.Action)).not.toContain('*');
      expect(asList(statement.Action).filter((action) => action.endsWith(':*'))).toEqual([]);
      expect(asList(statement.Resource)).not.toContain('*');
    }
    recordFigure(SCENARIO, 'AWS: secret resources granted (none is *)', resources.length);
  });

  it('grants no action docs/deploy-aws.md does not list (logs only on its own log group)', () => {
    // Prepare
    const documented = documentedIamActions();

    // Act
    const granted = new Set(statements.flatMap((s) => asList(s.Action)));
    const undocumented = [...granted].filter((action) => !documented.has(action) && !action.startsWith('logs:'));

    // Assess
    expect(undocumented).toEqual([]);
    const logs = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('logs:')));
    for (const statement of logs)
      expect(JSON.stringify(statement.Resource)).toContain('log-group:/aws/lambda/connector-reloader-');
    recordFigure(
      SCENARIO,
      'AWS: IAM actions granted / listed in docs/deploy-aws.md',
      `${granted.size} / ${documented.size} (+ logs)`,
    );
  });
});

describe(`${SCENARIO}: infra/azure/main.bicep and its modules`, () => {
  const read = (file: string) => readFileSync(path.join(ROOT, 'infra/azure', file), 'utf8');
  const bicep = read('main.bicep');
  const vaultEvents = read('modules/vault-events.bicep');
  const storageRoles = read('modules/storage-roles.bicep');
  const everything = [bicep, vaultEvents, storageRoles, read('modules/event-subscription.bicep')].join('\n');
  /** Built-in role ids (Azure docs, "Azure built-in roles") to the names docs/deploy-azure.md uses. */
  const ROLE_NAMES: Readonly<Record<string, string>> = {
    '4633458b-17de-408a-b874-0445c86b69e6': 'Key Vault Secrets User',
    'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
    '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Table Data Contributor',
    '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
    'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
  };
  const roleIdOf = (variable: string) => new RegExp(`var ${variable} = '([0-9a-f-]{36})'`).exec(bicep)?.[1] ?? '';
  /**
   * Every role main.bicep has assigned: the ids it passes to modules/storage-roles.bicep (`roleDefinitionIds: [...]`)
   * and to modules/vault-events.bicep (`keyVaultSecretsUserRoleId:`), the only files holding role assignments.
   */
  const assignedRoles = () =>
    [
      ...[...bicep.matchAll(/roleDefinitionIds: \[([^\]]*)\]/g)].flatMap((match) => (match[1] ?? '').split(',')),
      ...[...bicep.matchAll(/keyVaultSecretsUserRoleId: (\w+)/g)].map((match) => match[1] ?? ''),
    ].map((variable) => roleIdOf(variable.trim()));

  it('assigns only roles docs/deploy-azure.md names (flattened to one line), and no Owner, Contributor or Key Vault admin role', () => {
    // Act
    const roles = assignedRoles();
    const page = DEPLOY_AZURE.replace(/\s+/g, ' ');
    const files = [bicep, vaultEvents, storageRoles].filter((text) =>
      text.includes("'Microsoft.Authorization/roleAssignments@"),
    );

    // Assess
    expect(roles.length).toBeGreaterThan(0);
    expect(files).toEqual([vaultEvents, storageRoles]);
    for (const role of roles) {
      const name = ROLE_NAMES[role];
      expect({ role, known: name !== undefined }).toEqual({ role, known: true });
      expect({ role: name, onPage: page.includes(name ?? '') }).toEqual({ role: name, onPage: true });
    }
    expect(everything).not.toMatch(/Key Vault (Administrator|Secrets Officer)|8e3af657-a8ff-443c-a75c-2fe8c4bcb635/);
    expect(everything).not.toMatch(/b24988ac-6180-42a0-ab88-20f7382dd24c|b86a8fe4-44ce-4948-aee5-eccb2c155cd7/);
    recordFigure(
      SCENARIO,
      'Azure: role assignments (all named in docs/deploy-azure.md)',
      roles.map((r) => ROLE_NAMES[r]).join(', '),
    );
  });

  it('scopes secret access to the vault alone, with no access policies granting secrets to all', () => {
    // Act
    const secretsUser = vaultEvents
      .split('\nresource ')
      .filter((block) => block.includes("'Microsoft.Authorization/roleAssignments@"));

    // Assess
    expect(assignedRoles().filter((role) => role === '4633458b-17de-408a-b874-0445c86b69e6')).toHaveLength(1);
    expect(secretsUser).toHaveLength(1);
    expect(secretsUser[0]).toMatch(/\n\s+scope: vault\n/);
    expect(secretsUser[0]).toContain('keyVaultSecretsUserRoleId');
    expect(storageRoles).toMatch(/\n\s+scope: storage\n/);
    expect(everything).not.toMatch(/accessPolicies/);
    expect(everything).not.toMatch(/secrets:\s*\[\s*'all'\s*\]/);
  });
});
