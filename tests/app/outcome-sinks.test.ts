import { OutcomeFanOut } from '#app/outcome-sinks';
import { WEBHOOK_TOKEN_CACHE_MS, webhookTokenSource } from '#app/webhook-token-source';
import type { OutcomeReport } from '#core/outcome-report';
import type { Logger, OutcomeSink } from '#core/ports';
import type { SecretRef } from '#core/secret-ref';
import { redact } from '#observability/redaction';
import { FakeClock } from '#test-helpers/fake-clock';

const EXPIRY: OutcomeReport = {
  kind: 'secret-expiry',
  warning: { secret: 'prod/orders-db', version: 'v1', expired: false, message: 'prod/orders-db is about to expire' },
};

function recordingLogger() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push({ level, message, ...(fields ? { fields } : {}) });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('OutcomeFanOut', () => {
  it('delivers to every sink even when one fails, and logs the failure with the sink name instead of throwing', async () => {
    // Prepare
    const { logger, lines } = recordingLogger();
    const delivered: string[] = [];
    const undelivered: { outcome: string; sinks: readonly string[] }[] = [];
    const sinks: OutcomeSink[] = [
      { name: 'broken', deliver: async () => Promise.reject(new Error('HTTP 500')) },
      { name: 'events', deliver: async (outcome) => void delivered.push(outcome.kind) },
    ];
    const fanOut = new OutcomeFanOut(sinks, logger, {
      onUndelivered: (outcome, failed) => undelivered.push({ outcome: outcome.kind, sinks: failed }),
    });

    // Act
    await fanOut.deliver(EXPIRY);

    // Assess
    expect(delivered).toEqual(['secret-expiry']);
    expect(lines).toEqual([
      {
        level: 'error',
        message: 'outcome delivery failed',
        fields: {
          sink: 'broken',
          outcome: 'secret-expiry',
          error: 'Error: HTTP 500',
          secret: 'prod/orders-db',
          version: 'v1',
          expired: false,
        },
      },
    ]);
    expect(undelivered).toEqual([{ outcome: 'secret-expiry', sinks: ['broken'] }]);
  });

  it('logs what an undelivered rotation carried, connector by connector, and reports it once however many sinks failed', async () => {
    // Prepare
    const { logger, lines } = recordingLogger();
    const undelivered: (readonly string[])[] = [];
    const at = new Date('2026-03-14T09:27:30Z');
    const rotation: OutcomeReport = {
      kind: 'rotation',
      report: {
        trigger: 'aws.secretsmanager/Secret Label Updated',
        secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd',
        version: 'v2',
        dryRun: false,
        notes: [],
        outcomes: [
          {
            connector: { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' },
            sources: ['config-scan'],
            result: 'restarted',
          },
          {
            connector: { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-archive-s3' },
            sources: ['config-scan'],
            result: 'skipped',
            reason: 'paused',
          },
        ],
        startedAt: at,
        finishedAt: at,
      },
    };
    const refusing = (name: string): OutcomeSink => ({ name, deliver: async () => Promise.reject(new Error('down')) });
    const fanOut = new OutcomeFanOut([refusing('EventBridge'), refusing('alert webhook (slack)')], logger, {
      onUndelivered: (_outcome, failed) => undelivered.push(failed),
    });

    // Act
    await fanOut.deliver(rotation);

    // Assess
    expect(lines.map((line) => line.fields?.sink)).toEqual(['EventBridge', 'alert webhook (slack)']);
    expect(lines[0]?.fields).toMatchObject({
      outcome: 'rotation',
      secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd',
      version: 'v2',
      outcomes: [
        { connector: 'env-prod01/lkc-orders1/orders-cdc', result: 'restarted', reason: undefined },
        { connector: 'env-prod01/lkc-orders1/orders-archive-s3', result: 'skipped', reason: 'paused' },
      ],
    });
    expect(undelivered).toEqual([['EventBridge', 'alert webhook (slack)']]);
  });

  it('reports nothing undelivered when every sink took the outcome', async () => {
    // Prepare
    const { logger, lines } = recordingLogger();
    let undelivered = 0;
    const taken: string[] = [];
    const fanOut = new OutcomeFanOut([{ name: 'events', deliver: async (o) => void taken.push(o.kind) }], logger, {
      onUndelivered: () => undelivered++,
    });

    // Act
    await fanOut.deliver(EXPIRY);

    // Assess
    expect(taken).toEqual(['secret-expiry']);
    expect(lines).toEqual([]);
    expect(undelivered).toBe(0);
  });
});

describe('webhookTokenSource', () => {
  const SECRET = 'https://contoso-reloader.vault.azure.net/secrets/failure-webhook-token';

  function reader(values: (string | Error)[]) {
    const reads: SecretRef[] = [];
    return {
      reads,
      readSecretValue: async (secret: SecretRef) => {
        reads.push(secret);
        const next = values.shift();
        if (next instanceof Error) throw next;
        return next ?? 'exhausted';
      },
    };
  }

  it('reads the token once per cache period, trimmed, and registers it for redaction', async () => {
    // Prepare
    const clock = new FakeClock();
    const secrets = reader(['canary-token-first-7f3a \n', 'canary-token-second-1b9c']);
    const token = webhookTokenSource(SECRET, secrets, recordingLogger().logger, clock);

    // Act
    const first = await token();
    const cached = await token();
    clock.advance(WEBHOOK_TOKEN_CACHE_MS);
    const refreshed = await token();

    // Assess
    expect([first, cached, refreshed]).toEqual([
      'canary-token-first-7f3a',
      'canary-token-first-7f3a',
      'canary-token-second-1b9c',
    ]);
    expect(secrets.reads).toHaveLength(2);
    expect(secrets.reads[0]).toMatchObject({ provider: 'azure', name: 'failure-webhook-token' });
    expect(redact('url …/connector-failures/canary-token-first-7f3a')).not.toContain('canary-token-first-7f3a');
  });

  it('does not cache a failed read', async () => {
    // Prepare
    const secrets = reader([new Error('vault unreachable'), 'canary-token-after-outage']);
    const token = webhookTokenSource(SECRET, secrets, recordingLogger().logger, new FakeClock());

    // Act
    const failed = token();
    await expect(failed).rejects.toThrow('vault unreachable');
    const retried = await token();

    // Assess
    expect(retried).toBe('canary-token-after-outage');
  });

  it('expects an empty token (which never matches) and warns once when no secret is configured', async () => {
    // Prepare
    const { logger, lines } = recordingLogger();
    const token = webhookTokenSource(undefined, reader([]), logger);

    // Act
    const values = [await token(), await token()];

    // Assess
    expect(values).toEqual(['', '']);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
  });
});
