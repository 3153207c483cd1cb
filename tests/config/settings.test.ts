import { InvalidSettingError, loadSettings } from '#config/settings';

describe('loadSettings', () => {
  it('applies documented defaults', () => {
    // Act
    const settings = loadSettings({});

    // Assess
    expect(settings).toMatchObject({
      confluentApiUrl: 'https://api.confluent.cloud',
      restartMethod: 'auto',
      dryRun: false,
      configScan: true,
      matchSameCloud: true,
      secretTagKey: 'confluent-connectors',
      scopes: [],
      verify: { timeoutMs: 600_000, pollIntervalMs: 10_000, settleMs: 30_000, errorPolls: 2, unassignedMs: 180_000 },
    });
  });

  it('parses lists, booleans and numbers', () => {
    // Act
    const settings = loadSettings({
      CONFLUENT_SCOPES: 'env-a1, env-b2/lkc-c3, env-b2/lkc-d4@AWS',
      EXCLUDE_CONNECTORS: 'env-a1/*/datagen',
      DRY_RUN: 'true',
      VERIFY_POLL_SECONDS: '0.5',
      CONFLUENT_API_URL: 'http://127.0.0.1:4510/',
    });

    // Assess
    expect(settings.scopes).toEqual([
      { environmentId: 'env-a1' },
      { environmentId: 'env-b2', clusterId: 'lkc-c3' },
      { environmentId: 'env-b2', clusterId: 'lkc-d4', cloud: 'aws' },
    ]);
    expect(settings.exclusions.map((p) => p.text)).toEqual(['env-a1/*/datagen']);
    expect(settings.dryRun).toBe(true);
    expect(settings.verify.pollIntervalMs).toBe(500);
    expect(settings.confluentApiUrl).toBe('http://127.0.0.1:4510');
  });

  it.each([
    [{ RESTART_METHOD: 'bounce' }, 'RESTART_METHOD: expected auto, restart or pause-resume'],
    [{ DRY_RUN: 'maybe' }, 'DRY_RUN: expected true or false'],
    [{ RESTART_CONCURRENCY: '0' }, 'RESTART_CONCURRENCY: expected a number above 0'],
    [{ CONFLUENT_API_URL: 'not a url' }, 'CONFLUENT_API_URL: expected an http(s) URL'],
    [{ CONFLUENT_SCOPES: 'lkc-1' }, 'CONFLUENT_SCOPES: expected "env-id" or "env-id/lkc-id"'],
    [{ CONFLUENT_SCOPES: 'env-a1@aws' }, 'CONFLUENT_SCOPES: expected "env-id" or "env-id/lkc-id"'],
    [{ CONFLUENT_SCOPES: 'env-a1/lkc-c3@onprem' }, 'optionally "env-id/lkc-id@aws" (or @azure, @gcp)'],
    [{ CONFLUENT_CLOUD_API_KEY: 'k' }, 'CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET go together'],
    [{ CONFLUENT_MAX_RETRIES: '-1' }, 'CONFLUENT_MAX_RETRIES: expected 0 or more'],
    [{ LOCK_TTL_SECONDS: '1.5' }, 'LOCK_TTL_SECONDS: expected a whole number'],
    [{ VERIFY_POLL_SECONDS: 'soon' }, 'VERIFY_POLL_SECONDS: expected a number of seconds'],
    [{ SECRET_TAG_KEY: '   ' }, 'SECRET_TAG_KEY: expected a non-empty value'],
    [{ MAINTENANCE_WINDOWS: '0 2 * * SAT' }, 'MAINTENANCE_WINDOWS: expected "<cron>|<minutes>"'],
    [{ VERIFY_POLL_SECONDS: '0' }, 'VERIFY_POLL_SECONDS: expected more than 0 seconds, got 0'],
    [{ VERIFY_TIMEOUT_SECONDS: '0' }, 'VERIFY_TIMEOUT_SECONDS: expected more than 0 seconds, got 0'],
    [{ PAUSE_TIMEOUT_SECONDS: '-5' }, 'PAUSE_TIMEOUT_SECONDS: expected more than 0 seconds, got -5'],
    [{ CONFLUENT_REQUEST_TIMEOUT_SECONDS: '0' }, 'CONFLUENT_REQUEST_TIMEOUT_SECONDS: expected more than 0 seconds'],
  ])('names the variable and the problem for %p', (env, message) => {
    // Act / Assess
    expect(() => loadSettings(env)).toThrow(InvalidSettingError);
    expect(() => loadSettings(env)).toThrow(message);
  });

  it('reports every wrong variable at once', () => {
    // Act / Assess
    expect(() => loadSettings({ DRY_RUN: 'x', LOG_LEVEL: 'loud' })).toThrow(/DRY_RUN: .*; LOG_LEVEL: /);
  });
});
