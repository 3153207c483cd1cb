import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { envFileText, parseEnvFile } from '#local/env-file';

const ENV = {
  AZURE_STATE_TABLE_CONNECTION_STRING:
    'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a+b/c==;TableEndpoint=http://127.0.0.1:1/x;',
  QUOTED: "it's",
  CONFLUENT_API_URL: 'http://127.0.0.1:4510',
};

describe('the npm start env file', () => {
  it('keeps a value with ; and quotes whole when a shell sources it', () => {
    // Prepare
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'env-file-')), 'env');
    writeFileSync(file, envFileText(ENV));

    // Act
    const sourced = execFileSync(
      'bash',
      ['-c', `source "${file}" && printf '%s\\n' "$AZURE_STATE_TABLE_CONNECTION_STRING" "$QUOTED"`],
      { encoding: 'utf8' },
    );

    // Assess
    expect(sourced).toBe(`${ENV.AZURE_STATE_TABLE_CONNECTION_STRING}\n${ENV.QUOTED}\n`);
  });

  it('reads back what it wrote, and unquoted lines as they are', () => {
    // Act / Assess
    expect(parseEnvFile(envFileText(ENV))).toEqual(ENV);
    expect(parseEnvFile('export A=plain\nnot a line\n')).toEqual({ A: 'plain' });
  });
});
