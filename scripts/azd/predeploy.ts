/**
 * azd `predeploy` hook (azure.yaml): before the first upload, wait until the app's storage role has had time to take
 * effect (role-propagation.ts). `AZURE_ROLE_PROPAGATION_SECONDS` changes the wait (default 180; 0 skips it).
 */
import { armClient } from './arm';
import { AzdHookError, type HookEnv, requireEnv, runHook, sleep } from './hook-env';
import { RESOURCE_ID_VARIABLES, resourceIds } from './resource-ids';
import {
  DEFAULT_PROPAGATION_SECONDS,
  STORAGE_BLOB_DATA_OWNER_ROLE_ID,
  waitForRolePropagation,
} from './role-propagation';

export async function predeploy(env: HookEnv, arm = armClient()): Promise<void> {
  const { AZURE_FUNCTION_PRINCIPAL_ID: principalId } = requireEnv(env, [
    ...RESOURCE_ID_VARIABLES,
    'AZURE_FUNCTION_PRINCIPAL_ID',
  ]);
  const { storageId } = resourceIds(env);
  const seconds = Number(env.AZURE_ROLE_PROPAGATION_SECONDS ?? DEFAULT_PROPAGATION_SECONDS);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new AzdHookError(`AZURE_ROLE_PROPAGATION_SECONDS=${env.AZURE_ROLE_PROPAGATION_SECONDS}: a number of seconds`);
  }
  await waitForRolePropagation({
    arm,
    scope: storageId,
    principalId,
    roleDefinitionIds: [STORAGE_BLOB_DATA_OWNER_ROLE_ID],
    propagationSeconds: seconds,
    sleep,
    log: (line) => console.log(`predeploy: ${line}`),
  });
}

if (require.main === module) runHook('predeploy', () => predeploy(process.env));
