import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { readBody, startLoopbackHttp } from '#local/loopback';
import { type Arm, ArmError, armClient } from '#scripts/azd/arm';
import { AzdHookError } from '#scripts/azd/hook-env';
import { type PostdeployDeps, postdeploy } from '#scripts/azd/postdeploy';
import { predeploy } from '#scripts/azd/predeploy';
import { KEY_VAULT_SECRETS_USER_ROLE_ID, predown } from '#scripts/azd/predown';
import { STORAGE_BLOB_DATA_OWNER_ROLE_ID, waitForRolePropagation } from '#scripts/azd/role-propagation';

/**
 * The azd hooks' decisions (scripts/azd/), unit-tested against an in-memory ARM: what a first deploy waits for, when
 * the Event Grid subscription step provisions, and what stops it with a message. The ARM client itself is tested
 * against a loopback HTTP server.
 */
const SUB = '/subscriptions/00000000-0000-0000-0000-000000000001';
const APP = `${SUB}/resourceGroups/rg-app/providers/Microsoft.Web/sites/connector-reloader-abc`;
const VAULT = `${SUB}/resourceGroups/rg-vault/providers/Microsoft.KeyVault/vaults/kv-prod`;
const TOPIC = `${SUB}/resourceGroups/rg-vault/providers/Microsoft.EventGrid/systemTopics/kv-prod-events`;
const STORAGE = `${SUB}/resourceGroups/rg-app/providers/Microsoft.Storage/storageAccounts/stconnector1234567890abc`;
const PRINCIPAL = '11111111-2222-3333-4444-555555555555';
const NOW = Date.parse('2026-12-01T12:00:00Z');

/** An ARM over a table of resources by path (query stripped): GET answers from it, DELETE removes; else 404. */
function fakeArm(resources: Record<string, unknown | (() => unknown)>): Arm & { calls: string[] } {
  const calls: string[] = [];
  const table = { ...resources };
  return {
    calls,
    async get<T>(resourcePath: string): Promise<T | undefined> {
      calls.push(`GET ${resourcePath}`);
      const found = table[resourcePath.split('?')[0] ?? ''];
      return (typeof found === 'function' ? found() : found) as T | undefined;
    },
    async delete(resourcePath: string): Promise<boolean> {
      calls.push(`DELETE ${resourcePath}`);
      const existed = resourcePath in table;
      delete table[resourcePath];
      return existed;
    },
  };
}

