import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SHARED_SETTINGS } from '#config/read-settings';
import { RUNTIMES, type Runtime, SETTINGS, type SettingName, type SettingRow } from '#config/setting-table';
import { InvalidSettingError, loadSettings } from '#config/settings';
import { STARTUP_RULES } from '#config/startup-rules';
import { loadAwsSettings } from '#functions/aws/aws-settings';
import { loadAzureSettings } from '#functions/azure/azure-settings';
import { loadGcpSettings } from '#functions/gcp/gcp-settings';

const ROOT = path.resolve(__dirname, '../..');
const ROWS = Object.entries(SETTINGS) as [SettingName, SettingRow][];

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

/** Product code only (what a runtime runs), without comments, by file. */
const PRODUCT = new Map(
  ['functions', 'shared', 'cli'].flatMap(sourceFiles).map((file) => [
    file,
    readFileSync(path.join(ROOT, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, ''),
  ]),
);

/** Where each runtime's code lives; loadSettings (settings.ts) is part of all four. */
const RUNTIME_CODE: Record<Runtime, (file: string) => boolean> = {
  aws: (file) => file.startsWith('functions/aws/'),
  azure: (file) => file.startsWith('functions/azure/'),
  gcp: (file) => file.startsWith('functions/gcp/'),
  cli: (file) => file.startsWith('cli/'),
};

describe('the setting table', () => {
  it('has a row for every environment variable the code reads directly', () => {
    // Prepare
    const read = new Set<string>();
    for (const text of PRODUCT.values()) {
      for (const match of text.matchAll(/\benv(?:\?)?(?:\.|\[['"])([A-Z][A-Z0-9_]+)/g)) read.add(match[1] ?? '');
    }

    // Act
    const missing = [...read].filter((name) => !(name in SETTINGS));

    // Assess
    expect(read.size).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it('sees every read: no code but readSettings reads a variable by a computed name', () => {
    // Prepare: `env[name]` with a name held in a variable hides which one is read from the test above.
    const computed = /\benv\??\.?\[(?!['"])/g;

    // Act
    const hidden = [...PRODUCT]
      // host-limits.ts reads the Functions host's own host.json overrides (AzureFunctionsJobHost__…), named in one
      // constant there: the host's settings, not the reloader's, so they have no row.
      .filter(([file]) => file !== 'shared/config/read-settings.ts' && file !== 'functions/azure/host-limits.ts')
      .flatMap(([file, text]) => [...text.matchAll(computed)].map(() => file));

    // Assess
    expect(hidden).toEqual([]);
  });

  it('has no row that some runtime it names does not read', () => {
    // Prepare
    const mentions = (pattern: string, file: string) => new RegExp(pattern).test(PRODUCT.get(file) ?? '');
    const runtimeMentions = (runtime: Runtime, pattern: string) =>
      [...PRODUCT.keys()].some((file) => RUNTIME_CODE[runtime](file) && mentions(pattern, file));
    // A rule's variables are read by every runtime whose loader reads all of its rows (settingsReadBy).
    const ruleVariables = new Set<string>(STARTUP_RULES.flatMap((rule) => rule.variables));
    const readBy = (name: SettingName, runtime: Runtime) =>
      (SHARED_SETTINGS as readonly string[]).includes(name)
        ? mentions(`\\b${name}\\b`, 'shared/config/settings.ts')
        : runtimeMentions(runtime, `\\b${name}\\b`) ||
          (ruleVariables.has(name) && runtimeMentions(runtime, `settingsReadBy\\('${runtime}'\\)`));

    // Act
    const unread = ROWS.flatMap(([name, row]) =>
      row.runtimes.length === 0
        ? [`${name}: no runtime`]
        : row.runtimes.filter((r) => !readBy(name, r)).map((r) => `${name}: ${r}`),
    );

    // Assess
    expect(unread).toEqual([]);
    for (const runtime of RUNTIMES) {
      const entry = [...PRODUCT].filter(([file]) => RUNTIME_CODE[runtime](file));
      expect(entry.some(([, text]) => /\bloadSettings\(/.test(text))).toBe(true);
    }
  });

  it('validates a row only in the runtimes that read it', () => {
    // Prepare
    const base = {
      CONFLUENT_CREDENTIALS_SECRET: 'https://contoso.vault.azure.net/secrets/confluent-cloud-api-key',
      STATE_TABLE: 'state',
      IDEMPOTENCY_TABLE: 'idempotency',
      AZURE_STATE_TABLE_ENDPOINT: 'https://st.table.core.windows.net',
    };
    // The Cloud Run functions' required rows, and their own API key in Secret Manager.
    const gcpBase = {
      ...base,
      CONFLUENT_CREDENTIALS_SECRET: 'projects/acme-prod/secrets/confluent-cloud-api-key',
      GCP_STATE_BUCKET: 'acme-prod-connector-reloader-state',
      GCP_TASK_QUEUE: 'projects/acme-prod/locations/us-central1/queues/connector-reloader',
      GCP_RELOAD_URL: 'https://us-central1-acme-prod.cloudfunctions.net/connector-reloader-reload',
      GCP_RECOVER_URL: 'https://us-central1-acme-prod.cloudfunctions.net/connector-reloader-recover',
    };
    const load: Record<Runtime, (env: Record<string, string>) => unknown> = {
      aws: (env) => [loadSettings({ ...base, ...env }), loadAwsSettings({ ...base, ...env })],
      azure: (env) => loadAzureSettings(loadSettings({ ...base, ...env }), { ...base, ...env }),
      gcp: (env) => loadGcpSettings(loadSettings({ ...gcpBase, ...env }), { ...gcpBase, ...env }),
      cli: (env) => loadSettings({ ...base, ...env }),
    };
    // The CLI reads its own rows (NO_COLOR, the regions) directly, where it uses them; they take any text.
    const validatedBy = (row: SettingRow, name: SettingName, runtime: Runtime) =>
      row.runtimes.includes(runtime) && (runtime !== 'cli' || (SHARED_SETTINGS as readonly string[]).includes(name));

    // Act
    const wrong = ROWS.flatMap(([name, row]) => {
      const invalid = ['not a value', '   '].find((text) => !row.kind.schema.safeParse(text).success);
      if (invalid === undefined) return [];
      return RUNTIMES.flatMap((runtime) => {
        let message = '';
        try {
          load[runtime]({ [name]: invalid });
        } catch (error) {
          if (!(error instanceof InvalidSettingError)) throw error;
          message = error.message;
        }
        const rejected = message.includes(`${name}:`);
        return rejected === validatedBy(row, name, runtime) ? [] : [`${name} on ${runtime}: rejected=${rejected}`];
      });
    });

    // Assess
    for (const runtime of RUNTIMES) expect(() => load[runtime]({})).not.toThrow();
    expect(wrong).toEqual([]);
  });

  it('has a valid default for every row that has one', () => {
    // Act
    const invalid = ROWS.filter(
      ([, row]) => row.default !== undefined && !row.kind.schema.safeParse(row.default).success,
    );

    // Assess
    expect(invalid.map(([name]) => name)).toEqual([]);
  });
});

describe('the deploy parameters in the table', () => {
  const serverless = parse(readFileSync(path.join(ROOT, 'serverless.yml'), 'utf8')) as {
    params: { default: Record<string, unknown> };
    provider: { timeout: number };
    functions: Record<string, { timeout?: number; environment?: Record<string, string> }>;
  };
  const bicep = readFileSync(path.join(ROOT, 'infra/azure/main.bicep'), 'utf8');
  const appSettings = new Map(
    [...bicep.matchAll(/\{ name: '([A-Za-z0-9_]+)', value: ([^}]+) \}/g)].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]),
  );
  const terraform = readFileSync(path.join(ROOT, 'infra/gcp/main.tf'), 'utf8');
  /** What infra/gcp gives every Cloud Run function: `locals { env = merge(var.environment, { NAME = value … }) }`. */
  const cloudRunEnvironment = new Map(
    [
      ...(/^ {2}env = merge\(var\.environment, \{\n([\s\S]*?)^ {2}\}\)/m.exec(terraform)?.[1] ?? '').matchAll(
        /^\s+([A-Z][A-Z0-9_]*)\s+=\s+(.+)$/gm,
      ),
    ].map((m) => [m[1] ?? '', (m[2] ?? '').trim()]),
  );
  /** What serverless/environment.js gives every function, each param resolved to a marker naming it. */
  const lambdaEnvironment = async (): Promise<Record<string, unknown>> => {
    const { environment } = require('../../serverless/environment.js') as {
      environment: (input: unknown) => Promise<Record<string, unknown>>;
    };
    return environment({
      options: { stage: 'ci' },
      resolveVariable: async (variable: string) => `«${variable.replace(/^param:/, '')}»`,
    });
  };
  // Read by the runtimes themselves (Powertools, Node, the Functions host), not by the reloader's code.
  const PLATFORM_VARIABLES = [
    'POWERTOOLS_SERVICE_NAME',
    'NODE_OPTIONS',
    'AzureWebJobsStorage__accountName',
    'APPLICATIONINSIGHTS_CONNECTION_STRING',
  ];

  it('names serverless.yml params that serverless/environment.js passes to that variable', async () => {
    // Prepare
    const environment = await lambdaEnvironment();
    const functionVariables = Object.values(serverless.functions).flatMap((fn) => Object.keys(fn.environment ?? {}));

    // Act
    const wrong = ROWS.flatMap(([name, row]) => {
      const by = row.deploy?.serverless;
      if (!by) return name in environment ? [`${name}: set by environment.js, no deploy entry`] : [];
      if (!('param' in by)) return name in environment || functionVariables.includes(name) ? [] : [`${name}: not set`];
      if (!(by.param in serverless.params.default)) return [`${name}: no param ${by.param}`];
      return environment[name] === `«${by.param}»` ? [] : [`${name}: not from param ${by.param}`];
    });
    const unknown = [...Object.keys(environment), ...functionVariables].filter(
      (name) => !(name in SETTINGS) && !PLATFORM_VARIABLES.includes(name),
    );

    // Assess
    expect(wrong).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it('names main.bicep parameters that the app settings pass to that variable', () => {
    // Act
    const wrong = ROWS.flatMap(([name, row]) => {
      const by = row.deploy?.bicep;
      if (!by) return appSettings.has(name) ? [`${name}: an app setting, no deploy entry`] : [];
      if (!('param' in by)) return appSettings.has(name) ? [] : [`${name}: not an app setting`];
      if (!new RegExp(`^param ${by.param} `, 'm').test(bicep)) return [`${name}: no param ${by.param}`];
      return new RegExp(`\\b${by.param}\\b`).test(appSettings.get(name) ?? '') ? [] : [`${name}: not from ${by.param}`];
    });
    const unknown = [...appSettings.keys()].filter((name) => !(name in SETTINGS) && !PLATFORM_VARIABLES.includes(name));

    // Assess
    expect(wrong).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it("names infra/gcp/main.tf variables that the Cloud Run functions' environment passes to that variable", () => {
    // Act
    const wrong = ROWS.flatMap(([name, row]) => {
      const by = row.deploy?.terraform;
      const given = cloudRunEnvironment.get(name);
      if (!by) return given === undefined ? [] : [`${name}: in the functions' environment, no deploy entry`];
      if (!('param' in by)) return given === undefined ? [`${name}: not in the functions' environment`] : [];
      if (!new RegExp(`^variable "${by.param}" `, 'm').test(terraform)) return [`${name}: no variable ${by.param}`];
      return new RegExp(`\\bvar\\.${by.param}\\b`).test(given ?? '') ? [] : [`${name}: not from var.${by.param}`];
    });
    const unknown = [...cloudRunEnvironment.keys()].filter((name) => !(name in SETTINGS));

    // Assess
    expect(cloudRunEnvironment.size).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
    expect(unknown).toEqual([]);
  });

  it('gives every restarting Lambda function its own timeout as FUNCTION_TIMEOUT_SECONDS, which the defaults fit', () => {
    // Prepare
    const resolve = (reference: string | undefined): number | undefined => {
      const match = /^\$\{self:(provider|functions\.(\w+))\.timeout\}$/.exec(reference ?? '');
      if (!match) return undefined;
      return match[2] ? serverless.functions[match[2]]?.timeout : serverless.provider.timeout;
    };

    // Act
    const given = Object.entries(serverless.functions).map(([name, fn]) => ({
      name,
      timeout: fn.timeout ?? serverless.provider.timeout,
      passed: resolve(fn.environment?.FUNCTION_TIMEOUT_SECONDS),
    }));

    // Assess
    // The webhook only queues failures (10 s): it restarts nothing, so it has nothing to fit.
    expect(given.filter((fn) => fn.passed === undefined).map((fn) => fn.name)).toEqual(['connectorFailureWebhook']);
    for (const fn of given.filter((candidate) => candidate.passed !== undefined)) {
      expect(fn.passed).toBe(fn.timeout);
      const env = { STATE_TABLE: 's', IDEMPOTENCY_TABLE: 'i', FUNCTION_TIMEOUT_SECONDS: String(fn.passed) };
      expect(() => loadAwsSettings(env)).not.toThrow();
    }
  });

  it('passes host.json functionTimeout to the Function App as FUNCTION_TIMEOUT_SECONDS, which the defaults fit', () => {
    // Prepare
    const host = JSON.parse(readFileSync(path.join(ROOT, 'host.json'), 'utf8')) as { functionTimeout: string };
    const [hours = 0, minutes = 0, seconds = 0] = host.functionTimeout.split(':').map(Number);
    const env = {
      CONFLUENT_CREDENTIALS_SECRET: 'https://contoso.vault.azure.net/secrets/confluent-cloud-api-key',
      AZURE_STATE_TABLE_ENDPOINT: 'https://st.table.core.windows.net',
      FUNCTION_TIMEOUT_SECONDS: String(hours * 3600 + minutes * 60 + seconds),
    };

    // Act
    const act = () => loadAzureSettings(loadSettings(env), env);

    // Assess
    expect(bicep).toContain("loadJsonContent('../../host.json').functionTimeout");
    expect(appSettings.get('FUNCTION_TIMEOUT_SECONDS')).toBe('string(functionTimeoutSeconds)');
    expect(act).not.toThrow();
  });
});
