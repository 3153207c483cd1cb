import { SecretManagerApiError } from './secret-store';

/**
 * Secret Manager's predefined roles and their `secretmanager.*` permissions, vendored from Google's role reference
 * (https://cloud.google.com/secret-manager/docs/access-control and
 * https://cloud.google.com/iam/docs/roles-permissions/secretmanager). Each role also holds
 * `resourcemanager.projects.get` and `.list`, which no Secret Manager method checks, so they are left out.
 * secretAccessor reads payloads and nothing else; viewer reads metadata (the secret, its versions, its policy) and
 * never a payload: neither holds the other's permissions.
 */
export const SECRET_MANAGER_ROLES: Readonly<Record<string, readonly string[]>> = {
  'roles/secretmanager.admin': ['secretmanager.*'],
  'roles/secretmanager.secretAccessor': ['secretmanager.versions.access'],
  'roles/secretmanager.secretVersionAdder': ['secretmanager.versions.add'],
  'roles/secretmanager.secretVersionManager': [
    'secretmanager.versions.add',
    'secretmanager.versions.destroy',
    'secretmanager.versions.disable',
    'secretmanager.versions.enable',
    'secretmanager.versions.get',
    'secretmanager.versions.list',
  ],
  'roles/secretmanager.viewer': [
    'secretmanager.locations.get',
    'secretmanager.locations.list',
    'secretmanager.secrets.get',
    'secretmanager.secrets.getIamPolicy',
    'secretmanager.secrets.list',
    'secretmanager.versions.get',
    'secretmanager.versions.list',
  ],
};

/** One role granted to one principal on a project (every secret in it) or on one secret, as IAM policies hold it. */
export interface IamBinding {
  /** `projects/<id or number>` or `projects/<id or number>/secrets/<secret id>`. */
  readonly resource: string;
  readonly role: string;
  /** `serviceAccount:<email>`, `user:<email>`, `group:<email>`. */
  readonly member: string;
}

export interface SecretManagerIamOptions {
  /** The OAuth access tokens the emulator accepts, each mapped to the principal it was issued to. */
  readonly tokens: Readonly<Record<string, string>>;
  /**
   * The principal of a request that carries no token: locally, the developer whose own credentials a tool would
   * use. Unset: such a request is refused with 401 UNAUTHENTICATED, as Google refuses it.
   */
  readonly callerWithoutToken?: string;
  readonly bindings: readonly IamBinding[];
}

const UNAUTHENTICATED_HINT =
  'Expected OAuth 2 access token, login cookie or other valid authentication credential. ' +
  'See https://developers.google.com/identity/sign-in/web/devconsole-project.';
const BINDING_RESOURCE = /^projects\/([^/]+)(?:\/secrets\/([^/]+))?$/;

/**
 * IAM as Secret Manager applies it to each call: the caller is the principal its bearer token was issued to, and the
 * call needs one permission on the resource it names, held through a role bound on that secret or on its project.
 * A missing permission is PERMISSION_DENIED naming the permission and the resource as the request named it, whether
 * or not the resource exists: the check comes first, so a denied caller learns nothing of what is there. A secret's
 * own policy lives with the secret: it counts only while the secret exists, so a caller granted on secrets alone
 * (as the functions are) is denied, never told NOT_FOUND, about one that is not there.
 */
export class SecretManagerIam {
  private readonly bindings: { key: string; role: string; member: string }[] = [];

  constructor(
    private readonly options: SecretManagerIamOptions,
    private readonly projectNumber: (project: string) => string,
    private readonly secretExists: (projectNumber: string, secretId: string) => boolean,
  ) {
    for (const binding of options.bindings) this.grant(binding);
  }

  /** The principal a request's `Authorization` header names; throws UNAUTHENTICATED (401) as Google does. */
  callerOf(authorization: string | undefined): string {
    if (authorization === undefined || authorization === '') {
      if (this.options.callerWithoutToken) return this.options.callerWithoutToken;
      throw new SecretManagerApiError(
        'UNAUTHENTICATED',
        `Request is missing required authentication credential. ${UNAUTHENTICATED_HINT}`,
      );
    }
    const token = /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
    const caller = token === undefined ? undefined : this.options.tokens[token];
    if (!caller) {
      throw new SecretManagerApiError(
        'UNAUTHENTICATED',
        `Request had invalid authentication credentials. ${UNAUTHENTICATED_HINT}`,
      );
    }
    return caller;
  }

  /** Throws PERMISSION_DENIED unless `caller` holds `permission` on the secret (or project) `resource` names. */
  check(caller: string, permission: string, resource: string): void {
    const [, project = '', secretId] = /^projects\/([^/]+)(?:\/secrets\/([^/]+))?/.exec(resource) ?? [];
    const number = this.projectNumber(project);
    const onSecret = secretId !== undefined && this.secretExists(number, secretId);
    const keys = new Set([number, ...(onSecret ? [`${number}/${secretId}`] : [])]);
    const allowed = this.bindings.some(
      (binding) => binding.member === caller && keys.has(binding.key) && grantsPermission(binding.role, permission),
    );
    if (!allowed) {
      throw new SecretManagerApiError(
        'PERMISSION_DENIED',
        `Permission '${permission}' denied for resource '${resource}' (or it may not exist).`,
      );
    }
  }

  /** Adds a binding (setup, not an API call); a role the emulator does not know is refused rather than ignored. */
  grant(binding: IamBinding): void {
    if (!(binding.role in SECRET_MANAGER_ROLES)) {
      throw new Error(
        `the local Secret Manager knows no role ${binding.role}: ${Object.keys(SECRET_MANAGER_ROLES).join(', ')}`,
      );
    }
    const [, project = '', secretId] = BINDING_RESOURCE.exec(binding.resource) ?? [];
    if (!project) throw new Error(`an IAM binding names a project or a secret, not ${binding.resource}`);
    const number = this.projectNumber(project);
    this.bindings.push({
      key: secretId === undefined ? number : `${number}/${secretId}`,
      role: binding.role,
      member: binding.member,
    });
  }
}

function grantsPermission(role: string, permission: string): boolean {
  return (SECRET_MANAGER_ROLES[role] ?? []).some((held) =>
    held.endsWith('.*') ? permission.startsWith(held.slice(0, -1)) : held === permission,
  );
}
