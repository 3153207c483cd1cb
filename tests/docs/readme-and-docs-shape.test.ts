import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The README routes and docs/ holds the detail: the README stays short, and prose reads on an ordinary screen.
 * Fenced code blocks and table rows are not prose, so they are left out of the width check.
 */
const ROOT = path.resolve(__dirname, '../..');
const README_MAX_LINES = 250;
const PROSE_MAX_CHARACTERS = 120;

const markdownPages = (): string[] => [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((file) => file.endsWith('.md'))
    .map((file) => `docs/${file}`),
];

/** `file:line (n characters)` for each prose line over the limit, outside fences and tables. */
function overlongProseLines(file: string): string[] {
  const overlong: string[] = [];
  let fence: string | undefined;
  readFileSync(path.join(ROOT, file), 'utf8')
    .split('\n')
    .forEach((line, index) => {
      const marker = /^\s*(```|~~~)/.exec(line)?.[1];
      if (marker && (fence === undefined || fence === marker)) {
        fence = fence === undefined ? marker : undefined;
        return;
      }
      const isTableRow = line.trimStart().startsWith('|');
      const width = [...line].length;
      if (fence === undefined && !isTableRow && width > PROSE_MAX_CHARACTERS)
        overlong.push(`${file}:${index + 1} (${width} characters)`);
    });
  return overlong;
}

describe('README and docs/', () => {
  it(`keeps README.md to at most ${README_MAX_LINES} lines`, () => {
    // Act
    const lines = readFileSync(path.join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;

    // Assess
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it(`keeps prose lines of README.md and docs/*.md to at most ${PROSE_MAX_CHARACTERS} characters`, () => {
    // Prepare
    const pages = markdownPages();

    // Act
    const overlong = pages.flatMap(overlongProseLines);

    // Assess
    expect(pages.length).toBeGreaterThan(5);
    expect(overlong).toEqual([]);
  });
});
