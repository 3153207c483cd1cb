import { Command, CommanderError, Option } from 'commander';
import { InvalidSettingError } from '#config/settings';
import { InvalidConnectorRefError } from '#core/connector-ref';
import { type CloudProvider, InvalidSecretRefError, parseSecretRef } from '#core/secret-ref';
import { InvalidTargetMappingError } from '#core/target-mapping';
import { MalformedPayloadError } from '#events/trigger-parser';
import packageJson from '../package.json';
import { ack, InvalidUntilError } from './commands/ack';
import { budgetReset, budgetShow } from './commands/budget';
import { doctor } from './commands/doctor';
import { inspectEvent, UnreadableInputError } from './commands/inspect-event';
import { NothingToPlanError, plan, rotationsFrom } from './commands/plan';
import { reload } from './commands/reload';
import { restart } from './commands/restart';
import { secretCoverage, status } from './commands/status';
import { unlock } from './commands/unlock';
import { ConfirmationRequiredError } from './confirm';
import { Output } from './output';
import { type CliRuntime, createCliRuntime, MissingCredentialsError } from './runtime';
import { MEMORY_STATE_NOTE, STATE_STORE_NAMES, StateStoreChoiceError, type StateStoreName } from './state-store';

/** Errors that mean "the input or configuration is wrong": one line, exit 2, no stack trace. */
const USAGE_ERRORS = [
  MalformedPayloadError,
  UnreadableInputError,
  InvalidSecretRefError,
  InvalidConnectorRefError,
  InvalidSettingError,
  InvalidTargetMappingError,
  InvalidUntilError,
  MissingCredentialsError,
  NothingToPlanError,
  ConfirmationRequiredError,
  StateStoreChoiceError,
];

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

const SECRET_HELP = 'secret ARN, name (AWS, region from AWS_REGION), Key Vault URI or projects/<p>/secrets/<name>';
const CONNECTOR_HELP = 'env-id/lkc-id/connector-name';

interface TableOptions {
  readonly json?: boolean;
  readonly wide?: boolean;
}
interface StateOptions {
  readonly stateStore?: StateStoreName;
}

