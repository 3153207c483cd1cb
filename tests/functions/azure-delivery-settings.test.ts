import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  fromSecretEventMessage,
  MalformedSecretEventMessageError,
  toSecretEventMessage,
} from '#app/secret-event-message';
import { loadSettings } from '#config/settings';
import type { SecretEvent } from '#core/events';
import { loadAzureSettings, rotationWorkSeconds } from '#functions/azure/azure-settings';
import { hostLimits, timeSpanSeconds } from '#functions/azure/host-limits';
import { redact } from '#observability/redaction';

const AZURE_ENV = {
  CONFLUENT_CREDENTIALS_SECRET: 'https://contoso-reloader.vault.azure.net/secrets/confluent-cloud-api-key',
  AZURE_STATE_TABLE_ENDPOINT: 'https://st.table.core.windows.net',
};
const load = (env: Record<string, string>) => () =>
  loadAzureSettings(loadSettings({ ...AZURE_ENV, ...env }), { ...AZURE_ENV, ...env });

describe('host limits', () => {
  it('reads host.json, and the AzureFunctionsJobHost__ app settings over it', () => {
    // Prepare
    const host = JSON.parse(readFileSync(path.join(__dirname, '../../host.json'), 'utf8'));

    // Act
    const fromFile = hostLimits({});
    const overridden = hostLimits({
      AzureFunctionsJobHost__functionTimeout: '01:00:00',
      AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:00:30',
      AzureFunctionsJobHost__extensions__queues__maxDequeueCount: '8',
    });

    // Assess
    expect(fromFile).toEqual({
      functionTimeoutSeconds: timeSpanSeconds(host.functionTimeout),
      queueRetryDelaySeconds: timeSpanSeconds(host.extensions.queues.visibilityTimeout),
      maxDequeueCount: host.extensions.queues.maxDequeueCount,
    });
    expect(overridden).toEqual({ functionTimeoutSeconds: 3600, queueRetryDelaySeconds: 30, maxDequeueCount: 8 });
    expect([timeSpanSeconds('1.00:00:00'), timeSpanSeconds('00:10:00'), timeSpanSeconds('ten')]).toEqual([
      86_400,
      600,
      Number.NaN,
    ]);
  });
});

describe('start-up refuses settings whose work cannot fit the host', () => {
  it('accepts the shipped defaults: restart, PAUSED wait, verification and retries fit host.json', () => {
    // Act
    const settings = loadSettings(AZURE_ENV);

    // Assess
    expect(load({})).not.toThrow();
    expect(rotationWorkSeconds(settings)).toBeLessThanOrEqual(hostLimits({}).functionTimeoutSeconds);
  });

  it('refuses the old 10-minute function timeout with the full 600 s verification, naming the variables', () => {
    // Act
    const act = load({ AzureFunctionsJobHost__functionTimeout: '00:10:00' });

    // Assess
    expect(act).toThrow(
      /VERIFY_TIMEOUT_SECONDS \(600\) \+ PAUSE_TIMEOUT_SECONDS \(120\).* = 840 s does not fit the function timeout \(AzureFunctionsJobHost__functionTimeout: 600 s\)/,
    );
  });

  it('leaves the PAUSED wait out when only the restart endpoint is used', () => {
    // Act
    const act = load({
      AzureFunctionsJobHost__functionTimeout: '00:12:00',
      RESTART_METHOD: 'restart',
      VERIFY_TIMEOUT_SECONDS: '580',
    });

    // Assess
    expect(act).not.toThrow();
    expect(load({ AzureFunctionsJobHost__functionTimeout: '00:12:00', VERIFY_TIMEOUT_SECONDS: '580' })).toThrow(
      /PAUSE_TIMEOUT_SECONDS/,
    );
  });

  it('refuses queue retries that run out before a connector lock can expire', () => {
    // Act
    const act = load({ AzureFunctionsJobHost__extensions__queues__visibilityTimeout: '00:01:00' });

    // Assess
    expect(act).toThrow(
      /LOCK_TTL_SECONDS \(900\) outlasts the queue's retries: \(host.json maxDequeueCount 5 - 1\) × AzureFunctionsJobHost__extensions__queues__visibilityTimeout 60 s = 240 s/,
    );
  });

  it('requires the rotation queue (endpoint or connection string) only while coalescing is on', () => {
    // Prepare
    const on = { RESTART_COALESCE_SECONDS: '30' };

    // Act
    const without = load(on);
    const off = load({ RESTART_COALESCE_SECONDS: '0' })();
    const byEndpoint = load({ ...on, AZURE_QUEUE_ENDPOINT: 'https://st.queue.core.windows.net/' })();
    const byConnectionString = load({ ...on, AZURE_QUEUE_CONNECTION_STRING: 'UseDevelopmentStorage=true' })();

    // Assess
    expect(without).toThrow(
      /AZURE_QUEUE_ENDPOINT: required while RESTART_COALESCE_SECONDS \(30\) is on \(or AZURE_QUEUE_CONNECTION_STRING\)/,
    );
    expect(off.queueEndpoint).toBeUndefined();
    expect(byEndpoint.queueEndpoint).toBe('https://st.queue.core.windows.net/');
    expect(byConnectionString.queueConnectionString).toBe('UseDevelopmentStorage=true');
    expect(redact('queue at UseDevelopmentStorage=true')).not.toContain('UseDevelopmentStorage=true');
  });

  it('refuses an unreadable duration', () => {
    // Assess
    expect(load({ AzureFunctionsJobHost__functionTimeout: 'forever' })).toThrow(
      /AzureFunctionsJobHost__functionTimeout: expected a duration hh:mm:ss/,
    );
  });
});

describe('rotation queue messages', () => {
  it('round-trips each secret event through JSON, as the host hands it over', () => {
    // Prepare
    const secret = { provider: 'azure', vaultHost: 'contoso.vault.azure.net', name: 'db' } as const;
    const events: SecretEvent[] = [
      {
        kind: 'secret-rotated',
        source: 's',
        eventId: 'e1',
        occurredAt: new Date('2026-01-02T03:04:05Z'),
        secret,
        version: 'abc',
      },
      { kind: 'secret-expiring', source: 's', secret, version: null, expiresAt: new Date('2026-02-01T00:00:00Z') },
      {
        kind: 'secret-expired',
        source: 's',
        secret: { provider: 'aws', name: 'prod/db', region: 'us-east-1' },
        version: 'v',
      },
    ];

    // Act
    const back = events.map((event) =>
      fromSecretEventMessage(JSON.parse(JSON.stringify(toSecretEventMessage(event, new Date())))),
    );

    // Assess
    expect(back).toEqual(events);
  });

  it('refuses anything that is not a secret event', () => {
    // Assess
    expect(() => fromSecretEventMessage('not json')).toThrow(MalformedSecretEventMessageError);
    expect(() => fromSecretEventMessage({ kind: 'connector-failed' })).toThrow(/check kind/);
  });
});
