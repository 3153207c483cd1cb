import { SecretsManagerApiError } from './api-error';
import type { SecretStore } from './secret-store';

/**
 * An identity-based IAM policy for the callers of the emulator, as a role's `Allow` statement: the actions and the
 * secret ARNs (IAM wildcards `*` and `?`) it may use. Anything else is denied with AWS's AccessDeniedException,
 * before the secret is even looked up (IAM is evaluated first, so a missing secret is denied too).
 */
export interface IdentityPolicy {
  /** Only requests signed with this access key are restricted; every request when omitted. */
  readonly accessKeyId?: string;
  /** The caller as AWS names it in the message, e.g. an assumed-role ARN. */
  readonly principalArn: string;
  /** `secretsmanager:DescribeSecret`, …; every operation is subject to the policy. */
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** IAM's resource wildcards: `*` any run of characters, `?` exactly one. */
function iamPattern(pattern: string): RegExp {
  const escaped = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}

/** The ARN IAM evaluates: the secret's own when it exists, else what the SecretId names. */
function resourceArn(store: SecretStore, region: string, secretId: string, accountId: string): string {
  try {
    return store.resolve(region, secretId).arn;
  } catch {
    return secretId.startsWith('arn:') ? secretId : `arn:aws:secretsmanager:${region}:${accountId}:secret:${secretId}`;
  }
}

/**
 * Throws AccessDeniedException as AWS answers it (400, JSON 1.1 `__type`), the message naming the principal, the
 * action and the resource as the caller passed it: "User: arn:aws:sts::…:assumed-role/… is not authorized to perform:
 * secretsmanager:DescribeSecret on resource: prod/other because no identity-based policy allows the
 * secretsmanager:DescribeSecret action".
 */
export function authorize(
  policy: IdentityPolicy | undefined,
  request: {
    readonly accessKeyId?: string;
    readonly operation: string;
    readonly region: string;
    readonly input: Record<string, unknown>;
  },
  store: SecretStore,
  accountId: string,
): void {
  if (!policy || (policy.accessKeyId !== undefined && policy.accessKeyId !== request.accessKeyId)) return;
  const action = `secretsmanager:${request.operation}`;
  const secretId = typeof request.input.SecretId === 'string' ? request.input.SecretId : undefined;
  const allowedAction = policy.actions.includes(action) || policy.actions.includes('secretsmanager:*');
  const allowedResource =
    secretId === undefined ||
    policy.resources.some((pattern) =>
      iamPattern(pattern).test(resourceArn(store, request.region, secretId, accountId)),
    );
  if (allowedAction && allowedResource) return;
  const on = secretId === undefined ? '' : ` on resource: ${secretId}`;
  throw new SecretsManagerApiError(
    'AccessDeniedException',
    `User: ${policy.principalArn} is not authorized to perform: ${action}${on} because no identity-based policy allows the ${action} action`,
  );
}
