import { TableClient } from '@azure/data-tables';
import { buildReloader, type Reloader } from '#app/build-reloader';
import { fromFailureMessage, toFailureMessage } from '#app/failure-message';
import { loadSettings } from '#config/settings';
import { StaticCredentials } from '#confluent/index';
import { silentLogger } from '#core/ports';
import { MINUTE_MS } from '#core/restart-budget';
import type { SecretRef } from '#core/secret-ref';
import { type AzuriteTable, startAzuriteTable } from '#local/azurite-table';
import { type ConfluentEmulator, startConfluentEmulator } from '#local/confluent-emulator/index';
import { AzureKeyVault } from '#providers/azure-key-vault';
import { AzureTableStateStore } from '#state/azure-table-state-store';
import { type AlertReceiver, startAlertReceiver } from '#test-helpers/alert-receiver';
import { FakeClock } from '#test-helpers/fake-clock';
import { recordFigure } from './figures';
import { scaled } from './scale';
import { CANARY_CONFLUENT_KEY, CANARY_CONFLUENT_SECRET, CANARY_WEBHOOK_TOKEN, leaks } from './support/canaries';
import { generateEstate, RELIABILITY_ENV } from './support/generated-estate';

/**
 * Scenario 3: Confluent reports the same failed connector every 10 s (simulated clock) and the connector never
 * recovers. Through the runtime-neutral path the cloud functions share (the reloader's FailureWebhook with its
 * URL token, the failure-queue message codec, RecoverFailedConnectors on the Azurite state store), restarts follow
 * the budget schedule min(n²+n, 60) min up to MAX_AUTO_RESTARTS, one alert goes out when it is spent (to a loopback
 * receiver), and the Confluent API calls stay bounded. (The Azure functions read the system clock, so the storm
 * drives the shared path they call, wired by the same buildReloader.)
 */
const SCENARIO = 'restart storm';
const MINUTES = scaled(180, 30);
const MAX_AUTO_RESTARTS = scaled(7, 3);
const EVERY_MS = 10_000;
const KEY = { environmentId: RELIABILITY_ENV, clusterId: 'lkc-relaws1', name: 'aws-sink-2' };
const VAULT = 'https://rel-reloader.vault.azure.net/secrets';
const BODY = JSON.stringify({
  title: 'Connector failed',
  message: `Connector aws-sink-2 has failed. Resource: crn://confluent.cloud/organization=o-1/environment=${KEY.environmentId}/cloud-cluster=${KEY.clusterId}/connector=${KEY.name}`,
});

const clock = new FakeClock(Date.parse('2026-11-28T00:00:00Z'));
const start = clock.now().getTime();
let emulator: ConfluentEmulator;
let tables: AzuriteTable;
let receiver: AlertReceiver;
let reloader: Reloader;

beforeAll(async () => {
  emulator = await startConfluentEmulator({
    apiKey: CANARY_CONFLUENT_KEY,
    apiSecret: CANARY_CONFLUENT_SECRET,
    estate: generateEstate(3).estate,
    now: () => clock.now().getTime(),
    provisioningMs: 5_000,
  });
  tables = await startAzuriteTable();
  const table = TableClient.fromConnectionString(tables.connectionString, 'stormstate', {
    allowInsecureConnection: true,
  });
  await table.createTable();
  receiver = await startAlertReceiver();
  const alertUrl = receiver.url('/alerts');
  // The values the reloader reads for itself (alert URL, webhook token), as Key Vault would return them.
  const values: Record<string, string> = {
    [`${VAULT}/alert-url`]: alertUrl,
    [`${VAULT}/failure-webhook-token`]: CANARY_WEBHOOK_TOKEN,
  };
  const settings = loadSettings({
    CONFLUENT_API_URL: emulator.url,
    CONFLUENT_SCOPES: `${RELIABILITY_ENV}/lkc-relaws1`,
    MAX_AUTO_RESTARTS: String(MAX_AUTO_RESTARTS),
    VERIFY_POLL_SECONDS: '5',
    VERIFY_SETTLE_SECONDS: '0',
    VERIFY_TIMEOUT_SECONDS: '300',
    CONFLUENT_RATE_LIMIT_PER_SECOND: '1000',
    WEBHOOK_TOKEN_SECRET: `${VAULT}/failure-webhook-token`,
    ALERT_WEBHOOK_SECRET: `${VAULT}/alert-url`,
  });
  reloader = buildReloader(settings, {
    // Rotations are not part of this scenario: the source is never asked.
    secrets: new AzureKeyVault({ clientFactory: () => ({}) as never }),
    secretValues: {
      readSecretValue: async (ref: SecretRef) => values[ref.provider === 'azure' ? `${VAULT}/${ref.name}` : ''] ?? '',
    },
    credentials: new StaticCredentials(CANARY_CONFLUENT_KEY, CANARY_CONFLUENT_SECRET),
    state: new AzureTableStateStore(table),
    logger: silentLogger,
    clock,
  });
}, 60_000);

