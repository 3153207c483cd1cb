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
import { RESOURCE_ID_VARIABLES, resourceIds } from './resource-ids';

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
  const { AZURE_ENV_NAME: environment } = requireEnv(env, ['AZURE_ENV_NAME', ...RESOURCE_ID_VARIABLES]);
  const { functionAppId, vaultId, topicId } = resourceIds(env);

  await waitForFunction(arm, functionAppId, {
    timeoutMs: deps.functionTimeoutMs ?? 10 * 60_000,
    sleep: deps.sleep ?? sleep,
    ...(deps.now ? { now: deps.now } : {}),
    log,
  });
  if (env.AZURE_EVENTGRID_SUBSCRIPTION_DEPLOYED === 'true') {
    const state = await subscriptionState(arm, topicId);
    if (state === 'Succeeded') {
      log(`${env.AZURE_EVENTGRID_SYSTEM_TOPIC} delivers to onSecretEvent (subscription Succeeded)`);
      return 'checked';
    }
    log(`the subscription is ${state ?? 'missing'}: provisioning it again`);
  }
  await checkSystemTopic(arm, topicId, vaultId);
  log('onSecretEvent is deployed: provisioning the Event Grid subscription');
  azd(['env', 'set', 'DEPLOY_EVENT_SUBSCRIPTION', 'true', '--environment', environment]);
  azd(['provision', '--no-prompt', '--environment', environment]);
  return 'provisioned';
}

if (require.main === module) runHook('postdeploy', async () => void (await postdeploy(process.env)));
