import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IamBinding } from './gcp-secret-manager-emulator';

/** The Terraform module the local Google Cloud grants Secret Manager roles from, as a deploy would. */
export const GCP_TERRAFORM_MODULE = path.resolve(__dirname, '../infra/gcp/main.tf');

/** The module's input variables that the secret grants depend on. */
export interface GcpTerraformVariables {
  readonly project_id: string;
  readonly name: string;
  readonly secrets: readonly string[];
  readonly credentials_secret: string;
  readonly webhook_token_secret: string;
  readonly environment: Readonly<Record<string, string>>;
}

export class UnreadableTerraformError extends Error {
  override readonly name = 'UnreadableTerraformError';
}

const SECRET_IAM_MEMBER = 'google_secret_manager_secret_iam_member';
/** How a member names the functions' service account: Terraform's interpolation of its email. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's interpolation, not a template literal's.
const FUNCTIONS_EMAIL = '${google_service_account.functions.email}';

/** The email Google gives the functions' service account: `<account_id>@<project>.iam.gserviceaccount.com`. */
export function functionsServiceAccount(tf: string, variables: GcpTerraformVariables): string {
  const account = resourceBlocks(tf, 'google_service_account').get('functions');
  const accountId = account === undefined ? undefined : attribute(account, 'account_id');
  if (accountId === undefined) throw new UnreadableTerraformError('no google_service_account.functions account_id');
  return `${scalar(accountId, variables)}@${variables.project_id}.iam.gserviceaccount.com`;
}

/**
 * Every secret-level role binding the module's `google_secret_manager_secret_iam_member` resources make, evaluated
 * for `variables` as `terraform apply` would: each `for_each` expanded, `project`, `secret_id`, `role` and `member`
 * resolved. Only the expressions the module uses are understood (variables, `each.value`, `toset([...])`, a local
 * `for` over `environment` names with `regex`); anything else is refused by name rather than guessed, so the local
 * cloud cannot drift from the module silently.
 */
export function secretGrantsOf(tf: string, variables: GcpTerraformVariables): IamBinding[] {
  const serviceAccount = functionsServiceAccount(tf, variables);
  const grants: IamBinding[] = [];
  for (const [name, body] of resourceBlocks(tf, SECRET_IAM_MEMBER)) {
    const where = `${SECRET_IAM_MEMBER}.${name}`;
    const read = (key: string) => {
      const value = attribute(body, key);
      if (value === undefined) throw new UnreadableTerraformError(`${where}: no ${key}`);
      return value;
    };
    const forEach = attribute(body, 'for_each');
    const items: Each[] = forEach === undefined ? [undefined] : expand(tf, forEach, variables, where);
    for (const each of items) {
      const member = scalar(read('member'), variables, each).replace(FUNCTIONS_EMAIL, serviceAccount);
      if (member.includes('${')) throw new UnreadableTerraformError(`${where}: member ${member}`);
      grants.push({
        resource: `projects/${scalar(read('project'), variables, each)}/secrets/${scalar(read('secret_id'), variables, each)}`,
        role: scalar(read('role'), variables, each),
        member,
      });
    }
  }
  return grants;
}

/** Reads the module from the repository. */
export function readGcpTerraformModule(): string {
  return readFileSync(GCP_TERRAFORM_MODULE, 'utf8');
}

/** One `each.value`: a string, or the captures of a `regex` (a list). */
type Each = string | readonly string[] | undefined;

function expand(tf: string, expression: string, variables: GcpTerraformVariables, where: string): Each[] {
  const list = /^toset\(var\.([a-z_]+)\)$/.exec(expression);
  if (list) return [...new Set(listVariable(variables, list[1] ?? ''))];
  const literal = /^toset\(\[([^\]]*)\]\)$/.exec(expression);
  if (literal) {
    return [...new Set((literal[1] ?? '').split(',').map((item) => scalar(item.trim(), variables)))];
  }
  const local = /^local\.([a-z_]+)$/.exec(expression);
  if (local) return environmentSecrets(tf, local[1] ?? '', variables);
  throw new UnreadableTerraformError(`${where}: for_each = ${expression} is not an expression this reader knows`);
}

/**
 * `name = { for s in ["A", "B"] : s => regex("<re>", lookup(var.environment, s, "")) if can(regex("<re>",
 * lookup(var.environment, s, ""))) }`: the captures of the regex for each named setting whose value matches.
 */
function environmentSecrets(tf: string, name: string, variables: GcpTerraformVariables): Each[] {
  const local = new RegExp(
    `^\\s+${name}\\s+=\\s+\\{\\s*for (\\w+) in \\[([^\\]]*)\\] : \\1 => regex\\("([^"]+)", lookup\\(var\\.environment, \\1, ""\\)\\)\\s*if can\\(regex\\("([^"]+)", lookup\\(var\\.environment, \\1, ""\\)\\)\\)\\s*\\}`,
    'm',
  ).exec(tf);
  if (!local) throw new UnreadableTerraformError(`local.${name} is not a for over environment names this reader knows`);
  const [, , names = '', capture = '', condition = ''] = local;
  return [...names.matchAll(/"([A-Z0-9_]+)"/g)].flatMap(([, setting = '']) => {
    const value = variables.environment[setting] ?? '';
    const match = new RegExp(capture).exec(value);
    return new RegExp(condition).test(value) && match ? [match.slice(1)] : [];
  });
}

/** A string expression: a quoted literal (with `${var.x}` in it), `var.x`, `each.value` or `each.value[n]`. */
function scalar(expression: string, variables: GcpTerraformVariables, each?: Each): string {
  const quoted = /^"([^"]*)"$/.exec(expression);
  if (quoted) {
    return (quoted[1] ?? '').replace(/\$\{var\.([a-z_]+)\}/g, (_, key: string) => stringVariable(variables, key));
  }
  const variable = /^var\.([a-z_]+)$/.exec(expression);
  if (variable) return stringVariable(variables, variable[1] ?? '');
  if (expression === 'each.value' && typeof each === 'string') return each;
  const index = /^each\.value\[(\d+)\]$/.exec(expression);
  if (index && Array.isArray(each)) {
    const item = each[Number(index[1])];
    if (item !== undefined) return item;
  }
  throw new UnreadableTerraformError(`${expression} is not an expression this reader knows`);
}

function stringVariable(variables: GcpTerraformVariables, key: string): string {
  const value = (variables as unknown as Record<string, unknown>)[key];
  if (typeof value !== 'string') throw new UnreadableTerraformError(`var.${key} is not a string variable`);
  return value;
}

function listVariable(variables: GcpTerraformVariables, key: string): readonly string[] {
  const value = (variables as unknown as Record<string, unknown>)[key];
  if (!Array.isArray(value)) throw new UnreadableTerraformError(`var.${key} is not a list variable`);
  return value as string[];
}

/** The bodies of the `resource "<type>" "<name>" { … }` blocks, by name. */
function resourceBlocks(tf: string, type: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const match of tf.matchAll(new RegExp(`^resource "${type}" "([a-z0-9_]+)" \\{`, 'gm'))) {
    const rest = tf.slice((match.index ?? 0) + match[0].length);
    const end = rest.search(/^\}/m);
    blocks.set(match[1] ?? '', end === -1 ? rest : rest.slice(0, end));
  }
  return blocks;
}

/** A top-level `key = value` line of a block's body (one line, trailing comment dropped). */
function attribute(body: string, key: string): string | undefined {
  return new RegExp(`^ {2}${key}\\s*=\\s*(.+?)\\s*(?:#.*)?$`, 'm').exec(body)?.[1];
}
