import { type Bucket, Storage } from '@google-cloud/storage';
import { buildReloader, type Reloader } from '#app/build-reloader';
import { loadSettings, type Settings } from '#config/settings';
import type { Logger } from '#core/ports';
import { GcpSecretManager, secretManagerClient } from '#providers/gcp-secret-manager';
import { SecretCredentialsProvider } from '#providers/secret-credentials';
import { GcsStateStore } from '#state/gcs-state-store';
import { cloudLogger } from './cloud-logger';
import { type GcpSettings, loadGcpSettings, worstCaseReloadMs } from './gcp-settings';
import type { RotationPath } from './rotation-deferral';
import { cloudTasksClient, TaskHandOff } from './task-hand-off';

export interface GcpRuntime {
  readonly settings: Settings;
  readonly gcp: GcpSettings;
  readonly reloader: Reloader;
  readonly logger: Logger;
  readonly bucket: Bucket;
  readonly handOff: TaskHandOff;
  /** Whether a reload can outlast the event function's timeout: then the rotation function hands it off. */
  readonly handsOffRotations: boolean;
  /** What both rotation functions run: the shared path, coalescing rotations scheduled back to reloadRotatedSecret. */
  readonly rotationPath: RotationPath;
}

/**
 * The functions' wiring, in one place: settings, Secret Manager (the rotated secrets, the function's own Confluent
 * key, the webhook token and alert URL), Cloud Storage state and the Cloud Tasks hand-off, all reached with
 * Application Default Credentials (the functions' service account).
 */
export function createGcpRuntime(env: NodeJS.ProcessEnv): GcpRuntime {
  const settings = loadSettings(env);
  const gcp = loadGcpSettings(settings, env);
  const logger = cloudLogger(settings.logLevel);
  const secretManager = new GcpSecretManager(secretManagerClient(gcp.secretManagerEndpoint));
  // STORAGE_EMULATOR_HOST (the client's own switch) points it at a local JSON API.
  const bucket = new Storage().bucket(gcp.stateBucket);
  const reloader = buildReloader(settings, {
    secrets: secretManager,
    secretValues: secretManager,
    credentials: new SecretCredentialsProvider(secretManager, gcp.credentialsSecret),
    state: new GcsStateStore(bucket),
    logger,
  });
  const handOff = new TaskHandOff(cloudTasksClient(gcp.cloudTasksEndpoint), gcp.taskQueue, gcp.tasksServiceAccount);
  return {
    settings,
    gcp,
    reloader,
    logger,
    bucket,
    handOff,
    handsOffRotations: worstCaseReloadMs(settings) >= gcp.eventFunctionTimeoutMs,
    rotationPath: { reloader, logger, handOff, reloadUrl: gcp.reloadUrl },
  };
}

/** Built once per instance at module load (cold start): settings fail fast, no network until a request comes. */
export const runtime: GcpRuntime = createGcpRuntime(process.env);
