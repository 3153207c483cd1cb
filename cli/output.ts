import Table from 'cli-table3';
import { createColors } from 'picocolors';
import { redact, redactDeep } from '../shared/observability/redaction';

/**
 * Everything the CLI prints goes through here: tables for people (colour only on a TTY), one JSON object per line
 * for scripts, and the redaction filter on both.
 */
export class Output {
  readonly colors: ReturnType<typeof createColors>;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {
    this.colors = createColors(Boolean(out.isTTY) && !process.env.NO_COLOR);
  }

  line(text = ''): void {
    this.out.write(`${redact(text)}\n`);
  }

  json(value: unknown): void {
    this.out.write(`${JSON.stringify(redactDeep(value))}\n`);
  }

  table(head: string[], rows: (string | number | undefined)[][]): void {
    const table = new Table({
      head: head.map((title) => this.colors.bold(title)),
      style: { head: [], border: [] },
      wordWrap: true,
    });
    for (const row of rows) table.push(row.map((cell) => (cell === undefined ? '' : String(cell))));
    this.line(table.toString());
  }

  error(text: string): void {
    this.err.write(`${redact(text)}\n`);
  }
}
