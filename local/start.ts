import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startLocalCloud } from './local-cloud';
import { createRotationTarget } from './rotation-target';

/** Fixed ports, so `serverless invoke local --stage local` and the CLI find the local cloud without discovery. */
export const LOCAL_PORTS = { confluent: 4510, secretsManager: 4511 } as const;
export const LOCAL_ENV_FILE = path.resolve(__dirname, '../.local-cloud/env');

/**
 * `npm start`: the local cloud until Ctrl-C. Rotations in the local Secrets Manager are delivered, like EventBridge
 * would, to the rotation handler; the CLI and manual invokes use the printed environment.
 */
async function start(): Promise<void> {
  let target: ReturnType<typeof createRotationTarget> | undefined;
  const cloud = await startLocalCloud({
    confluentPort: LOCAL_PORTS.confluent,
    secretsManagerPort: LOCAL_PORTS.secretsManager,
    onRotation: async (event) => {
      console.log(`EventBridge: ${event['detail-type']} ${event.resources[0]} → rotation handler`);
      for (const handled of (await target?.deliver(event)) ?? []) {
        if (handled.kind !== 'reloaded') continue;
        for (const outcome of handled.report.outcomes) {
          const { environmentId, clusterId, name } = outcome.connector;
          console.log(
            `  ${environmentId}/${clusterId}/${name}: ${outcome.result}${outcome.reason ? ` (${outcome.reason})` : ''}`,
          );
        }
      }
    },
  });
  Object.assign(process.env, cloud.env);
  target = createRotationTarget(process.env);

  mkdirSync(path.dirname(LOCAL_ENV_FILE), { recursive: true });
  writeFileSync(
    LOCAL_ENV_FILE,
    `${Object.entries(cloud.env)
      .map(([key, value]) => `export ${key}=${value}`)
      .join('\n')}\n`,
  );
  console.log(`Local cloud is up (Ctrl-C to stop):
  Confluent Cloud API   ${cloud.confluent.url}   (2 environments, 4 clusters, 11 connectors)
  AWS Secrets Manager   ${cloud.secretsManager.url}

In another terminal:
  source ${path.relative(process.cwd(), LOCAL_ENV_FILE)}
  npx connector-reloader status
  npx connector-reloader plan --secret prod/orders-db
  aws --endpoint-url ${cloud.secretsManager.url} secretsmanager put-secret-value --secret-id prod/orders-db --secret-string '{"password":"new"}'
`);
  const stop = async () => {
    await cloud.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

start().catch((error: unknown) => {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
