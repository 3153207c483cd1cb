import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A clone with nothing beside it must pass `npm test`: the team's reference notes live outside the repo, so no
 * tracked file other than Markdown prose may point at them. What a test needs is vendored into tests/fixtures/.
 */
const ROOT = path.resolve(__dirname, '../..');
const OUTSIDE_REFERENCE = 'shared/reference';
const THIS_FILE = path.relative(ROOT, __filename).split(path.sep).join('/');

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
}

describe('self-contained repo', () => {
  it('has no tracked file outside Markdown that refers to the reference notes beside the repo', () => {
    // Prepare
    const files = trackedFiles().filter((file) => !file.endsWith('.md') && file !== THIS_FILE);

    // Act
    const referring = files.filter((file) => readFileSync(path.join(ROOT, file), 'latin1').includes(OUTSIDE_REFERENCE));

    // Assess
    expect(files.length).toBeGreaterThan(100);
    expect(referring).toEqual([]);
  });
});
