import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '#config/setting-table';
import { GCP_FUNCTIONS } from '#functions/gcp/gcp-function-names';
import { MAX_EVENT_FUNCTION_TIMEOUT_SECONDS, TASK_DISPATCH_DEADLINE_SECONDS } from '#functions/gcp/gcp-settings';

/**
 * There is no Terraform binary here (and no network for its providers), so this checks infra/gcp/main.tf's text for
 * what issue 14 names; `terraform validate` and `plan` check it for real. The least-privilege part reads the roles
 * docs/deploy-gcp.md lists and holds the module to them.
 */
const ROOT = path.resolve(__dirname, '../..');
const tf = readFileSync(path.join(ROOT, 'infra/gcp/main.tf'), 'utf8');
const DEPLOY_GCP = readFileSync(path.join(ROOT, 'docs/deploy-gcp.md'), 'utf8');

/** Every `resource "type" "name" { … }` block, by `type.name`. */
function resources(): Map<string, string> {
  const blocks = new Map<string, string>();
  const starts = [...tf.matchAll(/^resource "([a-z0-9_]+)" "([a-z0-9_]+)" \{/gm)];
  for (const [index, match] of starts.entries()) {
    const end = starts[index + 1]?.index ?? tf.length;
    blocks.set(`${match[1]}.${match[2]}`, tf.slice(match.index, end));
  }
  return blocks;
}

const blocks = resources();
const block = (key: string) => {
  const found = blocks.get(key);
  expect(found).toBeDefined();
  return found ?? '';
};

describe('infra/gcp/main.tf essentials', () => {
  it('deploys every function on Node 22 under one service account, with the entry points the code registers', () => {
    // Act
    const functions = [...blocks.entries()].filter(([key]) => key.startsWith('google_cloudfunctions2_function.'));
    const entryPoints = [...tf.matchAll(/entry_point\s*=\s*"([A-Za-z]+)"/g)].map((m) => m[1]).sort();

    // Assess
    expect(functions.length).toBeGreaterThanOrEqual(2);
    for (const [, text] of functions) {
      expect(text).toMatch(/runtime\s*=\s*"nodejs22"/);
      expect(text).toMatch(/service_account_email = google_service_account\.functions\.email/);
    }
    expect(entryPoints).toEqual(Object.keys(GCP_FUNCTIONS).sort());
  });

  it('triggers the rotation function from the topic through Eventarc, within the event-driven timeout', () => {
    // Act
    const rotation = block('google_cloudfunctions2_function.on_secret_version_event');

    // Assess
    expect(rotation).toMatch(/event_type\s*=\s*"google\.cloud\.pubsub\.topic\.v1\.messagePublished"/);
    expect(rotation).toMatch(/pubsub_topic\s*=\s*google_pubsub_topic\.secret_events\.id/);
    expect(rotation).toMatch(/retry_policy\s*=\s*"RETRY_POLICY_RETRY"/);
    expect(rotation).toContain(`timeout_seconds       = ${MAX_EVENT_FUNCTION_TIMEOUT_SECONDS}`);
    expect(tf).toContain(`GCP_EVENT_FUNCTION_TIMEOUT_SECONDS = "${MAX_EVENT_FUNCTION_TIMEOUT_SECONDS}"`);
    expect(block('google_pubsub_topic_iam_member.secret_manager_publishes')).toContain('gcp-sa-secretmanager');
  });

  it('gives the task targets Cloud Tasks dispatch deadline, and the queue the attempts the functions count', () => {
    // Assess
    expect(tf).toContain(
      `reload  = { entry_point = "reloadRotatedSecret", timeout = ${TASK_DISPATCH_DEADLINE_SECONDS} }`,
    );
    expect(tf).toContain(
      `recover = { entry_point = "recoverReportedFailures", timeout = ${TASK_DISPATCH_DEADLINE_SECONDS} }`,
    );
    expect(block('google_cloud_tasks_queue.work')).toMatch(/max_attempts\s*=\s*var\.task_max_attempts/);
    expect(tf).toMatch(/GCP_TASK_MAX_ATTEMPTS\s*=\s*tostring\(var\.task_max_attempts\)/);
  });

  it("takes the coalescing window and cap as variables defaulting to the setting table's, off unless asked", () => {
    // Act
    const variableDefault = (name: string) =>
      new RegExp(`^variable "${name}" \\{\\n\\s+type\\s+= number\\n\\s+default = (\\d+)$`, 'm').exec(tf)?.[1];

    // Assess
    expect(variableDefault('restart_coalesce_seconds')).toBe(SETTINGS.RESTART_COALESCE_SECONDS.default);
    expect(variableDefault('restart_coalesce_max_seconds')).toBe(SETTINGS.RESTART_COALESCE_MAX_SECONDS.default);
    expect(tf).toMatch(/RESTART_COALESCE_SECONDS\s+= tostring\(var\.restart_coalesce_seconds\)/);
    expect(tf).toMatch(/RESTART_COALESCE_MAX_SECONDS\s+= tostring\(var\.restart_coalesce_max_seconds\)/);
  });

  it('creates the state bucket (private, lifecycle on customTime), the dead-letter topic and the scheduler', () => {
    // Act
    const bucket = block('google_storage_bucket.state');
    const scheduler = block('google_cloud_scheduler_job.sweep');

    // Assess
    expect(bucket).toMatch(/public_access_prevention\s*=\s*"enforced"/);
    expect(bucket).toMatch(/days_since_custom_time = 0/);
    expect(block('google_pubsub_topic.dead_letter')).toContain('dead-letter');
    expect(scheduler).toMatch(/schedule\s*=\s*var\.sweep_schedule/);
    expect(scheduler).toMatch(/oidc_token \{\s*service_account_email = google_service_account\.functions\.email/);
  });
});

describe('least privilege: infra/gcp/main.tf', () => {
  it('grants Secret Manager roles per named secret only: viewer on the watched ones, secretAccessor on its own', () => {
    // Act
    const secretGrants = (role: string) =>
      [...blocks.entries()]
        .filter(([, text]) => new RegExp(`role\\s*=\\s*"roles/secretmanager\\.${role}"`).test(text))
        .map(([key]) => key)
        .sort();

    // Assess: the watched secrets are described (GetSecret, ListSecretVersions), never read.
    expect(secretGrants('viewer')).toEqual(['google_secret_manager_secret_iam_member.rotated']);
    expect(secretGrants('secretAccessor')).toEqual([
      'google_secret_manager_secret_iam_member.own',
      'google_secret_manager_secret_iam_member.own_from_environment',
    ]);
    expect(block('google_secret_manager_secret_iam_member.rotated')).toMatch(/for_each\s*=\s*toset\(var\.secrets\)/);
    expect(block('google_secret_manager_secret_iam_member.own_from_environment')).toMatch(
      /for_each\s*=\s*local\.environment_secrets/,
    );
    expect(tf).toMatch(/for setting in \["ALERT_WEBHOOK_SECRET", "TARGET_MAPPING"\]/);
    expect(tf).not.toMatch(/google_project_iam_(member|binding|policy)/);
    expect(tf).not.toMatch(/roles\/(owner|editor|viewer|secretmanager\.admin|storage\.admin)"/);
    expect(tf).not.toMatch(/roles\/secretmanager\.(secretVersionManager|secretVersionAdder)/);
  });

  it('assigns only the roles docs/deploy-gcp.md lists, and lets allUsers invoke the webhook alone', () => {
    // Prepare
    const documented = new Set([...DEPLOY_GCP.matchAll(/`(roles\/[A-Za-z.]+)`/g)].map((m) => m[1]));

    // Act
    const used = new Set([...tf.matchAll(/role\s*=\s*"(roles\/[A-Za-z.]+)"/g)].map((m) => m[1]));
    const publicGrants = [...blocks.entries()].filter(([, text]) => text.includes('"allUsers"')).map(([key]) => key);

    // Assess
    expect([...used].filter((role) => !documented.has(role))).toEqual([]);
    expect(publicGrants).toEqual(['google_cloud_run_service_iam_member.webhook_public']);
    expect(block('google_cloud_run_service_iam_member.webhook_public')).toContain('http["webhook"]');
  });
});
