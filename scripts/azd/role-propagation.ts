import type { Arm } from './arm';
import { AzdHookError } from './hook-env';

/**
 * Role assignments take effect some time after ARM reports them made: seconds to minutes, "up to 30 minutes" at worst
 * (Azure RBAC troubleshooting, quoted in Azure/azure-dev#8026, where a first `azd up` on Flex Consumption gets 403
 * uploading the package). The upload uses the app's Storage Blob Data Owner assignment, so the predeploy hook waits
 * until that assignment is `propagationSeconds` old; every later deploy finds it older and goes on at once.
 */
export const DEFAULT_PROPAGATION_SECONDS = 180;
/** Storage Blob Data Owner, as infra/azure/main.bicep assigns it to the app (a test keeps the two equal). */
export const STORAGE_BLOB_DATA_OWNER_ROLE_ID = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b';
const ROLE_ASSIGNMENTS_API = '2022-04-01';

interface RoleAssignment {
  readonly properties: { readonly roleDefinitionId: string; readonly principalId: string; readonly createdOn?: string };
}

export interface PropagationWait {
  readonly arm: Arm;
  /** Resource id the roles are assigned on. */
  readonly scope: string;
  readonly principalId: string;
  readonly roleDefinitionIds: readonly string[];
  readonly propagationSeconds: number;
  readonly now?: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

/** Waits out what is left of the propagation time of the newest required assignment; returns the milliseconds waited. */
export async function waitForRolePropagation(wait: PropagationWait): Promise<number> {
  const { arm, scope, principalId, roleDefinitionIds, propagationSeconds, sleep, log = () => {} } = wait;
  const now = wait.now ?? Date.now;
  const filter = encodeURIComponent(`principalId eq '${principalId}'`);
  const listed = await arm.get<{ value: RoleAssignment[] }>(
    `${scope}/providers/Microsoft.Authorization/roleAssignments?$filter=${filter}`,
    ROLE_ASSIGNMENTS_API,
  );
  const assignments = (listed?.value ?? []).filter((assignment) => assignment.properties.principalId === principalId);
  const createdTimes = roleDefinitionIds.map((roleId) => {
    const assignment = assignments.find((candidate) =>
      candidate.properties.roleDefinitionId.toLowerCase().endsWith(`/${roleId.toLowerCase()}`),
    );
    if (!assignment) {
      throw new AzdHookError(
        `the app's identity ${principalId} has no role ${roleId} on ${scope}: run \`azd provision\` first`,
      );
    }
    return Date.parse(assignment.properties.createdOn ?? '') || 0;
  });
  const remaining = Math.max(...createdTimes) + propagationSeconds * 1000 - now();
  if (remaining <= 0) return 0;
  log(`waiting ${Math.ceil(remaining / 1000)} s for the app's new storage role to take effect before the upload`);
  await sleep(remaining);
  return remaining;
}
