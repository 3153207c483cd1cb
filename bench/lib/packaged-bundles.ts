import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { parse } from 'yaml';

/**
 * The Lambda bundles exactly as they ship: `serverless package` (osls + serverless-esbuild, offline) writes one zip
 * per function, and each is unpacked here as Lambda would, so the bench loads and weighs those very bytes.
 */
const ROOT = path.resolve(__dirname, '../..');

export interface PackagedBundle {
  /** The function's name in serverless.yml. */
  readonly name: string;
  /** The unpacked handler file. */
  readonly file: string;
  readonly bytes: number;
  /** Its source map (shipped beside it), 0 when there is none. */
  readonly mapBytes: number;
  /** The deployment package Lambda downloads. */
  readonly zipBytes: number;
  /** NODE_OPTIONS the template sets on the function (Lambda starts Node with them). */
  readonly nodeOptions: string;
}

interface TemplateFunction {
  readonly Type: string;
  readonly Properties: {
    readonly Handler?: string;
    readonly Environment?: { readonly Variables?: Record<string, unknown> };
  };
}

/** Runs `serverless package` into `packageDir` with no AWS credentials, as CI does; returns that folder. */
export function packageAwsFunctions(packageDir: string, stage = 'bench'): string {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('AWS_')) delete env[name];
  execFileSync('npx', ['serverless', 'package', '--stage', stage, '--package', packageDir], {
    cwd: ROOT,
    env,
    stdio: 'pipe',
    timeout: 180_000,
  });
  return packageDir;
}

/** Each function's zip in `packageDir`, unpacked under `extractDir/<function>/`, with what the template says of it. */
export function packagedAwsBundles(packageDir: string, extractDir: string): PackagedBundle[] {
  const config = parse(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8')) as {
    functions: Record<string, { handler: string }>;
  };
  const template = JSON.parse(
    readFileSync(path.join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as { Resources: Record<string, TemplateFunction> };
  const deployed = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
  return Object.entries(config.functions).map(([name, { handler }]) => {
    const fn = deployed.find((resource) => resource.Properties.Handler === handler);
    if (!fn) throw new Error(`the packaged template has no function with handler ${handler} (${name})`);
    const zip = readFileSync(path.join(packageDir, `${name}.zip`));
    const entries = unzipSync(zip);
    const dir = path.join(extractDir, name);
    for (const [entry, content] of Object.entries(entries)) {
      if (entry.endsWith('/')) continue;
      mkdirSync(path.dirname(path.join(dir, entry)), { recursive: true });
      writeFileSync(path.join(dir, entry), content);
    }
    const entry = `${handler.slice(0, handler.lastIndexOf('.'))}.js`;
    const code = entries[entry];
    if (!code) throw new Error(`${name}.zip has no ${entry} (handler ${handler})`);
    return {
      name,
      file: path.join(dir, entry),
      bytes: code.length,
      mapBytes: entries[`${entry}.map`]?.length ?? 0,
      zipBytes: zip.length,
      nodeOptions: String(fn.Properties.Environment?.Variables?.NODE_OPTIONS ?? ''),
    };
  });
}
