import type { OutcomeReport } from '#core/outcome-report';
import { parseSecretRef } from '#core/secret-ref';
import { alertFor } from '#notifiers/alert-messages';
import { AlertDeliveryError, alertRetryDelayMs, WebhookAlertSink } from '#notifiers/webhook-alert-sink';
import { type AlertReceiver, startAlertReceiver } from '#test-helpers/alert-receiver';

const ORDERS = { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' };
const URL_SECRET = parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:alerts/slack-Ab12Cd');

const exhausted: OutcomeReport = {
  kind: 'recovery',
  report: {
    trigger: 'sweep',
    dryRun: false,
    clustersListed: 1,
    outcomes: [{ connector: ORDERS, result: 'skipped', reason: 'budget-exhausted', alert: true, detail: 'left alone' }],
    startedAt: new Date(),
    finishedAt: new Date(),
  },
};
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const failedRotation: OutcomeReport = {
  kind: 'rotation',
  report: {
    trigger: 'test',
    secret: SECRET,
    version: 'v3',
    dryRun: false,
    notes: [],
    outcomes: [
      { connector: ORDERS, result: 'failed', sources: ['config-scan'], detail: 'Login failed for user' },
      {
        connector: { ...ORDERS, name: 'orders-outbox' },
        result: 'timed-out',
        sources: ['config-scan'],
        detail: 'not RUNNING',
      },
    ],
    startedAt: new Date(),
    finishedAt: new Date(),
  },
};
const success: OutcomeReport = {
  kind: 'rotation',
  report: {
    trigger: 'test',
    secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd',
    version: 'v2',
    dryRun: false,
    notes: [],
    outcomes: [{ connector: ORDERS, result: 'restarted', sources: ['config-scan'] }],
    startedAt: new Date(),
    finishedAt: new Date(),
  },
};

describe('WebhookAlertSink (real HTTP to a loopback receiver)', () => {
  let receiver: AlertReceiver;
  let url: string;

  beforeAll(async () => {
    receiver = await startAlertReceiver();
    url = receiver.url('/services/T000/B000/canary-hook-secret-path');
  });

  afterAll(async () => {
    await receiver.close();
  });

  beforeEach(() => {
    receiver.alerts.length = 0;
    receiver.respondWith(200);
  });

  const sink = (format: 'generic' | 'slack' | 'teams', includeSuccesses = false) =>
    new WebhookAlertSink({
      secrets: { readSecretValue: async () => url },
      urlSecret: URL_SECRET,
      format,
      includeSuccesses,
    });

  it('sends an exhausted budget as a Slack message', async () => {
    // Act
    const sent = await sink('slack').send(exhausted);

    // Assess
    expect(sent).toBe(true);
    expect(receiver.alerts).toHaveLength(1);
    expect(JSON.stringify(receiver.alerts[0]?.body)).toContain(
      'env-prod01/lkc-orders1/orders-cdc: restart budget exhausted',
    );
    expect(receiver.alerts[0]?.body).toMatchObject({
      text: expect.stringContaining('[critical]'),
      blocks: [expect.any(Object)],
    });
  });

  it('sends a Teams adaptive card', async () => {
    // Act
    await sink('teams').send(exhausted);

    // Assess
    expect(receiver.alerts[0]?.body).toMatchObject({
      type: 'message',
      attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard' } }],
    });
  });

  it('sends successes only when asked', async () => {
    // Act
    const quiet = await sink('generic').send(success);
    const loud = await sink('generic', true).send(success);

    // Assess
    expect([quiet, loud]).toEqual([false, true]);
    expect(receiver.alerts).toHaveLength(1);
    expect(receiver.alerts[0]?.body).toMatchObject({
      severity: 'info',
      lines: ['env-prod01/lkc-orders1/orders-cdc: restarted'],
    });
  });

  it('always alerts on secret expiry', async () => {
    // Act
    await sink('generic').send({
      kind: 'secret-expiry',
      warning: {
        secret: 'https://v.vault.azure.net/secrets/db',
        version: 'abc',
        expired: true,
        message: 'db has expired',
      },
    });

    // Assess
    expect(receiver.alerts[0]?.body).toMatchObject({ severity: 'critical', title: 'db has expired' });
  });

  it('is an outcome sink named for its format, and its delivery throws when the webhook refuses', async () => {
    // Prepare
    const teams = sink('teams');

    // Act
    await teams.deliver(exhausted);
    receiver.respondWith(500);
    const refused = await teams.deliver(exhausted).catch((e: unknown) => e);

    // Assess
    expect(teams.name).toBe('alert webhook (teams)');
    expect(receiver.alerts[0]?.body).toMatchObject({ type: 'message' });
    expect(refused).toBeInstanceOf(AlertDeliveryError);
  });

  it('says what to do next after a failed rotation, per way it failed, in every format', async () => {
    // Act
    await sink('generic').send(failedRotation);
    await sink('slack').send(failedRotation);

    // Assess
    const [generic, slack] = receiver.alerts;
    expect(generic?.body).toMatchObject({
      severity: 'critical',
      next: [
        expect.stringMatching(
          /^FAILED: read the connector's error.*`npx connector-reloader reload --secret arn:aws:secretsmanager:us-east-1:123456789012:secret:prod\/orders-db-Ab12Cd`/,
        ),
        expect.stringMatching(/^timed-out: check `npx connector-reloader status`/),
      ],
    });
    expect(JSON.stringify(slack?.body)).toContain('Next:');
    expect(alertFor(success, true)?.next).toBeUndefined();
  });

  it('backs off between retries on 5xx, waits at least a 429 Retry-After, and gives up after three tries', async () => {
    // Prepare
    const waits: number[] = [];
    const backingOff = (random: () => number) =>
      new WebhookAlertSink({
        secrets: { readSecretValue: async () => url },
        urlSecret: URL_SECRET,
        format: 'generic',
        includeSuccesses: false,
        random,
        sleep: async (ms) => {
          waits.push(ms);
        },
      });

    // Act: two 503s then 200; then 429 with Retry-After: 5 then 200; then 503 for good.
    receiver.respondWith(200, {}, [503, 503]);
    const recovered = await backingOff(() => 1).send(exhausted);
    receiver.respondWith(200, { 'retry-after': '5' }, [429]);
    const throttled = await backingOff(() => 0).send(exhausted);
    receiver.respondWith(503);
    const failure = await backingOff(() => 0.5)
      .send(exhausted)
      .catch((e: unknown) => e);

    // Assess
    expect([recovered, throttled]).toEqual([true, true]);
    expect((failure as Error).message).toBe('alert webhook did not accept the alert: HTTP 503');
    expect(waits).toEqual([1_000, 2_000, 5_000, 750, 1_500]);
    expect(receiver.alerts).toHaveLength(3 + 2 + 3);
    expect(alertRetryDelayMs(10, 1_000, () => 1)).toBe(30_000);
  });

  it('reports a refused alert without quoting the webhook URL', async () => {
    // Prepare
    receiver.respondWith(404);

    // Act
    const error = await sink('slack')
      .send(exhausted)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AlertDeliveryError);
    expect((error as Error).message).toBe('alert webhook did not accept the alert: HTTP 404');
    expect((error as Error).message).not.toContain('canary-hook-secret-path');
  });
});
