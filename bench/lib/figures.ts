/** One measured figure: what, how much, in which unit, and the goal it is held to (if any). */
export interface Figure {
  readonly section: string;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Human-readable goal, e.g. "≤ 500 KB". */
  readonly goal?: string;
  readonly pass?: boolean;
  readonly note?: string;
}

export function figure(
  section: string,
  name: string,
  value: number,
  unit: string,
  check?: { goal: string; pass: boolean },
  note?: string,
): Figure {
  return { section, name, value, unit, ...(check ?? {}), ...(note ? { note } : {}) };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Reads a positive whole number from the environment (to shrink a scenario for a quick check run). */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined ? Number.NaN : Number(raw);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}