afterAll(async () => {
  await receiver?.close();
  await Promise.all([emulator?.close(), tables?.close()]);
});

/** The budget's schedule: restart n+1 is due min(n²+n, 60) minutes after restart n, until the cap. */
function expectedRestartMinutes(cap: number, minutes: number): number[] {
  const at = [0];
  for (let n = 1; at.length < cap; n++) at.push((at.at(-1) ?? 0) + Math.min(n * n + n, 60));
  return at.filter((minute) => minute < minutes);
}

describe(`${SCENARIO}: a failure webhook every 10 s for ${MINUTES} simulated minutes, the connector never recovers`, () => {
  it('restarts on the budget schedule, stops at the cap, alerts once, and keeps Confluent calls bounded', async () => {
    // Prepare
    emulator.control.setAlwaysFails(`${KEY.environmentId}/${KEY.clusterId}/${KEY.name}`, true);
    emulator.control.failConnector(`${KEY.environmentId}/${KEY.clusterId}/${KEY.name}`, 'Login failed');
    emulator.control.resetRequests();
    const notifications = (MINUTES * MINUTE_MS) / EVERY_MS;
    const statuses = new Map<number, number>();

    // Act: the webhook answers, the failure goes through the queue codec, the recovery use case takes it.
    for (let i = 0; i < notifications; i++) {
      const due = start + i * EVERY_MS;
      if (clock.now().getTime() < due) clock.advance(due - clock.now().getTime());
      const { response, failures } = await reloader.failureWebhook.handle({
        url: `https://reloader.example/api/connector-failures/${CANARY_WEBHOOK_TOKEN}`,
        bodyText: BODY,
      });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const queued = failures.map((failure) => JSON.parse(JSON.stringify(toFailureMessage(failure, clock.now()))));
      await reloader.recovery(`storm-${i}`).onFailureReported(queued.map(fromFailureMessage));
    }

    // Assess
    expect([...statuses]).toEqual([[202, notifications]]);
    const restartMinutes = emulator.control
      .requests()
      .filter((r) => r.method === 'POST' && r.path.endsWith(`/${KEY.name}/restart`) && r.status === 202)
      .map((r) => (r.at - start) / MINUTE_MS);
    expect(restartMinutes).toEqual(expectedRestartMinutes(MAX_AUTO_RESTARTS, MINUTES));
    // One alert for the first failed restart (the next ones say the same within ALERT_REPEAT_WINDOW_HOURS, so they
    // are left out), one when the budget is spent, then silence however many reports follow.
    const alerts = receiver.alerts.map((alert) => alert.text);
    const exhausted = alerts.filter((alert) => alert.includes('1 out of restart budget'));
    expect(restartMinutes.length).toBeGreaterThan(1);
    expect(exhausted).toHaveLength(1);
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toContain('1 still failing');
    expect(alerts.at(-1)).toBe(exhausted[0]);
    const calls = emulator.control.requestCount();
    // Bounded: one status read per notification, plus per restart the restart and a few status polls.
    expect(calls).toBeLessThanOrEqual(notifications * 2 + restartMinutes.length * 10);
    expect(leaks({ alerts: alerts.join('\n') })).toEqual({ alerts: [] });
    recordFigure(SCENARIO, 'failure webhooks (every 10 s, simulated)', `${notifications} over ${MINUTES} min`);
    recordFigure(SCENARIO, 'restarts at minute', restartMinutes.join(', '));
    recordFigure(SCENARIO, 'budget-exhausted alerts / all alerts', `${exhausted.length} / ${alerts.length}`);
    recordFigure(
      SCENARIO,
      'Confluent API calls (per notification)',
      `${calls} (${(calls / notifications).toFixed(2)})`,
    );
  }, 600_000);
});
