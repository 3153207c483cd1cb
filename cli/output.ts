import { createInterface } from 'node:readline/promises';
import Table from 'cli-table3';
import { createColors } from 'picocolors';
import { redact, redactDeep } from '#observability/redaction';
import { breakLongWords, fitColumns, visibleWidth, wrapText } from './fit-columns';
import { shortSecretId, shortVersion } from './short-ids';

/** What the default human output fits: every line of a table or note. `--wide` lifts it. */
export const DEFAULT_WIDTH = 120;

type Cell = string | number | undefined;

/**
 * Everything the CLI prints goes through here: tables for people (colour only on a TTY, fitted to DEFAULT_WIDTH
 * unless `wide`), one JSON object per line for scripts, the redaction filter on both; and the questions it asks.
 */
export class Output {
  readonly colors: ReturnType<typeof createColors>;
  /** Set from `--wide`: tables and ids are printed whole, whatever their width. */
  wide = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
    private readonly input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin,
  ) {
    this.colors = createColors(Boolean(out.isTTY) && !process.env.NO_COLOR);
  }

  get width(): number {
    return this.wide ? Number.POSITIVE_INFINITY : DEFAULT_WIDTH;
  }

  line(text = ''): void {
    this.out.write(`${redact(text)}\n`);
  }

  /** Prose (notes, summaries): wrapped at spaces to the width, continuation lines indented. */
  text(text: string, indent = '  '): void {
    for (const line of wrapText(text, this.width, indent)) this.line(line);
  }

  json(value: unknown): void {
    this.out.write(`${JSON.stringify(redactDeep(value))}\n`);
  }

  /**
   * A table fitted to the width: columns in `whole` (by default the first, which names the connector or check) are
   * never narrowed, the others wrap at spaces, and a word too long for its column is broken, never cut off.
   */
  table(head: string[], rows: Cell[][], options: { whole?: readonly number[] } = {}): void {
    const whole = new Set(options.whole ?? [0]);
    const cells = rows.map((row) => row.map((cell) => (cell === undefined ? '' : String(cell))));
    const natural = head.map(
      (title, column) => Math.max(visibleWidth(title), ...cells.map((row) => visibleWidth(row[column] ?? ''))) + 2,
    );
    const longestWord = (text: string) => Math.max(0, ...text.split(/\s+/).map((word) => visibleWidth(word)));
    const colWidths = fitColumns(
      natural,
      head.map((title, column) => (whole.has(column) ? (natural[column] ?? 0) : Math.max(longestWord(title), 6) + 2)),
      this.width,
    );
    const table = new Table({
      head: head.map((title) => this.colors.bold(title)),
      style: { head: [], border: [] },
      wordWrap: true,
      ...(colWidths ? { colWidths } : {}),
    });
    for (const row of cells) {
      table.push(colWidths ? row.map((cell, column) => breakLongWords(cell, (colWidths[column] ?? 0) - 2)) : row);
    }
    this.line(table.toString());
  }

  /** A two-column table of labelled values (one record). */
  details(rows: [string, Cell][]): void {
    this.table(
      ['field', 'value'],
      rows.map(([label, value]) => [label, value]),
    );
  }

  /** A secret id as tables show it: shortened unless `wide`. */
  secretId(id: string): string {
    return this.wide ? id : shortSecretId(id);
  }

  /** A version id as tables show it: its first characters unless `wide`. */
  version(version: string | null | undefined): string {
    if (version === null || version === undefined) return '';
    return this.wide ? version : shortVersion(version);
  }

  error(text: string): void {
    this.err.write(`${redact(text)}\n`);
  }

  /** True when a person can answer a question (stdin is a terminal). */
  get interactive(): boolean {
    return Boolean(this.input.isTTY);
  }

  /** Asks on stderr (stdout stays clean for --json) and returns the answer. */
  async ask(question: string): Promise<string> {
    const prompt = createInterface({ input: this.input, output: this.err, terminal: false });
    try {
      return await prompt.question(question);
    } finally {
      prompt.close();
    }
  }
}
