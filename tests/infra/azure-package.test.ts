import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { parse } from 'yaml';
import { azureBuildOptions, packageAzureApp } from '#scripts/package-azure';

/**
 * The Function App upload as `npm run package:azure` builds it, the folder azd zips (azure.yaml `dist`, remote build
 * off) and the zip the Azure CLI path deploys. Built from a project tree that holds what a working copy holds after
 * `npm start`, `serverless package` and the tests (.git, tests/, .local-cloud/env with a canary key, .serverless/,
 * local.settings.json): none of it may reach the upload.
 */
const ROOT = path.resolve(__dirname, '../..');
const CANARY = 'canary-AccountKey-3f9c1e7a';

/** Every file under `dir`, as `/`-separated paths relative to it. */
function filesUnder(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(path.join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

/** A project root with the sources linked in and the clutter of a working copy written beside them. */
function workingCopy(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'azure-package-root-'));
  for (const dir of ['functions', 'shared', 'node_modules']) symlinkSync(path.join(ROOT, dir), path.join(root, dir));
  for (const file of ['package.json', 'host.json', 'azure.yaml'])
    copyFileSync(path.join(ROOT, file), path.join(root, file));
  const clutter: Record<string, string> = {
    '.git/HEAD': 'ref: refs/heads/main\n',
    'tests/infra/azure-package.test.ts': '// a test\n',
    '.local-cloud/env': `export AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=http;AccountKey=${CANARY}\n`,
    '.serverless/onSecretRotated.zip': 'PK',
    'local.settings.json': `{"Values":{"AzureWebJobsStorage":"${CANARY}"}}`,
    'dist/azure/index.js.map': '{}',
  };
  for (const [file, content] of Object.entries(clutter)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  return root;
}

describe('the Azure Function App package (scripts/package-azure.ts)', () => {
  let root: string;
  let out: string;
  let staged: Awaited<ReturnType<typeof packageAzureApp>>;

  beforeAll(async () => {
    root = workingCopy();
    out = path.join(mkdtempSync(path.join(tmpdir(), 'azure-package-out-')), 'azure-app');
    staged = await packageAzureApp({ root, outDir: out });
  }, 60_000);

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(path.dirname(out), { recursive: true, force: true });
  });

  it('uploads host.json, package.json and the bundles only: no .git, tests, .local-cloud, .serverless or settings', () => {
    // Act
    const zipped = unzipSync(readFileSync(staged.zip));
    const entries = Object.keys(zipped).sort();

    // Assess
    expect(entries).toEqual(['dist/azure/index.js', 'dist/azure/storage-queue-sdk.js', 'host.json', 'package.json']);
    expect(filesUnder(out).sort()).toEqual(entries);
    for (const entry of entries) {
      expect(entry).not.toMatch(
        /^(\.git|tests|\.local-cloud|\.serverless|node_modules)\/|local\.settings\.json|\.map$/,
      );
    }
    for (const content of Object.values(zipped)) expect(strFromU8(content)).not.toContain(CANARY);
    expect(staged.files.map((file) => file.path).sort()).toEqual(entries);
    expect(staged.zipBytes).toBe(readFileSync(staged.zip).length);
  });

  it('stages host.json as it is and a package.json with the entry and nothing to install or run', () => {
    // Act
    const pkg = JSON.parse(readFileSync(path.join(out, 'package.json'), 'utf8')) as Record<string, unknown>;
    const source = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      main: string;
      dependencies: Record<string, string>;
    };

    // Assess
    expect(readFileSync(path.join(out, 'host.json')).equals(readFileSync(path.join(ROOT, 'host.json')))).toBe(true);
    expect(pkg.main).toBe(source.main);
    expect(readFileSync(path.join(out, source.main)).length).toBeGreaterThan(0);
    expect(pkg.type).toBe('commonjs');
    expect(pkg.dependencies).toEqual({ '@azure/functions': source.dependencies['@azure/functions'] });
    for (const field of ['scripts', 'devDependencies', 'bin']) expect(pkg).not.toHaveProperty(field);
  });

  it('bundles everything it loads but Node built-ins and the host-provided @azure/functions-core, so no install is needed', () => {
    // Act
    const read = (file: string) => readFileSync(path.join(out, 'dist/azure', file), 'utf8');
    const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
    const outside = (bundle: string) =>
      [...new Set([...bundle.matchAll(/\brequire\("([^"]+)"\)/g)].map((match) => match[1] as string))].filter(
        (name) => !builtins.has(name),
      );
    const entry = read('index.js');
    const queueSdk = read('storage-queue-sdk.js');

    // Assess
    expect(outside(entry)).toEqual(['@azure/functions-core']);
    expect(outside(queueSdk)).toEqual([]);
    expect(entry).toContain('onSecretEvent');
    for (const bundle of [entry, queueSdk]) expect(bundle).not.toMatch(/sourceMappingURL=/);
  });

  it('keeps @azure/storage-queue out of the entry: its own bundle, required beside it at the first deferral', () => {
    // Act
    const entry = readFileSync(path.join(out, 'dist/azure/index.js'), 'utf8');
    const queueSdk = readFileSync(path.join(out, 'dist/azure/storage-queue-sdk.js'), 'utf8');
    const loaded = require(path.join(out, 'dist/azure/storage-queue-sdk.js')) as Record<string, unknown>;

    // Assess: the entry names the file it requires at run time, and holds none of the SDK's code.
    expect(entry).toContain('"./storage-queue-sdk"');
    expect(entry).not.toContain('node_modules/@azure/storage-queue/');
    expect(entry).not.toContain('node_modules/@azure/storage-common/');
    expect(queueSdk).toContain('node_modules/@azure/storage-queue/');
    expect(typeof loaded.QueueServiceClient).toBe('function');
  });

  it('builds with the options of package.json build:azure, and zips the same input to the same bytes', async () => {
    // Prepare
    const again = path.join(path.dirname(out), 'again');

    // Act
    const options = azureBuildOptions(ROOT);
    const second = await packageAzureApp({ root, outDir: again });

    // Assess
    expect(options).toMatchObject({
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outdir: 'dist/azure',
      entry: 'dist/azure/index.js',
      external: ['@azure/functions-core'],
      entryPoints: [
        path.join(ROOT, 'functions/azure/index.ts'),
        path.join(ROOT, 'functions/azure/storage-queue-sdk.ts'),
      ],
    });
    expect(readFileSync(second.zip).equals(readFileSync(staged.zip))).toBe(true);
  }, 60_000);

  it('is the folder azure.yaml deploys, built by its prepackage hook', () => {
    // Act
    const azd = parse(readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8'));
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };

    // Assess
    expect(azd.services.reloader.dist).toBe('dist/azure-app');
    expect(azd.services.reloader.hooks.prepackage.posix.run).toBe('npm run package:azure');
    expect(pkg.scripts['package:azure']).toBe('tsx scripts/package-azure.ts');
  });
});
