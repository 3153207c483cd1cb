/**
 * azd `postdeploy` hook (azure.yaml): the Event Grid subscription, once the code is there (event-subscription-step.ts).
 * The first time, it waits for the host to list onSecretEvent, checks the vault's system topic, then sets
 * DEPLOY_EVENT_SUBSCRIPTION=true in the azd environment and runs `azd provision` again, which now deploys
 * modules/event-subscription.bicep. From then on every provision keeps the subscription, and this only checks it.
 */
import { spawnSync } from 'node:child_process';
import { type Arm, armClient } from './arm';
import { checkSystemTopic, subscriptionState, waitForFunction } from './event-subscription-step';
import { AzdHookError, type HookEnv, requireEnv, runHook, sleep } from './hook-env';

export type AzdRunner = (args: readonly string[]) => void;

/** Runs azd with the hook's terminal; a non-zero exit stops the hook. */
export const runAzd: AzdRunner = (args) => {
  const result = spawnSync('azd', args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) throw new AzdHookError(`azd ${args.join(' ')} exited with ${result.status ?? result.error}`);
};

export interface PostdeployDeps {
  readonly arm?: Arm;
  readonly azd?: AzdRunner;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
  readonly functionTimeoutMs?: number;
}

/** What it did: the subscription was already deployed, or it ran the provision that deploys it. */
export async function postdeploy(env: HookEnv, deps: PostdeployDeps = {}): Promise<'checked' | 'provisioned'> {
  const { arm = armClient(), azd = runAzd, log = (line) => console.log(`postdeploy: ${line}`) } = deps;
  const values = requireEnv(env, [
    'AZURE_ENV_NAME',
    'AZURE_SUBSCRIPTION_ID',
    'AZURE_RESOURCE_GROUP',
    'AZURE_FUNCTION_APP_NAME',
    'AZURE_KEY_VAULT_NAME',
    'AZURE_KEY_VAULT_RESOURCE_GROUP',
    'AZURE_EVENTGRID_SYSTEM_TOPIC',
  ]);
  const subscription = `/subscriptions/${values.AZURE_SUBSCRIPTION_ID}`;
  const functionAppId = `${subscription}/resourceGroups/${values.AZURE_RESOURCE_GROUP}/providers/Microsoft.Web/sites/${values.AZURE_FUNCTION_APP_NAME}`;
  const vaultGroup = `${subscription}/resourceGroups/${values.AZURE_KEY_VAULT_RESOURCE_GROUP}`;
  const vaultId = `${vaultGroup}/providers/Microsoft.KeyVault/vaults/${values.AZURE_KEY_VAULT_NAME}`;
  const topicId = `${vaultGroup}/providers/Microsoft.EventGrid/systemTopics/${values.AZURE_EVENTGRID_SYSTEM_TOPIC}`;

  await waitForFunction(arm, functionAppId, {
    timeoutMs: deps.functionTimeoutMs ?? 10 * 60_000,
    sleep: deps.sleep ?? sleep,
    ...(deps.now ? { now: deps.now } : {}),
    log,
  });
  if (env.AZURE_EVENTGRID_SUBSCRIPTION_DEPLOYED === 'true') {
    const state = await subscriptionState(arm, topicId);
    if (state === 'Succeeded') {
      log(`${values.AZURE_EVENTGRID_SYSTEM_TOPIC} delivers to onSecretEvent (subscription Succeeded)`);
      return 'checked';
    }
    log(`the subscription is ${state ?? 'missing'}: provisioning it again`);
  }
  await checkSystemTopic(arm, topicId, vaultId);
  log('onSecretEvent is deployed: provisioning the Event Grid subscription');
  azd(['env', 'set', 'DEPLOY_EVENT_SUBSCRIPTION', 'true', '--environment', values.AZURE_ENV_NAME]);
  azd(['provision', '--no-prompt', '--environment', values.AZURE_ENV_NAME]);
  return 'provisioned';
}

if (require.main === module) runHook('postdeploy', async () => void (await postdeploy(process.env)));
