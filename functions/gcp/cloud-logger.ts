import type { Logger } from '#core/ports';
import { redact, redactDeep } from '#observability/redaction';

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SEVERITY: Record<Level, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };

/**
 * The core Logger port for Cloud Run functions: one JSON line per entry on stdout, which Cloud Logging reads as a
 * structured entry (`severity`, `message`, the fields as jsonPayload). Every string is redacted.
 */
export function cloudLogger(
  level: Level,
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  const at =
    (lineLevel: Level) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (RANK[lineLevel] < RANK[level]) return;
      write(
        JSON.stringify({
          severity: SEVERITY[lineLevel],
          message: redact(message),
          ...(fields ? redactDeep(fields) : {}),
        }),
      );
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
