import { stripVTControlCharacters } from 'node:util';

/** Printed width of a cell's widest line: colour codes take no room. */
export function visibleWidth(text: string): number {
  return Math.max(0, ...text.split('\n').map((line) => [...stripVTControlCharacters(line)].length));
}

/**
 * Column widths (each counting one space of padding either side) for a table to fit `maxWidth` characters with its
 * borders, or undefined when it already fits. A column whose minimum is its natural width is never narrowed; of the
 * others, those narrower than a fair share of what is left keep their width, and the rest share the remainder
 * (cli-table3 wraps their text), never below their minimum.
 */
export function fitColumns(
  natural: readonly number[],
  minimum: readonly number[],
  maxWidth: number,
): number[] | undefined {
  const borders = natural.length + 1;
  if (natural.reduce((sum, width) => sum + width, 0) + borders <= maxWidth) return undefined;
  const widths = [...natural];
  const fixed = natural.map((width, index) => (minimum[index] ?? 0) >= width);
  let remaining = maxWidth - borders - natural.reduce((sum, width, index) => sum + (fixed[index] ? width : 0), 0);
  let open = natural.map((_, index) => index).filter((index) => !fixed[index]);
  while (open.length > 0) {
    const share = Math.floor(remaining / open.length);
    const narrow = open.filter((index) => (natural[index] ?? 0) <= share);
    if (narrow.length === 0) break;
    for (const index of narrow) remaining -= natural[index] ?? 0;
    open = open.filter((index) => !narrow.includes(index));
  }
  if (open.length === 0) return widths;
  const share = Math.floor(remaining / open.length);
  let spare = remaining - share * open.length;
  // The widest columns get the spare characters first: they are the ones that wrap most.
  for (const index of [...open].sort((a, b) => (natural[b] ?? 0) - (natural[a] ?? 0))) {
    const extra = spare > 0 ? 1 : 0;
    spare -= extra;
    widths[index] = Math.max(share + extra, minimum[index] ?? 0);
  }
  return widths;
}

/** Wraps prose at spaces to `width` (a word longer than that stays whole); continuation lines get `indent`. */
export function wrapText(text: string, width: number, indent = ''): string[] {
  if (visibleWidth(text) <= width) return [text];
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (line !== '' && visibleWidth(candidate) > width) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/**
 * Breaks words longer than `width` (a long id in prose) into pieces of that width, so a wrapping table shows them
 * whole over several lines instead of cutting them off. Words with colour codes are short labels: left as they are.
 */
export function breakLongWords(text: string, width: number): string {
  if (width < 1) return text;
  return text
    .split('\n')
    .map((line) =>
      line
        .split(' ')
        .map((word) => {
          if (word.length <= width || word !== stripVTControlCharacters(word)) return word;
          const pieces: string[] = [];
          for (let at = 0; at < word.length; at += width) pieces.push(word.slice(at, at + width));
          return pieces.join('\n');
        })
        .join(' '),
    )
    .join('\n');
}
