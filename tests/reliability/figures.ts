import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** Where scenarios leave their figures for the summary table printed at the end of the run. */
export const FIGURES_FILE = path.resolve(__dirname, '../../.reliability/figures.jsonl');

export interface Figure {
  readonly scenario: string;
  readonly figure: string;
  readonly value: string | number;
}

export function recordFigure(scenario: string, figure: string, value: string | number): void {
  mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
  appendFileSync(FIGURES_FILE, `${JSON.stringify({ scenario, figure, value } satisfies Figure)}\n`);
}
