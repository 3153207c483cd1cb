import { readFileSync } from 'node:fs';
import type { Output } from '#cli/output';
import { eventSummary, renderEvents } from '#cli/render';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTriggerText } from '#events/parse-trigger';
import { MalformedPayloadError } from '#events/trigger-parser';

export class UnreadableInputError extends Error {
  override readonly name = 'UnreadableInputError';
}

/** Reads a trigger payload from a file ('-' for stdin); unreadable input is a usage error, not a crash. */
export function readPayloadFile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UnreadableInputError(
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

export function parseEventFile(file: string) {
  try {
    return parseTriggerText(readPayloadFile(file), DEFAULT_PARSERS);
  } catch (error) {
    if (error instanceof MalformedPayloadError) throw new MalformedPayloadError(`${file}: ${error.message}`);
    throw error;
  }
}

export function inspectEvent(out: Output, file: string, options: { json?: boolean }): void {
  const events = parseEventFile(file);
  if (options.json) {
    for (const event of events) out.json(eventSummary(event));
    return;
  }
  renderEvents(out, events);
}
