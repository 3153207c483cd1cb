# connector-reloader on Google Cloud: Cloud Run functions (2nd gen, Node 22) that restart Confluent Cloud connectors
# after Secret Manager rotations and failures. See docs/deploy-gcp.md. Checked as text by tests/infra/gcp-terraform.test.ts.

terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = ">= 5.0" }
  }
}

variable "project_id" { type = string }
variable "region" {
  type    = string
  default = "us-central1"
}
variable "name" {
  type    = string
  default = "connector-reloader"
}
# The secrets whose rotations restart connectors (secret ids in this project): the functions see their metadata
# (annotations, versions), never their values.
variable "secrets" { type = list(string) }
# The functions' own secrets, whose values they read: the Confluent Cloud API key ({"apiKey","apiSecret"}) and the
# webhook token. ALERT_WEBHOOK_SECRET and TARGET_MAPPING in `environment`, when Secret Manager names, are read too.
variable "credentials_secret" { type = string }
variable "webhook_token_secret" { type = string }
# The zip of `npm run build:gcp` (dist/gcp/index.js) with package.json, uploaded by the caller.
variable "source_bucket" { type = string }
variable "source_object" { type = string }
variable "sweep_schedule" {
  type    = string
  default = "*/5 * * * *"
}
variable "task_max_attempts" {
  type    = number
  default = 5
}
# Restart coalescing (docs/how-targets-are-chosen.md#coalescing): one restart for credentials that rotate together. A
# rotation waits as a Cloud Tasks task scheduled at its due time; 0 is off. The cap is at least the window when on.
variable "restart_coalesce_seconds" {
  type    = number
  default = 0
  validation {
    condition     = var.restart_coalesce_seconds >= 0
    error_message = "restart_coalesce_seconds: 0 (off) or more seconds."
  }
}
variable "restart_coalesce_max_seconds" {
  type    = number
  default = 300
  validation {
    condition     = var.restart_coalesce_max_seconds > 0
    error_message = "restart_coalesce_max_seconds: more than 0 seconds."
  }
}
variable "environment" {
  type    = map(string)
  default = {}
}

data "google_project" "this" { project_id = var.project_id }

locals {
  queue = "projects/${var.project_id}/locations/${var.region}/queues/${google_cloud_tasks_queue.work.name}"
  env = merge(var.environment, {
    CONFLUENT_CREDENTIALS_SECRET       = "projects/${var.project_id}/secrets/${var.credentials_secret}"
    WEBHOOK_TOKEN_SECRET               = "projects/${var.project_id}/secrets/${var.webhook_token_secret}"
    GCP_STATE_BUCKET                   = google_storage_bucket.state.name
    GCP_TASK_QUEUE                     = local.queue
    GCP_TASKS_SERVICE_ACCOUNT          = google_service_account.functions.email
    GCP_TASK_MAX_ATTEMPTS              = tostring(var.task_max_attempts)
    GCP_EVENT_FUNCTION_TIMEOUT_SECONDS = "540"
    RESTART_COALESCE_SECONDS           = tostring(var.restart_coalesce_seconds)
    RESTART_COALESCE_MAX_SECONDS       = tostring(var.restart_coalesce_max_seconds)
    # Cloud Run functions' URLs are known once they exist: the task targets' are predictable from their names.
    GCP_RELOAD_URL  = "https://${var.region}-${var.project_id}.cloudfunctions.net/${var.name}-reload"
    GCP_RECOVER_URL = "https://${var.region}-${var.project_id}.cloudfunctions.net/${var.name}-recover"
  })
  http_functions = {
    reload  = { entry_point = "reloadRotatedSecret", timeout = 1800 }
    recover = { entry_point = "recoverReportedFailures", timeout = 1800 }
    webhook = { entry_point = "connectorFailureWebhook", timeout = 60 }
    sweep   = { entry_point = "sweepFailedConnectors", timeout = 900 }
  }
  # The other secrets the functions read for themselves, as `environment` names them (projects/<project>/secrets/<id>,
  # a version or not): the alert webhook URL and a target mapping kept in Secret Manager. A `file:` mapping needs none.
  environment_secrets = {
    for setting in ["ALERT_WEBHOOK_SECRET", "TARGET_MAPPING"] : setting => regex("^projects/([^/]+)/secrets/([^/]+)", lookup(var.environment, setting, ""))
    if can(regex("^projects/[^/]+/secrets/[^/]+", lookup(var.environment, setting, "")))
  }
}

# One service account for every function, with nothing but what they use.
resource "google_service_account" "functions" {
  project      = var.project_id
  account_id   = var.name
  display_name = "connector-reloader functions"
}

# Secret Manager roles on the named secrets only, never on the project, and each secret gets what the functions call
# on it. A watched secret is described, never read (GetSecret for its annotations, ListSecretVersions): the viewer
# role, which holds secrets.get and versions.list and no payload (secretAccessor holds versions.access alone, so it
# could not describe one). The functions' own secrets are read (AccessSecretVersion on latest): secretAccessor.
resource "google_secret_manager_secret_iam_member" "rotated" {
  for_each  = toset(var.secrets)
  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.viewer"
  member    = "serviceAccount:${google_service_account.functions.email}"
}

resource "google_secret_manager_secret_iam_member" "own" {
  for_each  = toset([var.credentials_secret, var.webhook_token_secret])
  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.functions.email}"
}

