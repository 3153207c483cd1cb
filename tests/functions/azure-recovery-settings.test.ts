import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadSettings } from '#config/settings';
import type { ConnectorFailed } from '#core/events';
import { DEFAULT_SWEEP_SCHEDULE, loadAzureSettings, sweepSchedule } from '#functions/azure/azure-settings';
import {
  fromFailureMessage,
  MAX_DEQUEUE_COUNT,
  MalformedFailureMessageError,
  toFailureMessage,
} from '#functions/azure/failure-queue';

const AZURE_ENV = {
  CONFLUENT_CREDENTIALS_SECRET: 'https://contoso-reloader.vault.azure.net/secrets/confluent-cloud-api-key',
  AZURE_STATE_TABLE_ENDPOINT: 'https://st.table.core.windows.net',
};

describe('sweep schedule', () => {
  it('defaults to every 5 minutes and otherwise points the host at the SWEEP_SCHEDULE app setting', () => {
    // Act
    const unset = sweepSchedule({});
    const set = sweepSchedule({ SWEEP_SCHEDULE: '0 */15 * * * *' });
    const timeSpan = sweepSchedule({ SWEEP_SCHEDULE: '00:10:00' });

    // Assess
    expect(unset).toBe(DEFAULT_SWEEP_SCHEDULE);
    expect(DEFAULT_SWEEP_SCHEDULE).toBe('0 */5 * * * *');
    expect(set).toBe('%SWEEP_SCHEDULE%');
    expect(timeSpan).toBe('%SWEEP_SCHEDULE%');
  });

  it('refuses a five-field (seconds-less) cron with a message naming the variable', () => {
    // Act
    const act = () => sweepSchedule({ SWEEP_SCHEDULE: '*/5 * * * *' });

    // Assess
    expect(act).toThrow(/SWEEP_SCHEDULE: expected six NCRONTAB fields/);
  });
});

describe('Azure settings for recovery', () => {
  it('requires the webhook token and alert URL secrets to be Key Vault secret URIs', () => {
    // Prepare
    const env = { ...AZURE_ENV, WEBHOOK_TOKEN_SECRET: 'webhook-token', ALERT_WEBHOOK_SECRET: 'alerts/slack' };

    // Act
    const act = () => loadAzureSettings(loadSettings(env), env);

    // Assess
    expect(act).toThrow(/WEBHOOK_TOKEN_SECRET: expected a Key Vault secret URI.*ALERT_WEBHOOK_SECRET/);
  });

  it('accepts Key Vault URIs for both', () => {
    // Prepare
    const env = {
      ...AZURE_ENV,
      WEBHOOK_TOKEN_SECRET: 'https://contoso-reloader.vault.azure.net/secrets/failure-webhook-token',
      ALERT_WEBHOOK_SECRET: 'https://contoso-reloader.vault.azure.net/secrets/alert-webhook-url',
    };

    // Act
    const act = () => loadAzureSettings(loadSettings(env), env);

    // Assess
    expect(act).not.toThrow();
  });
});

describe('failure queue messages', () => {
  it('round-trips a reported failure through JSON, as the host hands it over', () => {
    // Prepare
    const failure: ConnectorFailed = {
      kind: 'connector-failed',
      source: 'confluent.notification',
      eventId: 'n-1',
      occurredAt: new Date('2026-11-27T21:05:00Z'),
      connector: { environmentId: 'env-prod01', clusterId: 'lkc-pay01', name: 'payments-http-sink' },
      connectorId: 'lcc-pay01',
      message: 'failed',
    };

    // Act
    const message = toFailureMessage(failure, new Date('2026-11-27T21:05:01Z'));
    const parsed = fromFailureMessage(JSON.parse(JSON.stringify(message)));
    const fromText = fromFailureMessage(JSON.stringify(message));

    // Assess
    expect(parsed).toEqual(failure);
    expect(fromText).toEqual(failure);
  });

  it('cuts hostile lengths so the message stays valid, and refuses anything that is not a failure', () => {
    // Prepare
    const failure: ConnectorFailed = {
      kind: 'connector-failed',
      source: 'confluent.notification',
      connector: { name: 'n'.repeat(10_000) },
      message: 'm'.repeat(100_000),
    };

    // Act
    const message = toFailureMessage(failure, new Date());

    // Assess
    expect(JSON.stringify(message).length).toBeLessThan(2_000);
    expect(() => fromFailureMessage(message)).not.toThrow();
    expect(() => fromFailureMessage('not json')).toThrow(MalformedFailureMessageError);
    expect(() => fromFailureMessage({ kind: 'secret-rotated' })).toThrow(MalformedFailureMessageError);
  });

  it('dead-letters after as many attempts as host.json lets the queue make', () => {
    // Act
    const host = JSON.parse(readFileSync(path.join(__dirname, '../../host.json'), 'utf8'));

    // Assess
    expect(host.extensions.queues.maxDequeueCount).toBe(MAX_DEQUEUE_COUNT);
  });
});
