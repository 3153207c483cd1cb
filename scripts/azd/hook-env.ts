/** What an azd hook reads from the azd environment (azd passes its values, the Bicep outputs included, as variables). */
export class AzdHookError extends Error {
  override readonly name = 'AzdHookError';
}

export type HookEnv = Readonly<Record<string, string | undefined>>;

/** The named values, or one error naming every one that is missing and what sets it. */
export function requireEnv<const Name extends string>(env: HookEnv, names: readonly Name[]): Record<Name, string> {
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new AzdHookError(
      `${missing.join(', ')} not set: run this through azd (\`azd up\`/\`azd deploy\`) after \`azd provision\`, ` +
        'whose outputs set them',
    );
  }
  return Object.fromEntries(names.map((name) => [name, env[name] as string])) as Record<Name, string>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs a hook's main and turns a failure into one line and a non-zero exit, which stops azd. */
export function runHook(name: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