const roleAssignments = (createdOn: string) => ({
  [`${STORAGE}/providers/Microsoft.Authorization/roleAssignments`]: {
    value: [
      {
        properties: {
          principalId: PRINCIPAL,
          roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${STORAGE_BLOB_DATA_OWNER_ROLE_ID}`,
          createdOn,
        },
      },
    ],
  },
});

const ENV = {
  AZURE_ENV_NAME: 'prod',
  AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
  AZURE_RESOURCE_GROUP: 'rg-app',
  AZURE_FUNCTION_APP_NAME: 'connector-reloader-abc',
  AZURE_FUNCTION_PRINCIPAL_ID: PRINCIPAL,
  AZURE_STORAGE_ACCOUNT: 'stconnector1234567890abc',
  AZURE_KEY_VAULT_NAME: 'kv-prod',
  AZURE_KEY_VAULT_RESOURCE_GROUP: 'rg-vault',
  AZURE_EVENTGRID_SYSTEM_TOPIC: 'kv-prod-events',
};

function clock(start = NOW) {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

describe('predeploy: waiting out role propagation before the first upload', () => {
  it("waits what is left of the propagation time of the app's new storage role", async () => {
    // Prepare
    const arm = fakeArm(roleAssignments('2026-12-01T11:59:30Z'));
    const time = clock();

    // Act
    const waited = await waitForRolePropagation({
      arm,
      scope: STORAGE,
      principalId: PRINCIPAL,
      roleDefinitionIds: [STORAGE_BLOB_DATA_OWNER_ROLE_ID],
      propagationSeconds: 180,
      ...time,
    });

    // Assess
    expect(waited).toBe(150_000);
    expect(time.sleeps).toEqual([150_000]);
    expect(arm.calls[0]).toBe(
      `GET ${STORAGE}/providers/Microsoft.Authorization/roleAssignments?$filter=${encodeURIComponent(`principalId eq '${PRINCIPAL}'`)}`,
    );
  });

  it('goes on at once when the assignment is older than that (every deploy after the first)', async () => {
    // Prepare
    const time = clock();

    // Act
    const waited = await waitForRolePropagation({
      arm: fakeArm(roleAssignments('2026-11-30T08:00:00Z')),
      scope: STORAGE,
      principalId: PRINCIPAL,
      roleDefinitionIds: [STORAGE_BLOB_DATA_OWNER_ROLE_ID],
      propagationSeconds: 180,
      ...time,
    });

    // Assess
    expect(waited).toBe(0);
    expect(time.sleeps).toEqual([]);
  });

  it('stops with a message when the role is not assigned at all, and when azd has not set the outputs', async () => {
    // Act
    const missingRole = predeploy(ENV, fakeArm({})).catch((error: unknown) => error);
    const missingEnv = predeploy({ AZURE_SUBSCRIPTION_ID: 'x' }, fakeArm({})).catch((error: unknown) => error);

    // Assess
    await expect(missingRole).resolves.toBeInstanceOf(AzdHookError);
    await expect(missingRole).resolves.toMatchObject({
      message: expect.stringContaining(`has no role ${STORAGE_BLOB_DATA_OWNER_ROLE_ID} on ${STORAGE}`),
    });
    await expect(missingEnv).resolves.toMatchObject({
      message: expect.stringMatching(
        /^AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME, AZURE_STORAGE_ACCOUNT, .*, AZURE_FUNCTION_PRINCIPAL_ID not set/,
      ),
    });
  });

  it('uses the Storage Blob Data Owner id infra/azure/main.bicep assigns', () => {
    // Act
    const bicep = readFileSync(path.join(__dirname, '../../infra/azure/main.bicep'), 'utf8');

    // Assess
    expect(bicep).toContain(`storageBlobDataOwnerRoleId = '${STORAGE_BLOB_DATA_OWNER_ROLE_ID}'`);
  });
});

describe('postdeploy: the Event Grid subscription once the code is deployed', () => {
  const topic = (identity?: { principalId: string }) => ({
    properties: { source: VAULT },
    ...(identity ? { identity: { type: 'SystemAssigned', ...identity } } : {}),
  });
  function run(
    env: Record<string, string>,
    resources: Record<string, unknown | (() => unknown)>,
    deps: PostdeployDeps = {},
  ) {
    const azd: string[][] = [];
    const arm = fakeArm(resources);
    const time = clock();
    const result = postdeploy(env, {
      arm,
      azd: (args) => void azd.push([...args]),
      sleep: time.sleep,
      now: time.now,
      log: () => {},
      ...deps,
    });
    return { result, azd, arm, time };
  }

  it('the first time: waits until the host lists onSecretEvent, then provisions with DEPLOY_EVENT_SUBSCRIPTION=true', async () => {
    // Prepare: the function appears on the third look.
    let looks = 0;
    const listed = () => (++looks >= 3 ? { name: 'onSecretEvent' } : undefined);

    // Act
    const { result, azd, time } = run(ENV, {
      [`${APP}/functions/onSecretEvent`]: listed,
      [TOPIC]: topic({ principalId: 'topic-principal' }),
    });

    // Assess
    await expect(result).resolves.toBe('provisioned');
    expect(time.sleeps).toEqual([5_000, 10_000]);
    expect(azd).toEqual([
      ['env', 'set', 'DEPLOY_EVENT_SUBSCRIPTION', 'true', '--environment', 'prod'],
      ['provision', '--no-prompt', '--environment', 'prod'],
    ]);
  });

  it('afterwards: checks the subscription the provision kept, and runs nothing', async () => {
    // Act
    const { result, azd } = run(
      { ...ENV, AZURE_EVENTGRID_SUBSCRIPTION_DEPLOYED: 'true' },
      {
        [`${APP}/functions/onSecretEvent`]: { name: 'onSecretEvent' },
        [`${TOPIC}/eventSubscriptions/secret-rotations`]: { properties: { provisioningState: 'Succeeded' } },
      },
    );

    // Assess
    await expect(result).resolves.toBe('checked');
    expect(azd).toEqual([]);
  });

  it('stops before provisioning when a reused system topic has no identity to write dead letters with', async () => {
    // Act
    const { result, azd } = run(ENV, {
      [`${APP}/functions/onSecretEvent`]: { name: 'onSecretEvent' },
      [TOPIC]: topic(),
    });

    // Assess
    await expect(result).rejects.toThrow(
      /has no system-assigned identity.*az eventgrid system-topic update --identity systemassigned/,
    );
    expect(azd).toEqual([]);
  });

  it('gives up with a message when the host never lists the function', async () => {
    // Act
    const { result, azd } = run(ENV, { [TOPIC]: topic({ principalId: 'p' }) }, { functionTimeoutMs: 60_000 });

    // Assess
    await expect(result).rejects.toThrow(/onSecretEvent is not listed on .*connector-reloader-abc after 60 s/);
    expect(azd).toEqual([]);
  });
});

describe('predown: what azd down would leave behind in the vault group', () => {
  const subscriptionPath = `${TOPIC}/eventSubscriptions/secret-rotations`;
  const grantId = `${VAULT}/providers/Microsoft.Authorization/roleAssignments/3e0c1d2a-0000-4000-8000-000000000001`;
  const vaultAssignments = {
    value: [
      {
        id: grantId,
        properties: {
          principalId: PRINCIPAL,
          roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER_ROLE_ID}`,
        },
      },
      {
        id: `${VAULT}/providers/Microsoft.Authorization/roleAssignments/someone-else`,
        properties: {
          principalId: 'another-principal',
          roleDefinitionId: `${SUB}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER_ROLE_ID}`,
        },
      },
    ],
  };

  it("removes the subscription and the app's vault role, keeps the topic, and turns DEPLOY_EVENT_SUBSCRIPTION off", async () => {
    // Prepare
    const arm = fakeArm({
      [subscriptionPath]: { properties: { provisioningState: 'Succeeded' } },
      [`${VAULT}/providers/Microsoft.Authorization/roleAssignments`]: vaultAssignments,
      [grantId]: vaultAssignments.value[0],
      [TOPIC]: { properties: { source: VAULT } },
    });
    const azd: string[][] = [];

    // Act
    const { removed } = await predown(ENV, { arm, azd: (args) => void azd.push([...args]), ...clock(), log: () => {} });

    // Assess
    expect(removed).toEqual([subscriptionPath, grantId]);
    expect(arm.calls.filter((call) => call.startsWith('DELETE'))).toEqual([
      `DELETE ${subscriptionPath}`,
      `DELETE ${grantId}`,
    ]);
    expect(await arm.get(TOPIC, '')).toBeDefined();
    expect(azd).toEqual([['env', 'set', 'DEPLOY_EVENT_SUBSCRIPTION', 'false', '--environment', 'prod']]);
  });

  it('has nothing to remove after a first provision that stopped before the subscription', async () => {
    // Act
    const { removed } = await predown(ENV, { arm: fakeArm({}), azd: () => {}, ...clock(), log: () => {} });

    // Assess
    expect(removed).toEqual([]);
  });

  it('uses the Key Vault Secrets User id infra/azure/main.bicep assigns', () => {
    // Act
    const bicep = readFileSync(path.join(__dirname, '../../infra/azure/main.bicep'), 'utf8');

    // Assess
    expect(bicep).toContain(`keyVaultSecretsUserRoleId = '${KEY_VAULT_SECRETS_USER_ROLE_ID}'`);
  });
});

