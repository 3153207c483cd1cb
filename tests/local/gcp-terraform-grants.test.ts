import {
  functionsServiceAccount,
  type GcpTerraformVariables,
  readGcpTerraformModule,
  secretGrantsOf,
  UnreadableTerraformError,
} from '#local/gcp-terraform-grants';

/**
 * The reader that gives the local Secret Manager the bindings infra/gcp/main.tf makes: it evaluates the module's
 * expressions for given variables, and refuses any it does not know rather than guess.
 */
const VARIABLES: GcpTerraformVariables = {
  project_id: 'acme-tf',
  name: 'reloader',
  secrets: ['orders-db', 'billing-db', 'orders-db'],
  credentials_secret: 'confluent-key',
  webhook_token_secret: 'webhook-token',
  environment: {
    ALERT_WEBHOOK_SECRET: 'projects/acme-alerts/secrets/slack-url/versions/latest',
    TARGET_MAPPING: 'file:mapping.json',
    LOG_LEVEL: 'debug',
  },
};
const MEMBER = 'serviceAccount:reloader@acme-tf.iam.gserviceaccount.com';

const MODULE = `
locals {
  from_environment = {
    for setting in ["ALERT_WEBHOOK_SECRET", "TARGET_MAPPING"] : setting => regex("^projects/([^/]+)/secrets/([^/]+)", lookup(var.environment, setting, ""))
    if can(regex("^projects/[^/]+/secrets/[^/]+", lookup(var.environment, setting, "")))
  }
}

resource "google_service_account" "functions" {
  project    = var.project_id
  account_id = var.name
}

resource "google_secret_manager_secret_iam_member" "watched" {
  for_each  = toset(var.secrets)
  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.viewer" # metadata only
  member    = "serviceAccount:\${google_service_account.functions.email}"
}

resource "google_secret_manager_secret_iam_member" "own" {
  for_each  = toset([var.credentials_secret, var.webhook_token_secret])
  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:\${google_service_account.functions.email}"
}

resource "google_secret_manager_secret_iam_member" "named_in_environment" {
  for_each  = local.from_environment
  project   = each.value[0]
  secret_id = each.value[1]
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:\${google_service_account.functions.email}"
}
`;

describe('secretGrantsOf: the Secret Manager bindings a Terraform module makes', () => {
  it('expands every for_each as terraform apply would: list variables, literal sets, environment names', () => {
    // Act
    const grants = secretGrantsOf(MODULE, VARIABLES);

    // Assess
    expect(functionsServiceAccount(MODULE, VARIABLES)).toBe('reloader@acme-tf.iam.gserviceaccount.com');
    expect(grants).toEqual([
      { resource: 'projects/acme-tf/secrets/orders-db', role: 'roles/secretmanager.viewer', member: MEMBER },
      { resource: 'projects/acme-tf/secrets/billing-db', role: 'roles/secretmanager.viewer', member: MEMBER },
      {
        resource: 'projects/acme-tf/secrets/confluent-key',
        role: 'roles/secretmanager.secretAccessor',
        member: MEMBER,
      },
      {
        resource: 'projects/acme-tf/secrets/webhook-token',
        role: 'roles/secretmanager.secretAccessor',
        member: MEMBER,
      },
      // In the project the reference names; a `file:` mapping needs no grant.
      {
        resource: 'projects/acme-alerts/secrets/slack-url',
        role: 'roles/secretmanager.secretAccessor',
        member: MEMBER,
      },
    ]);
  });

  it('refuses an expression it does not know instead of guessing what it grants', () => {
    // Prepare
    const projectWide = MODULE.replace('toset(var.secrets)', 'data.google_secret_manager_secrets.all.names');

    // Act
    const act = () => secretGrantsOf(projectWide, VARIABLES);

    // Assess
    expect(act).toThrow(UnreadableTerraformError);
    expect(act).toThrow(/watched: for_each = data\.google_secret_manager_secrets\.all\.names/);
  });

  it("reads infra/gcp/main.tf itself: secret-level grants only, each to the functions' account", () => {
    // Act
    const grants = secretGrantsOf(readGcpTerraformModule(), VARIABLES);

    // Assess
    expect(grants.length).toBeGreaterThan(0);
    expect(
      grants.every((grant) => grant.member === MEMBER && /^projects\/[^/]+\/secrets\/[^/]+$/.test(grant.resource)),
    ).toBe(true);
    expect(grants.map((grant) => grant.resource)).toEqual(
      expect.arrayContaining(['projects/acme-tf/secrets/orders-db', 'projects/acme-tf/secrets/confluent-key']),
    );
  });
});
