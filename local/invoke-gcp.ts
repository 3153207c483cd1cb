import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ENV_FILE = path.resolve(__dirname, '../.local-cloud/env');
const USAGE = 'usage: npm run invoke:gcp -- events/gcp/<file>.json';

/**
 * `npm run invoke:gcp -- <event file>`: sends a sample to the running `npm start`'s onSecretVersionEvent, served by
 * the real Functions Framework, as Eventarc would: a CloudEvent file in binary mode (ce-* headers, the data as the
 * body), a push body as it is (the framework turns a Pub/Sub push body into the same CloudEvent). Prints the answer.
 */
async function invoke(args: string[]): Promise<number> {
  const file = args.find((arg) => !arg.startsWith('--'));
  if (!file) {
    console.error(USAGE);
    return 2;
  }
  if (!existsSync(ENV_FILE)) {
    console.error(`${path.relative(process.cwd(), ENV_FILE)} is missing: run \`npm start\` in another terminal first`);
    return 2;
  }
  const url = /^export GCP_ON_SECRET_VERSION_EVENT_URL=(.*)$/m.exec(readFileSync(ENV_FILE, 'utf8'))?.[1];
  if (!url) {
    console.error('GCP_ON_SECRET_VERSION_EVENT_URL is missing from .local-cloud/env: restart `npm start`');
    return 2;
  }
  const payload = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const cloudEvent = typeof payload.specversion === 'string';
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (cloudEvent) {
    for (const key of ['specversion', 'type', 'source', 'id', 'time'])
      headers[`ce-${key}`] = String(payload[key] ?? '');
  }
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(cloudEvent ? payload.data : payload),
  });
  console.log(`onSecretVersionEvent answered ${response.status} ${await response.text()}`);
  return response.ok ? 0 : 1;
}

invoke(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`invoke failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