/** Runs the CLI and returns its exit code; never throws. */
export async function main(argv: readonly string[], out = new Output()): Promise<number> {
  let exitCode: number = EXIT.ok;
  const fail = (ok: boolean) => {
    if (!ok) exitCode = EXIT.failed;
  };
  /**
   * The runtime of a command that reads or takes locks: on the functions' state store when one is configured (the
   * secret's cloud picks one when both are), else process memory, said on stderr when first used (never on stdout).
   */
  const stateRuntime = (options: StateOptions & { dryRun?: boolean; provider?: CloudProvider }): CliRuntime =>
    createCliRuntime({
      ...(options.dryRun ? { dryRun: true } : {}),
      state: {
        ...(options.stateStore ? { choice: options.stateStore } : {}),
        ...(options.provider ? { provider: options.provider } : {}),
        onMemoryInUse: () => out.error(MEMORY_STATE_NOTE),
      },
    });
  const program = new Command()
    .name('connector-reloader')
    .description('Restart Confluent Cloud connectors after their secrets rotate, and verify they come back RUNNING.')
    .version(packageJson.version)
    .exitOverride()
    .configureOutput({ writeOut: (text) => out.line(text.trimEnd()), writeErr: (text) => out.error(text.trimEnd()) })
    .hook('preAction', (_program, command) => {
      out.wide = Boolean((command.opts() as TableOptions).wide);
    });

  const tableCommand = (command: Command, json = 'machine-readable output') =>
    command.option('--json', json).option('--wide', 'tables and ids in full, however wide (default: fit 120 columns)');
  const stateOption = (command: Command) =>
    command.addOption(
      new Option(
        '--state-store <store>',
        'where locks and applied versions live (default: from STATE_TABLE / AZURE_STATE_TABLE_* / GCP_STATE_BUCKET)',
      ).choices(STATE_STORE_NAMES),
    );
  const yesOption = (command: Command) => command.option('--yes', 'do not ask for confirmation');

  tableCommand(
    program
      .command('inspect-event')
      .description(
        'normalize a trigger payload (EventBridge, Event Grid, CloudEvents, Pub/Sub push, Confluent webhook) or say why it is ignored',
      )
      .argument('<file>', "payload file, or '-' for stdin"),
    'one JSON object per event, one per line',
  ).action((file: string, options: TableOptions) => inspectEvent(out, file, options));

  stateOption(
    tableCommand(
      program
        .command('plan')
        .description('dry run: list each affected connector and what would happen to it, with reasons')
        .option('--secret <ref>', SECRET_HELP)
        .option('--event <file>', 'a trigger payload file'),
    ),
  ).action((options: { secret?: string; event?: string } & TableOptions & StateOptions) =>
    plan(
      out,
      stateRuntime({ ...options, dryRun: true, ...providerOf(rotationsFrom(options)[0]?.secret.provider) }),
      options,
    ),
  );

  stateOption(
    yesOption(
      tableCommand(
        program
          .command('reload')
          .description('manually reload the connectors that depend on a secret: restart and verify')
          .requiredOption('--secret <ref>', SECRET_HELP),
      ),
    ),
  ).action(async (options: { secret: string; yes?: boolean } & TableOptions & StateOptions) =>
    fail(await reload(out, stateRuntime({ ...options, ...secretProvider(options.secret) }), options)),
  );

  stateOption(
    tableCommand(
      program
        .command('status')
        .description(
          'connectors in scope with their state and the secrets they reference; with --secret, who is on its current version',
        )
        .option(
          '--secret <ref>',
          `rotation coverage of this secret (${SECRET_HELP}); exit 0 only when every dependent connector is covered`,
        ),
      'one JSON object per connector, one per line (with --secret: one object)',
    ),
  ).action(async (options: { secret?: string } & TableOptions & StateOptions) => {
    if (!options.secret) return status(out, createCliRuntime(), options);
    const runtime = stateRuntime({ ...options, dryRun: true, ...secretProvider(options.secret) });
    fail(await secretCoverage(out, runtime, { ...options, secret: options.secret }));
  });

  tableCommand(
    program
      .command('doctor')
      .description(
        "check credentials, scopes, cluster kind and cloud, and a secret's tags; print each problem and its fix",
      )
      .option('--secret <ref>', 'also check this secret'),
    'one JSON object per finding',
  ).action(async (options: { secret?: string } & TableOptions) => fail(await doctor(out, createCliRuntime(), options)));

  stateOption(
    yesOption(
      tableCommand(
        program
          .command('restart')
          .description(
            'restart one connector under its lock (as the functions take it) and verify it comes back RUNNING',
          )
          .argument('<connector>', CONNECTOR_HELP),
      ),
    ),
  ).action(async (target: string, options: { yes?: boolean } & TableOptions & StateOptions) =>
    fail(await restart(out, stateRuntime(options), target, options)),
  );

  stateOption(
    yesOption(
      tableCommand(
        program
          .command('unlock')
          .description("clear a connector's stranded lock (left by an invocation that died), after showing who held it")
          .argument('<connector>', CONNECTOR_HELP),
      ),
    ),
  ).action(async (target: string, options: { yes?: boolean } & TableOptions & StateOptions) =>
    fail(await unlock(out, stateRuntime(options), target, options)),
  );

  stateOption(
    yesOption(
      tableCommand(
        program
          .command('ack')
          .description(
            "silence a connector's alerts (re-armed budgets, repeats) until TIME, or until it is healthy again",
          )
          .argument('<connector>', CONNECTOR_HELP)
          .option('--until <time>', 'ISO 8601 time, or a duration from now: 90m, 12h, 7d'),
      ),
    ),
  ).action(async (target: string, options: { until?: string; yes?: boolean } & TableOptions & StateOptions) =>
    fail(await ack(out, stateRuntime(options), target, options)),
  );

  const budget = program
    .command('budget')
    .description("a connector's automatic failure-restart budget (MAX_AUTO_RESTARTS, backoff, re-arm)");
  stateOption(
    tableCommand(
      budget
        .command('show')
        .description('restarts used, the next one allowed, when it re-arms')
        .argument('<connector>', CONNECTOR_HELP),
    ),
  ).action((target: string, options: TableOptions & StateOptions) =>
    budgetShow(out, stateRuntime(options), target, options),
  );
  stateOption(
    yesOption(
      tableCommand(
        budget
          .command('reset')
          .description('give the connector its whole budget back, so recovery restarts it at its next failure')
          .argument('<connector>', CONNECTOR_HELP),
      ),
    ),
  ).action(async (target: string, options: { yes?: boolean } & TableOptions & StateOptions) =>
    fail(await budgetReset(out, stateRuntime(options), target, options)),
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

function providerOf(provider: CloudProvider | undefined): { provider?: CloudProvider } {
  return provider ? { provider } : {};
}

/** The cloud of a `--secret` reference (a bare name is an AWS secret), to pick the state store by. */
function secretProvider(ref: string): { provider?: CloudProvider } {
  return providerOf(parseSecretRef(ref, { provider: 'aws' }).provider);
}
