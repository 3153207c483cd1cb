import type { Arm } from './arm';
import { AzdHookError } from './hook-env';

/**
 * The second step of a first deploy: Event Grid checks that an AzureFunction endpoint exists when a subscription is
 * created ("Destination endpoint not found", Azure/bicep#11656), so the subscription is provisioned only once the
 * code is deployed and the host lists onSecretEvent (Flex Consumption syncs the triggers shortly after the upload).
 */
export const EVENT_FUNCTION = 'onSecretEvent';
export const SUBSCRIPTION_NAME = 'secret-rotations';
const SITES_API = '2024-04-01';
const EVENT_GRID_API = '2024-06-01-preview';

export interface Clock {
  readonly now?: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly log?: (line: string) => void;
}

/** Polls ARM until the app lists the function, with growing pauses (5 s up to 30 s); gives up after `timeoutMs`. */
export async function waitForFunction(
  arm: Arm,
  functionAppId: string,
  { timeoutMs, ...clock }: Clock & { timeoutMs: number },
): Promise<void> {
  const now = clock.now ?? Date.now;
  const deadline = now() + timeoutMs;
  for (let pause = 5_000; ; pause = Math.min(pause * 2, 30_000)) {
    if (await arm.get(`${functionAppId}/functions/${EVENT_FUNCTION}`, SITES_API)) return;
    if (now() + pause > deadline) {
      throw new AzdHookError(
        `${EVENT_FUNCTION} is not listed on ${functionAppId} after ${Math.round(timeoutMs / 1000)} s: check the ` +
          'deployment log (`azd deploy` again once it is there; the subscription step reruns)',
      );
    }
    clock.log?.(`waiting for the host to list ${EVENT_FUNCTION}…`);
    await clock.sleep(pause);
  }
}

interface SystemTopic {
  readonly identity?: { readonly type?: string; readonly principalId?: string };
  readonly properties?: { readonly source?: string };
}

/** The topic must exist, be the vault's, and have a system-assigned identity: it writes the dead letters. */
export async function checkSystemTopic(arm: Arm, topicId: string, vaultId: string): Promise<void> {
  const topic = await arm.get<SystemTopic>(topicId, EVENT_GRID_API);
  if (!topic) throw new AzdHookError(`system topic ${topicId} is not there: run \`azd provision\``);
  if (topic.properties?.source?.toLowerCase() !== vaultId.toLowerCase()) {
    throw new AzdHookError(`system topic ${topicId} is on ${topic.properties?.source}, not on the vault ${vaultId}`);
  }
  if (!topic.identity?.principalId) {
    throw new AzdHookError(
      `system topic ${topicId} has no system-assigned identity, which writes the dead letters: enable one ` +
        '(`az eventgrid system-topic update --identity systemassigned …`), then `azd provision` and `azd deploy` again',
    );
  }
}

interface EventSubscription {
  readonly properties?: { readonly provisioningState?: string };
}

export async function subscriptionState(arm: Arm, topicId: string): Promise<string | undefined> {
  const subscription = await arm.get<EventSubscription>(
    `${topicId}/eventSubscriptions/${SUBSCRIPTION_NAME}`,
    EVENT_GRID_API,
  );
  return subscription ? (subscription.properties?.provisioningState ?? 'Unknown') : undefined;
}
