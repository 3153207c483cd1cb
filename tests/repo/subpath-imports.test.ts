import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import packageJson from '../../package.json';

/**
 * Code reaches another folder of the repo through package.json `imports` (`#core/ports`, `#local/local-cloud`), not
 * through `../../shared/core/ports`: the alias names the layer (architecture: what may import what), and a file
 * moving within its folder changes no importer. Only folders without an alias (a test suite's own support files)
 * and files that are not TypeScript (package.json, host.json) are reached relatively.
 */
const ROOT = path.resolve(__dirname, '../..');
const ALIASES = Object.entries(packageJson.imports).map(([alias, target]) => ({
  alias: alias.replace(/\*$/, ''),
  folder: path.join(ROOT, target.replace(/^\.\//, '').replace(/\*\.ts$/, '')),
}));
const SPECIFIER = /(?:from\s+|import\(|require\(|jest\.(?:mock|requireActual|doMock)\()\s*['"](\.\.\/[^'"]+)['"]/g;

function trackedTypeScript(): string[] {
  const files = execFileSync('git', ['ls-files', '-z', '*.ts'], { cwd: ROOT, encoding: 'utf8' });
  return files.split('\0').filter(Boolean);
}

/** An alias that reaches `target`, when the target is a TypeScript module under an aliased folder. */
function aliasFor(target: string): string | undefined {
  const module = existsSync(`${target}.ts`) || existsSync(path.join(target, 'index.ts'));
  if (!module) return undefined;
  return ALIASES.find(({ folder }) => `${target}/`.startsWith(folder))?.alias;
}

describe('subpath imports', () => {
  it('reach every aliased folder through its alias, never a ../ path', () => {
    // Prepare
    const files = trackedTypeScript();

    // Act
    const relative = files.flatMap((file) =>
      [...readFileSync(path.join(ROOT, file), 'utf8').matchAll(SPECIFIER)].flatMap(([, specifier = '']) => {
        const alias = aliasFor(path.resolve(ROOT, path.dirname(file), specifier));
        return alias ? [`${file}: ${specifier} (use ${alias}…)`] : [];
      }),
    );

    // Assess
    expect(files.length).toBeGreaterThan(300);
    expect(relative).toEqual([]);
  });

  it('map each alias to a folder that exists', () => {
    // Act
    const missing = ALIASES.filter(({ folder }) => !existsSync(folder)).map(({ alias }) => alias);

    // Assess
    expect(ALIASES.length).toBeGreaterThan(10);
    expect(missing).toEqual([]);
  });
});
