import { ConfluentClient } from '#confluent/confluent-client';
import { ConfluentHttp } from '#confluent/confluent-http';
import { StaticCredentials } from '#confluent/static-credentials';
import type { ReloadReport } from '#core/reload-plan';
import { alertFor } from '#notifiers/alert-messages';
import { outcomeEvents, recoveryEvents } from '#notifiers/outcome-events';
import { JsonLogger } from '#observability/json-logger';
import { redactDeep } from '#observability/redaction';
import { boundLength, cleanTrace, MAX_TRACE_LENGTH, scrubCredentials } from '#observability/trace-hygiene';
import { FakeClock } from '#test-helpers/fake-clock';
import { scriptedFetch } from '../confluent/support/fake-fetch';

/** A value the reloader never read, so no registered-value redaction knows it: only its shape gives it away. */
const CANARY = 'Canary-db-pass-4f2e9';
const ENCODED = Buffer.from(`svc-orders:${CANARY}-with-some-length`, 'utf8').toString('base64');

describe('scrubCredentials', () => {
  it.each([
    ['a password in a JDBC URL', `jdbc:postgresql://db:5432/orders?user=orders&password=${CANARY}&ssl=true`],
    ['a password with spaces around =', `connection.password = ${CANARY}`],
    ['a quoted password', `password="${CANARY}"`],
    ['an API secret', `kafka.api.secret=${CANARY}`],
    ['an Azure storage key', `DefaultEndpointsProtocol=https;AccountName=a;AccountKey=${CANARY};EndpointSuffix=x`],
    ['a token in a query', `https://hooks.example/x?token=${CANARY}&a=1`],
    ['a JSON password', `{"user":"orders","password":"${CANARY}"}`],
    ['a YAML password', `password: ${CANARY}`],
    [
      'a JAAS config',
      `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="${CANARY}";`,
    ],
    ['a JAAS login module line', `ScramLoginModule required username="u" password="${CANARY}"`],
    ['user info in a URL', `postgres://orders:${CANARY}@db.internal:5432/orders`],
    ['a Basic authorization value', `Authorization: Basic ${Buffer.from(`k:${CANARY}`).toString('base64')}`],
    ['a long base64 run', `credential ${ENCODED} rejected`],
  ])('scrubs %s', (_label, text) => {
    // Act
    const scrubbed = scrubCredentials(text);

    // Assess
    expect(scrubbed).toContain('[REDACTED]');
    expect(scrubbed).not.toContain(CANARY);
    expect(scrubbed).not.toContain(ENCODED);
  });

  it.each([
    ['a secret ARN', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd'],
    [
      'a versioned Key Vault URI',
      'https://contoso.vault.azure.net/secrets/analytics-db/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    ],
    ['a request id', 'request id 5c3e1f0a-9b7d-4e2c-8a61-2f4d6b8c0e1a'],
    ['a Java frame', 'at org.apache.kafka.connect.runtime.WorkerSinkTask.execute(WorkerSinkTask.java:201)'],
    ['a password word without a value', 'FATAL: password authentication failed for user "orders"'],
    ['topics', 'topics=orders,payments'],
  ])('keeps %s', (_label, text) => {
    expect(scrubCredentials(text)).toBe(text);
  });

  it('is idempotent: scrubbing scrubbed text changes nothing', () => {
    // Prepare
    const once = scrubCredentials(`password=${CANARY}; postgres://u:${CANARY}@h {"password":"${CANARY}"} ${ENCODED}`);

    // Act / Assess
    expect(scrubCredentials(once)).toBe(once);
  });
});

describe('cleanTrace', () => {
  it('bounds a trace, saying how much was cut, after scrubbing it', () => {
    // Prepare
    const long = `password=${CANARY} ${'x'.repeat(MAX_TRACE_LENGTH * 2)}`;

    // Act
    const cleaned = cleanTrace(long);

    // Assess
    expect(cleaned.length).toBeLessThan(MAX_TRACE_LENGTH + 50);
    expect(cleaned).toMatch(/… \[\d+ more characters cut\]$/);
    expect(cleaned.startsWith('password=[REDACTED]')).toBe(true);
    expect(boundLength('short')).toBe('short');
  });
});

describe('every sink a trace reaches', () => {
  const trace = `PSQLException: jdbc:postgresql://db/orders?password=${CANARY} ${'y'.repeat(MAX_TRACE_LENGTH)}`;
  const connector = { environmentId: 'env-p1', clusterId: 'lkc-1', name: 'orders-cdc' };
  const report: ReloadReport = {
    trigger: 'test',
    secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd',
    version: 'v2',
    dryRun: false,
    notes: [],
    outcomes: [{ connector, sources: ['config-scan'], result: 'failed', detail: trace }],
    startedAt: new Date(0),
    finishedAt: new Date(1),
  };

  it('outcome events carry the trace scrubbed and bounded', () => {
    // Act
    const [rotation] = outcomeEvents(report);
    const [recovery] = recoveryEvents({
      trigger: 'sweep',
      dryRun: false,
      clustersListed: 1,
      outcomes: [{ connector, result: 'failed', attempt: 1, detail: trace }],
      startedAt: new Date(0),
      finishedAt: new Date(1),
    });

    // Assess
    for (const detail of [rotation?.detail.detail, (recovery?.detail as { detail?: string } | undefined)?.detail]) {
      expect(detail).toContain('password=[REDACTED]');
      expect(detail).not.toContain(CANARY);
      expect(detail?.length).toBeLessThan(MAX_TRACE_LENGTH + 50);
    }
  });

  it('alert lines carry the trace scrubbed and bounded', () => {
    // Act
    const alert = alertFor({ kind: 'rotation', report }, false);

    // Assess
    expect(alert?.lines[0]).toContain('password=[REDACTED]');
    expect(JSON.stringify(alert)).not.toContain(CANARY);
    expect(alert?.lines[0]?.length).toBeLessThan(MAX_TRACE_LENGTH + 100);
  });

  it('log lines scrub every field and stay valid JSON, escaped quotes included', () => {
    // Prepare
    const lines: string[] = [];
    const logger = new JsonLogger('debug', (line) => lines.push(line));

    // Act
    logger.error(`restart failed: password=${CANARY}`, {
      detail: `jaas: password="${CANARY}" and password=\\"${CANARY}\\"`,
      nested: { urls: [`https://u:${CANARY}@h/x`] },
    });

    // Assess
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(JSON.stringify(entry)).not.toContain(CANARY);
    expect(entry.message).toBe('restart failed: password=[REDACTED]');
    expect(redactDeep({ when: new Date(0), n: 1, ok: true })).toEqual({
      when: '1970-01-01T00:00:00.000Z',
      n: 1,
      ok: true,
    });
  });
});

describe('the Confluent client, where traces come in', () => {
  it('cleans the connector trace and every task message as it reads a status', async () => {
    // Prepare
    const dirty = `SQLException: jdbc:sqlserver://db;user=app;password=${CANARY}; ${'z'.repeat(MAX_TRACE_LENGTH)}`;
    const { fetch } = scriptedFetch([
      {
        status: 200,
        body: {
          name: 'orders-cdc',
          type: 'source',
          connector: { state: 'FAILED', worker_id: 'w', trace: dirty },
          tasks: [{ id: 0, state: 'FAILED', worker_id: 'w', msg: `login failed: postgres://app:${CANARY}@db/x` }],
        },
      },
    ]);
    const clock = new FakeClock();
    const http = new ConfluentHttp({
      credentials: new StaticCredentials('KEY123', 'secret-value-1'),
      baseUrl: 'https://api.example.test',
      fetch,
      clock,
      gate: { requestsPerSecond: Number.POSITIVE_INFINITY, clock },
    });

    // Act
    const status = await new ConfluentClient(http).getStatus({
      environmentId: 'env-p1',
      clusterId: 'lkc-1',
      name: 'orders-cdc',
    });

    // Assess
    expect(JSON.stringify(status)).not.toContain(CANARY);
    expect(status.trace).toContain('password=[REDACTED]');
    expect(status.trace?.length).toBeLessThan(MAX_TRACE_LENGTH + 50);
    expect(status.tasks[0]?.msg).toBe('login failed: postgres://app:[REDACTED]@db/x');
  });
});