resource "google_secret_manager_secret_iam_member" "own_from_environment" {
  for_each  = local.environment_secrets
  project   = each.value[0]
  secret_id = each.value[1]
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.functions.email}"
}

# Secret Manager publishes version events to this topic once it is on the secret (`topics` of each secret):
# its service agent must be allowed to publish.
resource "google_pubsub_topic" "secret_events" {
  project = var.project_id
  name    = "${var.name}-secret-events"
}

resource "google_pubsub_topic_iam_member" "secret_manager_publishes" {
  project = var.project_id
  topic   = google_pubsub_topic.secret_events.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-secretmanager.iam.gserviceaccount.com"
}

# Where Pub/Sub puts an event no delivery could hand to the rotation function.
resource "google_pubsub_topic" "dead_letter" {
  project = var.project_id
  name    = "${var.name}-secret-events-dead-letter"
}

resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  project = var.project_id
  topic   = google_pubsub_topic.dead_letter.name
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# State: one object per connector, written with generation preconditions; dead letters under dead-letters/.
resource "google_storage_bucket" "state" {
  project                     = var.project_id
  name                        = "${var.project_id}-${var.name}-state"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  lifecycle_rule {
    # Records carry their expiry as customTime (STATE_RETENTION_DAYS).
    condition { days_since_custom_time = 0 }
    action { type = "Delete" }
  }
}

resource "google_storage_bucket_iam_member" "state" {
  bucket = google_storage_bucket.state.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.functions.email}"
}

# The hand-off queue: reloads that can outlast the event function's 540 s, reported failures, and rotations waiting
# in a coalescing window (tasks scheduled at their due time, at most 30 days ahead).
resource "google_cloud_tasks_queue" "work" {
  project  = var.project_id
  name     = var.name
  location = var.region
  retry_config {
    max_attempts  = var.task_max_attempts
    min_backoff   = "10s"
    max_backoff   = "300s"
  }
  rate_limits {
    max_concurrent_dispatches = 10
  }
}

resource "google_cloud_tasks_queue_iam_member" "enqueue" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.work.name
  role     = "roles/cloudtasks.enqueuer"
  member   = "serviceAccount:${google_service_account.functions.email}"
}

# Cloud Tasks signs its OIDC tokens as the functions' account: it must be allowed to act as it.
resource "google_service_account_iam_member" "tasks_act_as" {
  service_account_id = google_service_account.functions.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.functions.email}"
}

resource "google_cloudfunctions2_function" "on_secret_version_event" {
  project  = var.project_id
  name     = "${var.name}-on-secret-version-event"
  location = var.region
  build_config {
    runtime     = "nodejs22"
    entry_point = "onSecretVersionEvent"
    source {
      storage_source {
        bucket = var.source_bucket
        object = var.source_object
      }
    }
  }
  service_config {
    timeout_seconds       = 540
    available_memory      = "512Mi"
    service_account_email = google_service_account.functions.email
    environment_variables = local.env
    ingress_settings      = "ALLOW_INTERNAL_ONLY"
  }
  # The Eventarc trigger on the topic: a CloudEvent google.cloud.pubsub.topic.v1.messagePublished per message.
  event_trigger {
    trigger_region        = var.region
    event_type            = "google.cloud.pubsub.topic.v1.messagePublished"
    pubsub_topic          = google_pubsub_topic.secret_events.id
    retry_policy          = "RETRY_POLICY_RETRY"
    service_account_email = google_service_account.functions.email
  }
}

resource "google_cloudfunctions2_function" "http" {
  for_each = local.http_functions
  project  = var.project_id
  name     = "${var.name}-${each.key}"
  location = var.region
  build_config {
    runtime     = "nodejs22"
    entry_point = each.value.entry_point
    source {
      storage_source {
        bucket = var.source_bucket
        object = var.source_object
      }
    }
  }
  service_config {
    timeout_seconds       = each.value.timeout
    available_memory      = "512Mi"
    service_account_email = google_service_account.functions.email
    environment_variables = local.env
  }
}

# Eventarc, Cloud Tasks and Cloud Scheduler call as the functions' account; only the webhook is public (its URL
# token is the credential: Confluent's webhook target is only a URL).
resource "google_cloud_run_service_iam_member" "invoker" {
  for_each = toset(["reload", "recover", "sweep"])
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.http[each.value].service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.functions.email}"
}

resource "google_cloud_run_service_iam_member" "event_invoker" {
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.on_secret_version_event.service_config[0].service
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.functions.email}"
}

resource "google_cloud_run_service_iam_member" "webhook_public" {
  project  = var.project_id
  location = var.region
  service  = google_cloudfunctions2_function.http["webhook"].service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_scheduler_job" "sweep" {
  project   = var.project_id
  name      = "${var.name}-sweep"
  region    = var.region
  schedule  = var.sweep_schedule
  time_zone = "Etc/UTC"
  retry_config { retry_count = 0 }
  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.http["sweep"].service_config[0].uri
    oidc_token {
      service_account_email = google_service_account.functions.email
    }
  }
}

output "failure_webhook_url_template" {
  value = "${google_cloudfunctions2_function.http["webhook"].service_config[0].uri}/connector-failures/<token from ${var.webhook_token_secret}>"
}

output "secret_events_topic" {
  description = "Put on each watched secret's topics (gcloud secrets update SECRET --add-topics=...)."
  value       = google_pubsub_topic.secret_events.id
}

output "dead_letter_topic" { value = google_pubsub_topic.dead_letter.id }
