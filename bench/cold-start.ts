import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type BuildOptions, build } from 'esbuild';
import { parse } from 'yaml';
import { packageAzureApp } from '#scripts/package-azure';
import { envInt, type Figure, figure, median } from './lib/figures';
import { type PackagedBundle, packageAwsFunctions, packagedAwsBundles } from './lib/packaged-bundles';

/**
 * §1 Cold start: what ships, loaded in fresh Node processes with dummy loopback endpoints. The AWS handlers are the
 * bundles `serverless package` writes (unpacked from each function's zip, started with the NODE_OPTIONS the template
 * sets), the Azure entry is the one `npm run package:azure` stages for upload. Compared with bare Node and with
 * handlers that only import and construct the SDK clients they need (baselines/, built with serverless.yml's esbuild
 * options).
 */
const SECTION = '§1 Cold start';
const ROOT = path.resolve(__dirname, '..');
const MAX_AWS_BUNDLE_KB = 500;
const MAX_LOAD_RATIO = 1.5;

/** Nothing listens on port 9 (discard): a client that tried to connect at load would fail fast, not hang. */
const DUMMY_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_LAMBDA_FUNCTION_NAME: 'bench',
  STATE_TABLE: 'state',
  IDEMPOTENCY_TABLE: 'idempotency',
  FAILURE_QUEUE_URL: 'http://127.0.0.1:9/123456789012/failures',
  FAILURE_DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:9/123456789012/failures-dlq',
  ROTATION_RETRY_QUEUE_URL: 'http://127.0.0.1:9/123456789012/rotation-retries',
  ROTATION_RETRY_DEAD_LETTER_QUEUE_URL: 'http://127.0.0.1:9/123456789012/rotation-retries-dlq',
  CONFLUENT_API_URL: 'http://127.0.0.1:9',
  LOG_LEVEL: 'error',
  POWERTOOLS_DEV: 'false',
};
const AWS_ENV = {
  ...DUMMY_ENV,
  CONFLUENT_CREDENTIALS_SECRET: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bench/confluent-Ab12Cd',
};
const AZURE_ENV = {
  ...DUMMY_ENV,
  CONFLUENT_CREDENTIALS_SECRET: 'https://bench.vault.azure.net/secrets/confluent',
  AZURE_STATE_TABLE_ENDPOINT: 'https://127.0.0.1:9',
  IDENTITY_ENDPOINT: 'http://127.0.0.1:9/msi/token',
  IDENTITY_HEADER: 'bench',
};

interface Shipped {
  readonly file: string;
  readonly bytes: number;
  readonly mapBytes: number;
  readonly zipBytes: number;
}

interface Target {
  readonly name: string;
  /** Built here from source (the baselines); otherwise `shipped` is the artifact as deployed. */
  readonly entry?: string;
  readonly shipped?: Shipped;
  readonly kind: 'aws' | 'azure' | 'bare';
  readonly baseline?: string;
  readonly env: Record<string, string>;
}

/** The esbuild options of serverless.yml's `custom.esbuild`, read from the file so the baselines build alike. */
function serverlessEsbuildOptions(): BuildOptions {
  const config = parse(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8')) as {
    custom: { esbuild: Record<string, unknown> };
  };
  const { exclude, bundle, target, platform, format, keepNames, minify, sourcemap, sourcesContent } = config.custom
    .esbuild as {
    exclude?: string[];
    bundle?: boolean;
    target?: string;
    platform?: BuildOptions['platform'];
    format?: BuildOptions['format'];
    keepNames?: boolean;
    minify?: boolean;
    sourcemap?: BuildOptions['sourcemap'];
    sourcesContent?: boolean;
  };
  return {
    bundle: bundle ?? true,
    target: target ?? 'node22',
    platform: platform ?? 'node',
    format: format ?? 'cjs',
    keepNames: keepNames ?? false,
    external: exclude ?? [],
    minify: minify ?? false,
    sourcemap: sourcemap ?? false,
    sourcesContent: sourcesContent ?? true,
  };
}

function awsHandlers(bundles: readonly PackagedBundle[]): Target[] {
  return bundles.map((bundle) => ({
    name: `AWS ${bundle.name}`,
    kind: 'aws' as const,
    baseline: 'AWS SDK-only handler',
    env: { ...AWS_ENV, ...(bundle.nodeOptions ? { NODE_OPTIONS: bundle.nodeOptions } : {}) },
    shipped: { file: bundle.file, bytes: bundle.bytes, mapBytes: bundle.mapBytes, zipBytes: bundle.zipBytes },
  }));
}

