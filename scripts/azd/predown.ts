/**
 * azd `predown` hook (azure.yaml): before `azd down` deletes the app's resource group, remove what this deployment put
 * in the vault's group and would otherwise outlive the app: the Event Grid subscription (it would point at a deleted
 * function) and the app's Key Vault Secrets User assignment (it would be left with no principal). The system topic
 * stays: the vault may have had it before, and other subscriptions may use it. DEPLOY_EVENT_SUBSCRIPTION goes back to
 * false, so a later `azd up` of this environment subscribes only after its code is deployed again.
 */
import { type Arm, armClient } from './arm';
import { SUBSCRIPTION_NAME } from './event-subscription-step';
import { AzdHookError, type HookEnv, requireEnv, runHook, sleep } from './hook-env';
import { type AzdRunner, runAzd } from './postdeploy';
import { RESOURCE_ID_VARIABLES, resourceIds } from './resource-ids';

const EVENT_GRID_API = '2024-06-01-preview';
const ROLE_ASSIGNMENTS_API = '2022-04-01';
/** Key Vault Secrets User, as infra/azure/main.bicep assigns it (a test keeps the two equal). */
export const KEY_VAULT_SECRETS_USER_ROLE_ID = '4633458b-17de-408a-b874-0445c86b69e6';

export interface PredownDeps {
  readonly arm?: Arm;
  readonly azd?: AzdRunner;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  /** How long to wait for Event Grid to finish deleting the subscription. */
  readonly deletionTimeoutMs?: number;
}

interface RoleAssignment {
  readonly id: string;
  readonly properties: { readonly roleDefinitionId: string; readonly principalId: string };
}

export async function predown(env: HookEnv, deps: PredownDeps = {}): Promise<{ removed: string[] }> {
  const { arm = armClient(), azd = runAzd, log = (line) => console.log(`predown: ${line}`) } = deps;
  const pause = deps.sleep ?? sleep;
  const now = deps.now ?? Date.now;
  const values = requireEnv(env, ['AZURE_ENV_NAME', 'AZURE_FUNCTION_PRINCIPAL_ID', ...RESOURCE_ID_VARIABLES]);
  const { vaultId, topicId } = resourceIds(env);
  const removed: string[] = [];

  const subscription = `${topicId}/eventSubscriptions/${SUBSCRIPTION_NAME}`;
  if (await arm.delete(subscription, EVENT_GRID_API)) {
    const deadline = now() + (deps.deletionTimeoutMs ?? 5 * 60_000);
    while (await arm.get(subscription, EVENT_GRID_API)) {
      if (now() > deadline) throw new AzdHookError(`${subscription} is still being deleted: run azd down again`);
      await pause(5_000);
    }
    removed.push(subscription);
    log(`removed the Event Grid subscription ${SUBSCRIPTION_NAME} from ${env.AZURE_EVENTGRID_SYSTEM_TOPIC}`);
  }

  const principalId = values.AZURE_FUNCTION_PRINCIPAL_ID;
  const filter = encodeURIComponent(`principalId eq '${principalId}'`);
  const listed = await arm.get<{ value: RoleAssignment[] }>(
    `${vaultId}/providers/Microsoft.Authorization/roleAssignments?$filter=${filter}`,
    ROLE_ASSIGNMENTS_API,
  );
  const grants = (listed?.value ?? []).filter(
    (assignment) =>
      assignment.properties.principalId === principalId &&
      assignment.properties.roleDefinitionId.toLowerCase().endsWith(`/${KEY_VAULT_SECRETS_USER_ROLE_ID}`),
  );
  for (const grant of grants) {
    if (await arm.delete(grant.id, ROLE_ASSIGNMENTS_API)) removed.push(grant.id);
  }
  if (grants.length > 0) log(`removed the app's Key Vault Secrets User assignment on ${values.AZURE_KEY_VAULT_NAME}`);

  azd(['env', 'set', 'DEPLOY_EVENT_SUBSCRIPTION', 'false', '--environment', values.AZURE_ENV_NAME]);
  return { removed };
}

if (require.main === module) runHook('predown', async () => void (await predown(process.env)));
