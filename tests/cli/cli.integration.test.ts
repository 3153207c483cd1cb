import { EXIT, main } from '#cli/main';
import { MEMORY_STATE_NOTE } from '#cli/state-store';
import { type LocalCloud, startLocalCloud } from '#local/local-cloud';
import { SEED_SECRETS, seedEstate } from '#local/seed-estate';
import { capturedOutput } from '#test-helpers/captured-output';

/** Canary values: if any of these shows up in anything the CLI prints or logs, a secret leaked. */
const CANARY_API_SECRET = 'CANARY-confluent-api-secret-5f1d2c';
const CANARY_DB_PASSWORD = 'CANARY-orders-db-password-9e7a41';

describe('connector-reloader CLI against the local cloud', () => {
  let cloud: LocalCloud;
  const savedEnv = { ...process.env };
  let stderr = '';
  let stderrSpy: jest.SpyInstance;

  beforeAll(async () => {
    cloud = await startLocalCloud({
      provisioningMs: 200,
      confluentKey: { apiKey: 'cli-test-key', apiSecret: CANARY_API_SECRET },
      secretValues: { [SEED_SECRETS.ordersDb]: `{"password":"${CANARY_DB_PASSWORD}"}` },
    });
    // The SDKs read endpoint and credentials from the process environment, as when deployed.
    Object.assign(process.env, cloud.env, { LOG_LEVEL: 'debug', NO_COLOR: '1' });
  });

  beforeEach(() => {
    stderr = '';
    stderrSpy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
  });

  afterEach(() => {
    stderrSpy.mockRestore();
  });

  afterAll(async () => {
    process.env = savedEnv;
    await cloud.close();
  });

  function assertNoCanary(text: string) {
    expect(text).not.toContain(CANARY_API_SECRET);
    expect(text).not.toContain(CANARY_DB_PASSWORD);
  }

  it('status lists every connector with state and referenced secrets', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();

    // Act
    const code = await main(['status', '--json'], output);

    // Assess
    expect(code).toBe(EXIT.ok);
    const rows = chunks.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(rows).toHaveLength(seedEstate().connectors.length);
    expect(rows.find((row) => row.connector === 'env-prod01/lkc-orders1/orders-archive-s3')).toMatchObject({
      state: 'PAUSED',
      secrets: [SEED_SECRETS.ordersDb],
    });
    assertNoCanary(chunks.out + chunks.err + stderr);
  });

  it('plan is a dry run: it names every action and reason and sends no mutating request', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();
    cloud.confluent.control.resetRequests();

    // Act
    const code = await main(['plan', '--secret', 'prod/orders-db', '--json'], output);

    // Assess
    expect(code).toBe(EXIT.ok);
    const plan = JSON.parse(chunks.out);
    const actions = Object.fromEntries(
      plan.targets.map((t: { connector: { name: string }; decision: { action: string; reason?: string } }) => [
        t.connector.name,
        t.decision.reason ?? t.decision.action,
      ]),
    );
    expect(actions).toEqual({
      'orders-cdc': 'dry-run',
      'orders-outbox': 'dry-run',
      'orders-archive-s3': 'paused',
      'payments-ledger-cdc': 'dry-run',
    });
    const mutating = cloud.confluent.control.requests().filter((r) => r.method !== 'GET');
    expect(mutating).toEqual([]);
    assertNoCanary(chunks.out + chunks.err + stderr);
  });

  it('reload --yes restarts and verifies the affected connectors and skips the paused one', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();
    const restartsBefore = cloud.confluent.control.connector('env-prod01/lkc-orders1/orders-cdc').restarts;

    // Act
    const code = await main(['reload', '--secret', SEED_SECRETS.ordersDb, '--yes', '--json'], output);

    // Assess
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(chunks.out);
    const results = Object.fromEntries(
      report.outcomes.map((o: { connector: { name: string }; result: string }) => [o.connector.name, o.result]),
    );
    expect(results).toEqual({
      'orders-cdc': 'restarted',
      'orders-outbox': 'restarted',
      'orders-archive-s3': 'skipped',
      'payments-ledger-cdc': 'restarted',
    });
    expect(cloud.confluent.control.connector('env-prod01/lkc-orders1/orders-cdc').restarts).toBe(restartsBefore + 1);
    expect(cloud.confluent.control.connector('env-prod01/lkc-orders1/orders-archive-s3').state).toBe('PAUSED');
    // The logs were captured (so the canary check below covers them too).
    expect(stderr).toContain('"message":"reload outcome"');
    assertNoCanary(chunks.out + chunks.err + stderr);
  });

  it('fits every human table in 120 columns, eliding long ids; --wide prints them whole', async () => {
    // Prepare: every command that prints a table, on the seeded estate (ARNs, Key Vault URIs, long details).
    const commands = [
      ['status'],
      ['status', '--secret', 'prod/orders-db'],
      ['plan', '--secret', 'prod/orders-db'],
      ['reload', '--secret', SEED_SECRETS.paymentsApiKey, '--yes'],
      ['doctor', '--secret', 'prod/orders-db'],
      ['inspect-event', 'events/aws/secret-label-updated.json'],
      ['restart', 'env-prod01/lkc-orders1/orders-datagen', '--yes'],
    ];
    const widest = (text: string) => Math.max(...text.split('\n').map((line) => [...line].length));

    // Act
    const printed: { args: string[]; fitted: string; wide: string }[] = [];
    for (const args of commands) {
      const fitted = capturedOutput();
      const wide = capturedOutput();
      await main(args, fitted.output);
      await main([...args, '--wide'], wide.output);
      printed.push({ args, fitted: fitted.chunks.out, wide: wide.chunks.out });
    }

    // Assess
    const tooWide = printed.filter(({ fitted }) => widest(fitted) > 120).map(({ args, fitted }) => [args, fitted]);
    expect(tooWide).toEqual([]);
    expect(printed.every(({ fitted }) => fitted.includes('┌'))).toBe(true);
    const [status] = printed;
    expect(status?.fitted).toContain('arn:…:prod/orders-db-Ab12Cd');
    expect(status?.fitted).toContain('env-prod01/lkc-azan01/analytics-blob-sink');
    expect(status?.fitted).not.toContain(SEED_SECRETS.ordersDb);
    expect(status?.wide).toContain(SEED_SECRETS.ordersDb);
    expect(status?.wide).toContain(SEED_SECRETS.analyticsDb);
    expect(widest(status?.wide ?? '')).toBeGreaterThan(120);
  });

  it('reload refuses to act without --yes when not on a terminal', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();

    // Act
    const code = await main(['reload', '--secret', SEED_SECRETS.ordersDb], output);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(chunks.err.trim()).toBe('error: not a terminal: pass --yes to restart without asking');
  });

  it('says once on stderr, never in --json stdout, that without a state store the state is process memory', async () => {
    // Prepare
    const reloaded = capturedOutput();
    const listed = capturedOutput();

    // Act
    const code = await main(['reload', '--secret', SEED_SECRETS.crmToken, '--yes', '--json'], reloaded.output);
    await main(['status', '--json'], listed.output);

    // Assess
    expect(code).toBe(EXIT.ok);
    expect(reloaded.chunks.err).toBe(`${MEMORY_STATE_NOTE}\n`);
    expect(JSON.parse(reloaded.chunks.out)).toMatchObject({ secret: SEED_SECRETS.crmToken });
    expect(listed.chunks.err).toBe('');
  });

  it('refuses unlock and budget on process memory, naming the variables that point at the deployed state', async () => {
    // Prepare
    const unlocked = capturedOutput();
    const budget = capturedOutput();

    // Act
    const unlockCode = await main(['unlock', 'env-prod01/lkc-orders1/orders-cdc', '--yes'], unlocked.output);
    const budgetCode = await main(['budget', 'show', 'env-prod01/lkc-orders1/orders-cdc'], budget.output);

    // Assess
    expect([unlockCode, budgetCode]).toEqual([EXIT.usage, EXIT.usage]);
    expect(unlocked.chunks.err).toMatch(/^error: unlock works on the deployed functions' state: set STATE_TABLE/);
    expect(budget.chunks.err).toMatch(/^error: budget show works on the deployed functions' state/);
  });

  it('asks on a terminal before restarting, and restarts nothing on "n"', async () => {
    // Prepare
    const answeredNo = capturedOutput({ answers: ['n'] });
    const answeredYes = capturedOutput({ answers: ['y'] });
    const key = 'env-prod01/lkc-orders1/orders-datagen';
    const before = cloud.confluent.control.connector(key).restarts;

    // Act
    const noCode = await main(['restart', key], answeredNo.output);
    const afterNo = cloud.confluent.control.connector(key).restarts;
    const yesCode = await main(['restart', key, '--json'], answeredYes.output);

    // Assess
    expect(noCode).toBe(EXIT.ok);
    expect(answeredNo.chunks.err).toContain(`Restart ${key} (RUNNING, tasks 1 RUNNING) and verify it? [y/N]`);
    expect(answeredNo.chunks.out.trim()).toBe('nothing restarted');
    expect(afterNo).toBe(before);
    expect(yesCode).toBe(EXIT.ok);
    expect(JSON.parse(answeredYes.chunks.out)).toMatchObject({ result: 'restarted' });
    expect(cloud.confluent.control.connector(key).restarts).toBe(before + 1);
  });

  it('doctor reports the Standard cluster with its fix, and exits 1', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();

    // Act
    const code = await main(['doctor', '--secret', SEED_SECRETS.paymentsApiKey, '--json'], output);

    // Assess
    expect(code).toBe(EXIT.failed);
    const findings = chunks.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(findings).toContainEqual(expect.objectContaining({ check: 'credentials', ok: true }));
    expect(findings).toContainEqual(
      expect.objectContaining({
        check: 'cluster env-stage01/lkc-stage01',
        ok: false,
        fix: expect.stringContaining('CONFLUENT_SCOPES'),
      }),
    );
    assertNoCanary(chunks.out + chunks.err + stderr);
  });

  it('doctor reads the provider integrations: who uses each, whether the scan can see them, plain-config holders', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();

    // Act
    await main(['doctor', '--json'], output);

    // Assess
    const findings = chunks.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(findings).toContainEqual({
      check: 'integration cspi-azr0001',
      ok: true,
      detail:
        'AZURE pim/v2 ACTIVE "prod-key-vault": used by env-prod01/lkc-azan01/analytics-sql-sink, env-prod01/lkc-azan01/analytics-audit-sink, env-prod01/lkc-azan01/analytics-blob-sink',
    });
    expect(findings).toContainEqual({
      check: 'connector env-prod01/lkc-orders1/orders-cdc',
      ok: true,
      detail: `uses cspi-aws0001; references read back in clear: ${SEED_SECRETS.ordersDb}`,
    });
    expect(findings).toContainEqual(
      expect.objectContaining({
        check: 'connector env-prod01/lkc-pay01/payments-refunds-http',
        note: true,
        detail: expect.stringContaining('(plain-config)'),
      }),
    );
    expect(findings.filter((f) => !f.ok).map((f) => f.check)).toEqual(['cluster env-stage01/lkc-stage01']);
    assertNoCanary(chunks.out + chunks.err + stderr);
  });

  it('doctor turns a 403 or 404 from pim into a note, never a problem', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();
    cloud.confluent.control.setProviderIntegrationApi('v1', 'forbidden');
    cloud.confluent.control.setProviderIntegrationApi('v2', 'not-found');

    // Act
    try {
      await main(['doctor', '--json'], output);
    } finally {
      cloud.confluent.control.setProviderIntegrationApi('v1', 'available');
      cloud.confluent.control.setProviderIntegrationApi('v2', 'available');
    }

    // Assess
    const findings = chunks.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const notes = findings.filter((f) => f.check === 'provider integrations env-prod01');
    expect(notes).toEqual([
      expect.objectContaining({ ok: true, note: true, detail: expect.stringContaining('pim/v1 not read (HTTP 403') }),
      expect.objectContaining({ ok: true, note: true, detail: expect.stringContaining('pim/v2 not read (HTTP 404') }),
    ]);
    expect(findings.filter((f) => !f.ok).map((f) => f.check)).toEqual(['cluster env-stage01/lkc-stage01']);
  });

  it('reports wrong Confluent credentials clearly, without the secret', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();
    const env = { ...process.env };
    delete process.env.CONFLUENT_CREDENTIALS_SECRET;
    Object.assign(process.env, {
      CONFLUENT_CLOUD_API_KEY: 'cli-test-key',
      CONFLUENT_CLOUD_API_SECRET: `${CANARY_API_SECRET}-wrong`,
    });

    // Act
    const code = await main(['status'], output);
    process.env = env;

    // Assess
    expect(code).toBe(EXIT.failed);
    expect(chunks.err).toMatch(/^error: .*401/);
    assertNoCanary(chunks.out + chunks.err + stderr);
  });

  it('rejects an invalid setting by naming the variable', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();
    process.env.RESTART_METHOD = 'bounce';

    // Act
    const code = await main(['status'], output);
    delete process.env.RESTART_METHOD;

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(chunks.err.trim()).toBe(
      'error: invalid configuration: RESTART_METHOD: expected auto, restart or pause-resume',
    );
  });
});
