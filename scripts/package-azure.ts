/**
 * The Function App's upload, staged as a folder that holds only what runs: host.json, a package.json naming the entry,
 * and the bundle `npm run build:azure` describes. azd zips that folder (azure.yaml `dist`, with remote build off) and
 * the Azure CLI path deploys the zip written beside it, so neither uploads the repository: no .git, tests,
 * .local-cloud (local emulator keys), .serverless or node_modules, and no server-side `npm install`.
 *
 * `npm run package:azure [-- --out <dir>]`; the azd `prepackage` hook runs it. Node only, so it runs the same on
 * Windows and POSIX shells.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { zipSync } from 'fflate';

const ROOT = path.resolve(__dirname, '..');
/** The package.json fields the Functions host reads (entry, module type, runtime); nothing for npm to install. */
const RUNTIME_PACKAGE_FIELDS = ['name', 'version', 'description', 'license', 'private', 'type', 'main', 'engines'];
/** Entries get one fixed time, so the same input always zips to the same bytes. */
const ZIP_TIME = new Date('2000-01-01T00:00:00Z');

export class AzurePackageError extends Error {
  override readonly name = 'AzurePackageError';
}

export interface StagedFile {
  /** Path inside the package, with `/`. */
  readonly path: string;
  readonly bytes: number;
}

export interface AzurePackage {
  readonly dir: string;
  readonly zip: string;
  readonly files: readonly StagedFile[];
  readonly zipBytes: number;
}

interface PackageJson {
  readonly main?: string;
  readonly scripts?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly [field: string]: unknown;
}

const readPackageJson = (root: string): PackageJson =>
  JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as PackageJson;

/**
 * The esbuild options of package.json's `build:azure` (`esbuild <entry> [<entry> …] --flag …`), read from the script
 * so the staged bundle and that command cannot drift. The first entry is the app's (package.json `main`); the others
 * are bundles it requires at run time (functions/azure/storage-queue-sdk.ts), written beside it with `--outdir`. An
 * option this reader does not know stops the packaging.
 */
export function azureBuildOptions(root = ROOT): BuildOptions & { outdir: string; entry: string } {
  const command = readPackageJson(root).scripts?.['build:azure'];
  if (!command) throw new AzurePackageError('package.json has no build:azure script');
  const [tool, ...words] = command.trim().split(/\s+/);
  if (tool !== 'esbuild') throw new AzurePackageError(`build:azure runs ${tool}, not esbuild`);
  const options: BuildOptions = { external: [] };
  const entryPoints: string[] = [];
  let outdir = '';
  for (const word of words) {
    const [flag = '', value] = word.split(/=(.*)/s, 2);
    if (!flag.startsWith('--')) entryPoints.push(path.join(root, word));
    else if (flag.startsWith('--external:')) (options.external as string[]).push(flag.slice('--external:'.length));
    else if (flag === '--bundle') options.bundle = true;
    else if (flag === '--minify') options.minify = true;
    else if (flag === '--keep-names') options.keepNames = true;
    else if (flag === '--sourcemap')
      options.sourcemap = value === undefined ? true : (value as BuildOptions['sourcemap']);
    else if (flag === '--platform') options.platform = value as BuildOptions['platform'];
    else if (flag === '--format') options.format = value as BuildOptions['format'];
    else if (flag === '--target') options.target = value;
    else if (flag === '--outdir') outdir = value ?? '';
    else throw new AzurePackageError(`build:azure: ${flag} is not an option package-azure knows; add it here`);
  }
  const [first] = entryPoints;
  if (!first) throw new AzurePackageError('build:azure names no entry');
  if (!outdir) throw new AzurePackageError('build:azure names no --outdir');
  const entry = path.posix.join(outdir, `${path.basename(first, path.extname(first))}.js`);
  return { ...options, entryPoints, outdir, entry };
}

/** package.json for the host: where the entry is and what runs it; no scripts, no dev tooling. */
function runtimePackageJson(root: string): string {
  const pkg = readPackageJson(root);
  const fields = Object.fromEntries(RUNTIME_PACKAGE_FIELDS.filter((key) => key in pkg).map((key) => [key, pkg[key]]));
  // Bundled into the entry, so nothing is installed; named because the v4 programming model expects it listed.
  const functions = pkg.dependencies?.['@azure/functions'];
  return `${JSON.stringify({ ...fields, dependencies: functions ? { '@azure/functions': functions } : {} }, null, 2)}\n`;
}

/**
 * Builds the entry into `outDir` and stages host.json and package.json beside it, then zips the folder to
 * `<outDir>.zip`. The source map stays out: the host runs without --enable-source-maps, so it would only be weight.
 */
export async function packageAzureApp({
  root = ROOT,
  outDir = path.join(ROOT, 'dist/azure-app'),
} = {}): Promise<AzurePackage> {
  const { outdir, entry, ...options } = azureBuildOptions(root);
  if (entry.startsWith('..') || readPackageJson(root).main !== entry) {
    throw new AzurePackageError(`build:azure writes ${entry}, but package.json main is ${readPackageJson(root).main}`);
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  await build({ ...options, sourcemap: false, outdir: path.join(outDir, outdir), logLevel: 'error' });
  writeFileSync(path.join(outDir, 'host.json'), readFileSync(path.join(root, 'host.json')));
  writeFileSync(path.join(outDir, 'package.json'), runtimePackageJson(root));

  // The entry first, then the bundles it requires at run time.
  const bundles = readdirSync(path.join(outDir, outdir))
    .map((file) => path.posix.join(outdir, file))
    .filter((file) => file !== entry)
    .sort();
  const paths = ['host.json', 'package.json', entry, ...bundles];
  const files = paths.map((file) => ({ path: file, bytes: statSync(path.join(outDir, file)).size }));
  const zip = `${outDir}.zip`;
  const archive = zipSync(
    Object.fromEntries(paths.map((file) => [file, [readFileSync(path.join(outDir, file)), { mtime: ZIP_TIME }]])),
    { level: 9 },
  );
  writeFileSync(zip, archive);
  return { dir: outDir, zip, files, zipBytes: archive.length };
}

function outDirFromArgs(args: readonly string[]): string | undefined {
  const at = args.indexOf('--out');
  if (at === -1) return undefined;
  const dir = args[at + 1];
  if (!dir) throw new AzurePackageError('--out needs a folder');
  return path.resolve(dir);
}

async function main(): Promise<void> {
  const outDir = outDirFromArgs(process.argv.slice(2));
  const staged = await packageAzureApp(outDir ? { outDir } : {});
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  console.log(`Function App package: ${path.relative(process.cwd(), staged.dir) || '.'}`);
  for (const file of staged.files) console.log(`  ${file.path.padEnd(32)} ${kb(file.bytes)}`);
  console.log(`  zip ${path.relative(process.cwd(), staged.zip)}: ${kb(staged.zipBytes)}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`package-azure: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
