import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SETTINGS } from '#config/setting-table';
import { BEGIN, CONFIG_PAGE, END, StaleConfigPageError, stalenessOf, updatePage } from '#scripts/generate-config-docs';

const ROOT = path.resolve(__dirname, '../..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'config-docs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The committed page with one row's meaning changed, as if the table had moved on without it. */
function stalePage(): string {
  const page = readFileSync(CONFIG_PAGE, 'utf8');
  const description = SETTINGS.VERIFY_TIMEOUT_SECONDS.description;
  expect(page).toContain(description);
  return page.replace(description, 'How long to wait, as the table said last month.');
}

describe('docs/configuration.md', () => {
  it('is what the setting table generates', () => {
    // Act
    const stale = stalenessOf(CONFIG_PAGE);

    // Assess
    expect(stale).toBeUndefined();
    for (const name of Object.keys(SETTINGS)) expect(readFileSync(CONFIG_PAGE, 'utf8')).toContain(`\`${name}\``);
  });

  it('is reported stale, naming the file and the command that regenerates it', () => {
    // Prepare
    const file = path.join(dir, 'configuration.md');
    writeFileSync(file, stalePage());

    // Act
    const stale = stalenessOf(file);

    // Assess
    expect(stale).toContain('configuration.md is stale');
    expect(stale).toContain('npm run docs:config');
  });

  it('makes docs:check exit non-zero on a stale page and zero on a current one', () => {
    // Prepare
    const file = path.join(dir, 'configuration.md');
    writeFileSync(file, stalePage());
    const check = (page: string) =>
      spawnSync(
        path.join(ROOT, 'node_modules/.bin/tsx'),
        ['scripts/generate-config-docs.ts', '--check', '--file', page],
        { cwd: ROOT, encoding: 'utf8' },
      );

    // Act
    const stale = check(file);
    const current = check(CONFIG_PAGE);

    // Assess
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain(`${path.relative(ROOT, file)} is stale`);
    expect(current.status).toBe(0);
  });

  it('regenerates only between the markers, keeping the prose around them', () => {
    // Prepare
    const page = `# Configuration\n\nHand-written prose.\n\n${BEGIN}\nold table\n${END}\n\nMore prose.\n`;

    // Act
    const updated = updatePage(page, 'configuration.md');

    // Assess
    expect(updated).toMatch(/^# Configuration\n\nHand-written prose\.\n\n<!-- BEGIN GENERATED/);
    expect(updated).toMatch(/<!-- END GENERATED -->\n\nMore prose\.\n$/);
    expect(updated).not.toContain('old table');
    expect(updated).toContain('`VERIFY_TIMEOUT_SECONDS`');
  });

  it('refuses a page whose markers are gone rather than guessing where the tables go', () => {
    // Act
    const act = () => updatePage('# Configuration\n', 'configuration.md');

    // Assess
    expect(act).toThrow(StaleConfigPageError);
    expect(act).toThrow('has lost its generated-part markers');
  });
});
