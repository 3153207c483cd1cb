import { InvalidSettingError, loadSettings } from '#config/settings';
import { loadAwsSettings } from '#functions/aws/aws-settings';
import { loadAzureSettings } from '#functions/azure/azure-settings';

const AWS_ENV = { STATE_TABLE: 'state', IDEMPOTENCY_TABLE: 'idempotency' };
const AZURE_ENV = {
  CONFLUENT_CREDENTIALS_SECRET: 'https://contoso.vault.azure.net/secrets/confluent-cloud-api-key',
  AZURE_STATE_TABLE_ENDPOINT: 'https://st.table.core.windows.net',
};

/** The InvalidSettingError message of `load`, or '' when it loads. */
function problemOf(load: () => unknown): string {
  try {
    load();
    return '';
  } catch (error) {
    if (!(error instanceof InvalidSettingError)) throw error;
    return error.message;
  }
}

describe('start-up rules between settings', () => {
  it('refuses a settle time that is not less than the verification timeout, naming both values', () => {
    // Act
    const problem = problemOf(() => loadSettings({ VERIFY_SETTLE_SECONDS: '60', VERIFY_TIMEOUT_SECONDS: '60' }));
    const fine = problemOf(() => loadSettings({ VERIFY_SETTLE_SECONDS: '59', VERIFY_TIMEOUT_SECONDS: '60' }));

    // Assess
    expect(problem).toContain('VERIFY_SETTLE_SECONDS (60) must be less than VERIFY_TIMEOUT_SECONDS (60)');
    expect(fine).toBe('');
  });

  it('refuses a lock TTL the pause wait plus verification would outlast', () => {
    // Act
    const problem = problemOf(() => loadSettings({ LOCK_TTL_SECONDS: '720' }));
    const fine = problemOf(() => loadSettings({ LOCK_TTL_SECONDS: '721' }));

    // Assess
    expect(problem).toContain(
      'LOCK_TTL_SECONDS (720) must be more than PAUSE_TIMEOUT_SECONDS (120) + VERIFY_TIMEOUT_SECONDS (600) = 720 (RESTART_METHOD=auto may pause)',
    );
    expect(fine).toBe('');
  });

  it('counts the pause wait for pause-resume but not for the restart endpoint alone', () => {
    // Prepare
    const env = { LOCK_TTL_SECONDS: '700', VERIFY_TIMEOUT_SECONDS: '600', PAUSE_TIMEOUT_SECONDS: '120' };

    // Act
    const pauseResume = problemOf(() => loadSettings({ ...env, RESTART_METHOD: 'pause-resume' }));
    const restart = problemOf(() => loadSettings({ ...env, RESTART_METHOD: 'restart' }));

    // Assess
    expect(pauseResume).toContain('LOCK_TTL_SECONDS (700) must be more than PAUSE_TIMEOUT_SECONDS (120)');
    expect(restart).toBe('');
  });

  it('refuses, on AWS, a function timeout the pause wait plus verification would outlast', () => {
    // Act
    const problem = problemOf(() => loadAwsSettings({ ...AWS_ENV, FUNCTION_TIMEOUT_SECONDS: '600' }));
    const fine = problemOf(() => loadAwsSettings({ ...AWS_ENV, FUNCTION_TIMEOUT_SECONDS: '900' }));
    const unset = problemOf(() => loadAwsSettings(AWS_ENV));

    // Assess
    expect(problem).toContain(
      'FUNCTION_TIMEOUT_SECONDS (600) must be more than PAUSE_TIMEOUT_SECONDS (120) + VERIFY_TIMEOUT_SECONDS (600) = 720',
    );
    expect(fine).toBe('');
    expect(unset).toBe('');
  });

  it('refuses, on Azure, a function timeout the verification would outlast', () => {
    // Prepare
    const env = { ...AZURE_ENV, FUNCTION_TIMEOUT_SECONDS: '300', RESTART_METHOD: 'restart' };

    // Act
    const problem = problemOf(() => loadAzureSettings(loadSettings(env), env));

    // Assess
    expect(problem).toContain(
      'FUNCTION_TIMEOUT_SECONDS (300) must be more than VERIFY_TIMEOUT_SECONDS (600; RESTART_METHOD=restart never pauses)',
    );
  });

  it('leaves the function timeout to the functions: the CLI does not read it', () => {
    // Act
    const problem = problemOf(() => loadSettings({ FUNCTION_TIMEOUT_SECONDS: '1' }));

    // Assess
    expect(problem).toBe('');
  });

  it('gives one message per broken rule, all at once', () => {
    // Prepare
    const env = { VERIFY_TIMEOUT_SECONDS: '30', VERIFY_SETTLE_SECONDS: '45', LOCK_TTL_SECONDS: '60', ...AWS_ENV };

    // Act
    const problem = problemOf(() => loadAwsSettings({ ...env, FUNCTION_TIMEOUT_SECONDS: '100' }));

    // Assess
    const messages = problem.replace(/^invalid configuration: /, '').split('; ');
    expect(messages.map((message) => message.split(' ')[0])).toEqual([
      'VERIFY_SETTLE_SECONDS',
      'LOCK_TTL_SECONDS',
      'FUNCTION_TIMEOUT_SECONDS',
    ]);
    expect(problem).toMatch(/^invalid configuration: VERIFY_SETTLE_SECONDS \(45\).*; LOCK_TTL_SECONDS \(60\) .*; /);
    expect(problem).toContain('FUNCTION_TIMEOUT_SECONDS (100) must be more than PAUSE_TIMEOUT_SECONDS (120)');
  });

  it('never quotes a credential: the API key pair rule names the variables only', () => {
    // Prepare
    const canary = 'canary-api-secret-7f3a91';

    // Act
    const problem = problemOf(() => loadSettings({ CONFLUENT_CLOUD_API_SECRET: canary }));

    // Assess
    expect(problem).toBe('invalid configuration: CONFLUENT_CLOUD_API_KEY and CONFLUENT_CLOUD_API_SECRET go together');
    expect(problem).not.toContain(canary);
  });

  it('requires, on Azure, the table endpoint or a connection string', () => {
    // Prepare
    const env = { CONFLUENT_CREDENTIALS_SECRET: AZURE_ENV.CONFLUENT_CREDENTIALS_SECRET };

    // Act
    const problem = problemOf(() => loadAzureSettings(loadSettings(env), env));
    const withConnectionString = problemOf(() =>
      loadAzureSettings(loadSettings(env), {
        ...env,
        AZURE_STATE_TABLE_CONNECTION_STRING: 'UseDevelopmentStorage=true',
      }),
    );

    // Assess
    expect(problem).toContain('AZURE_STATE_TABLE_ENDPOINT: required (or AZURE_STATE_TABLE_CONNECTION_STRING)');
    expect(withConnectionString).toBe('');
  });
});
