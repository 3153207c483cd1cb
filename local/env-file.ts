/**
 * The environment file `npm start` writes (`.local-cloud/env`) for other terminals to `source` and for the local
 * tools to read. Values are single-quoted: Azurite's connection string holds `;`, which a shell would otherwise take
 * for the end of the command, leaving a truncated value behind.
 */
export function envFileText(env: Readonly<Record<string, string>>): string {
  return `${Object.entries(env)
    .map(([key, value]) => `export ${key}='${value.replaceAll("'", `'\\''`)}'`)
    .join('\n')}\n`;
}

/** Reads `export KEY=value` lines, quoted as envFileText writes them or not. */
export function parseEnvFile(text: string): Record<string, string> {
  const entries = text
    .split('\n')
    .map((line) => /^export ([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
    .flatMap((match) => (match?.[1] && match[2] !== undefined ? [[match[1], unquote(match[2])] as const] : []));
  return Object.fromEntries(entries);
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith("'") && value.endsWith("'")
    ? value.slice(1, -1).replaceAll(`'\\''`, "'")
    : value;
}