export async function coldStart(): Promise<Figure[]> {
  const runs = Math.max(10, envInt('BENCH_COLD_RUNS', 15));
  const out = mkdtempSync(path.join(tmpdir(), 'connector-reloader-bench-'));
  try {
    const options = serverlessEsbuildOptions();
    const aws = packagedAwsBundles(packageAwsFunctions(path.join(out, 'serverless')), path.join(out, 'lambda'));
    const azure = await packageAzureApp({ outDir: path.join(out, 'azure-app') });
    const azureEntry = azure.files.find((file) => file.path.endsWith('.js'));
    const targets: Target[] = [
      { name: 'bare Node', entry: 'bench/baselines/bare.js', kind: 'bare', env: DUMMY_ENV },
      { name: 'AWS SDK-only handler', entry: 'bench/baselines/aws-sdk-only.ts', kind: 'bare', env: AWS_ENV },
      { name: 'Azure SDK-only app', entry: 'bench/baselines/azure-sdk-only.ts', kind: 'bare', env: AZURE_ENV },
      ...awsHandlers(aws),
      {
        name: 'Azure entry (functions/azure/index)',
        kind: 'azure',
        baseline: 'Azure SDK-only app',
        env: AZURE_ENV,
        shipped: {
          file: path.join(azure.dir, azureEntry?.path ?? ''),
          bytes: azureEntry?.bytes ?? 0,
          mapBytes: 0,
          zipBytes: azure.zipBytes,
        },
      },
    ];
    const bundles = new Map<string, Shipped>();
    for (const target of targets) {
      if (target.shipped) {
        bundles.set(target.name, target.shipped);
        continue;
      }
      const file = path.join(out, `${target.name.replace(/[^a-z0-9]+/gi, '-')}.js`);
      await build({
        ...options,
        // The Functions host supplies @azure/functions-core, as in package.json build:azure.
        external: [...(options.external ?? []), '@azure/functions-core'],
        entryPoints: [path.join(ROOT, target.entry ?? '')],
        outfile: file,
        logLevel: 'error',
      });
      bundles.set(target.name, { file, bytes: statSync(file).size, mapBytes: 0, zipBytes: 0 });
    }

    // Interleaved, so drift in machine load hits every target alike.
    const loads = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const walls = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let run = 0; run < runs; run += 1) {
      for (const target of targets) {
        const bundle = bundles.get(target.name);
        if (!bundle) continue;
        const started = performance.now();
        const child = spawnSync(process.execPath, [path.join(__dirname, 'baselines/load-probe.js'), bundle.file], {
          // Modules left external (the AWS SDK, which Lambda's runtime provides from its own node_modules) resolve
          // from the project's, for the baselines and the handlers alike.
          env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(ROOT, 'node_modules'), ...target.env },
          encoding: 'utf8',
          timeout: 30_000,
        });
        const wallMs = performance.now() - started;
        if (child.status !== 0) throw new Error(`${target.name} did not load: ${loadError(child.stderr)}`);
        const probe = JSON.parse(child.stdout) as { loadMs: number };
        loads.get(target.name)?.push(probe.loadMs);
        walls.get(target.name)?.push(wallMs);
      }
    }

    const figures: Figure[] = [];
    const loadOf = (name: string) => median(loads.get(name) ?? []);
    for (const target of targets) {
      const bundle = bundles.get(target.name);
      const kb = Math.round((bundle?.bytes ?? 0) / 1024);
      const load = Math.round(loadOf(target.name) * 10) / 10;
      const wall = Math.round(median(walls.get(target.name) ?? []));
      const label = target.shipped ? 'bundle as shipped' : 'bundle (baseline build)';
      figures.push(
        figure(
          SECTION,
          `${target.name}: ${label}`,
          kb,
          'KB',
          target.kind === 'aws' ? { goal: `≤ ${MAX_AWS_BUNDLE_KB} KB`, pass: kb <= MAX_AWS_BUNDLE_KB } : undefined,
          target.shipped
            ? `deployment zip ${Math.round(target.shipped.zipBytes / 1024)} KB` +
                (target.shipped.mapBytes ? `, source map ${Math.round(target.shipped.mapBytes / 1024)} KB` : '')
            : undefined,
        ),
        figure(
          SECTION,
          `${target.name}: load + construct`,
          load,
          'ms',
          undefined,
          `median of ${runs}; process spawn→exit ${wall} ms` +
            (target.env.NODE_OPTIONS ? `; NODE_OPTIONS=${target.env.NODE_OPTIONS}` : ''),
        ),
      );
      if (target.baseline) {
        const ratio = Math.round((loadOf(target.name) / loadOf(target.baseline)) * 100) / 100;
        figures.push(
          figure(SECTION, `${target.name}: load vs ${target.baseline}`, ratio, '×', {
            goal: `≤ ${MAX_LOAD_RATIO}×`,
            pass: ratio <= MAX_LOAD_RATIO,
          }),
        );
      }
    }
    return figures;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** The thrown error's own line from a failed probe's stderr (a minified bundle's source line comes first). */
function loadError(stderr: string): string {
  const line = stderr.split('\n').find((text) => /^[A-Za-z]*Error\b/.test(text.trim()));
  return (line ?? stderr).trim().slice(0, 300);
}
