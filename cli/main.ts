import { Command, CommanderError } from 'commander';
import packageJson from '../package.json';
import { InvalidSettingError } from '../shared/config/settings';
import { InvalidConnectorRefError } from '../shared/core/connector-ref';
import { InvalidSecretRefError } from '../shared/core/secret-ref';
import { InvalidTargetMappingError } from '../shared/core/target-mapping';
import { MalformedPayloadError } from '../shared/events/trigger-parser';
import { doctor } from './commands/doctor';
import { inspectEvent, UnreadableInputError } from './commands/inspect-event';
import { NothingToPlanError, plan } from './commands/plan';
import { ConfirmationRequiredError, reload } from './commands/reload';
import { status } from './commands/status';
import { Output } from './output';
import { createCliRuntime, MissingCredentialsError } from './runtime';

/** Errors that mean "the input or configuration is wrong": one line, exit 2, no stack trace. */
const USAGE_ERRORS = [
  MalformedPayloadError,
  UnreadableInputError,
  InvalidSecretRefError,
  InvalidConnectorRefError,
  InvalidSettingError,
  InvalidTargetMappingError,
  MissingCredentialsError,
  NothingToPlanError,
  ConfirmationRequiredError,
];

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Runs the CLI and returns its exit code; never throws. */
export async function main(argv: readonly string[], out = new Output()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const fail = (ok: boolean) => {
    if (!ok) exitCode = EXIT.failed;
  };
  const program = new Command()
    .name('connector-reloader')
    .description('Restart Confluent Cloud connectors after their secrets rotate, and verify they come back RUNNING.')
    .version(packageJson.version)
    .exitOverride()
    .configureOutput({ writeOut: (text) => out.line(text.trimEnd()), writeErr: (text) => out.error(text.trimEnd()) });

  program
    .command('inspect-event')
    .description(
      'normalize a trigger payload (EventBridge, Event Grid, CloudEvents, Confluent webhook) or say why it is ignored',
    )
    .argument('<file>', "payload file, or '-' for stdin")
    .option('--json', 'one JSON object per event, one per line')
    .action((file: string, options: { json?: boolean }) => inspectEvent(out, file, options));

  program
    .command('plan')
    .description('dry run: list each affected connector and what would happen to it, with reasons')
    .option('--secret <ref>', 'secret ARN, name (AWS, region from AWS_REGION) or Key Vault URI')
    .option('--event <file>', 'a trigger payload file')
    .option('--json', 'machine-readable output')
    .action((options: { secret?: string; event?: string; json?: boolean }) =>
      plan(out, createCliRuntime({ dryRun: true }), options),
    );

  program
    .command('reload')
    .description('manually reload the connectors that depend on a secret: restart and verify')
    .requiredOption('--secret <ref>', 'secret ARN, name (AWS, region from AWS_REGION) or Key Vault URI')
    .option('--yes', 'do not ask for confirmation')
    .option('--json', 'machine-readable output')
    .action(async (options: { secret: string; yes?: boolean; json?: boolean }) =>
      fail(await reload(out, createCliRuntime(), options)),
    );

  program
    .command('status')
    .description('connectors in scope with their state and the secrets they reference')
    .option('--json', 'one JSON object per connector, one per line')
    .action((options: { json?: boolean }) => status(out, createCliRuntime(), options));

  program
    .command('doctor')
    .description(
      "check credentials, scopes, cluster kind and cloud, and a secret's tags; print each problem and its fix",
    )
    .option('--secret <ref>', 'also check this secret')
    .option('--json', 'one JSON object per finding')
    .action(async (options: { secret?: string; json?: boolean }) =>
      fail(await doctor(out, createCliRuntime(), options)),
    );

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (USAGE_ERRORS.some((type) => error instanceof type)) {
      out.error(`error: ${(error as Error).message}`);
      return EXIT.usage;
    }
    out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  }
}