describe('the ARM client the hooks use', () => {
  const credential: TokenCredential = {
    getToken: async (): Promise<AccessToken> => ({ token: 'token-canary-9d2f', expiresOnTimestamp: NOW + 3_600_000 }),
  };

  it('calls with the bearer token and api-version, maps 404 to undefined/false, names a failure without the token', async () => {
    // Prepare
    const seen: { url: string; auth: string }[] = [];
    const server = await startLoopbackHttp(0, async (req, res) => {
      await readBody(req);
      seen.push({ url: `${req.method} ${req.url ?? ''}`, auth: req.headers.authorization ?? '' });
      const status = req.url?.includes('/missing')
        ? 404
        : req.url?.includes('/broken')
          ? 403
          : req.method === 'DELETE'
            ? 202
            : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        status === 403
          ? JSON.stringify({ error: { code: 'AuthorizationFailed', message: 'no access to the vault group' } })
          : JSON.stringify({ value: [] }),
      );
    });
    const arm = armClient({ credential, endpoint: server.url });
    try {
      // Act
      const found = await arm.get(
        `${STORAGE}/providers/Microsoft.Authorization/roleAssignments?$filter=x`,
        '2022-04-01',
      );
      const missing = await arm.get(`${APP}/functions/missing`, '2024-04-01');
      const failure = await arm.get(`${TOPIC}/broken`, '2024-06-01-preview').catch((error: unknown) => error);
      const deleted = await arm.delete(`${TOPIC}/eventSubscriptions/secret-rotations`, '2024-06-01-preview');
      const deletedMissing = await arm.delete(`${TOPIC}/missing`, '2024-06-01-preview');

      // Assess
      expect(found).toEqual({ value: [] });
      expect(missing).toBeUndefined();
      expect(failure).toBeInstanceOf(ArmError);
      expect(failure).toMatchObject({ status: 403, code: 'AuthorizationFailed' });
      expect(String((failure as Error).message)).toContain('403 AuthorizationFailed: no access to the vault group');
      expect(String((failure as Error).message)).not.toContain('token-canary');
      expect([deleted, deletedMissing]).toEqual([true, false]);
      expect(seen[3]?.url).toBe(`DELETE ${TOPIC}/eventSubscriptions/secret-rotations?api-version=2024-06-01-preview`);
      expect(seen[0]?.url).toBe(
        `GET ${STORAGE}/providers/Microsoft.Authorization/roleAssignments?%24filter=x&api-version=2022-04-01`,
      );
      expect(seen.every((request) => request.auth === 'Bearer token-canary-9d2f')).toBe(true);
    } finally {
      await server.close();
    }
  });
});
