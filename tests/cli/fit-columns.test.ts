import { breakLongWords, fitColumns, visibleWidth, wrapText } from '#cli/fit-columns';
import { shortSecretId, shortVersion } from '#cli/short-ids';

describe('fitColumns', () => {
  it('leaves a table that fits alone', () => {
    // Act / Assess
    expect(fitColumns([10, 20, 30], [4, 4, 4], 120)).toBeUndefined();
  });

  it('keeps narrow and whole columns, and shares the rest so the table is exactly as wide as allowed', () => {
    // Prepare: a whole first column (its minimum is its width), two narrow ones, two long prose ones.
    const natural = [45, 9, 11, 80, 60];
    const minimum = [45, 6, 6, 8, 8];

    // Act
    const widths = fitColumns(natural, minimum, 120) ?? [];

    // Assess
    expect(widths.slice(0, 3)).toEqual([45, 9, 11]);
    expect(widths.reduce((sum, width) => sum + width, 0) + widths.length + 1).toBe(120);
    expect(widths[3]).toBeGreaterThanOrEqual(widths[4] ?? 0);
  });

  it('never goes below a column minimum, even when that overflows', () => {
    // Act
    const widths = fitColumns([100, 100], [70, 70], 120);

    // Assess
    expect(widths).toEqual([70, 70]);
  });
});

describe('text helpers', () => {
  it('wraps prose at spaces with an indent, keeping a word longer than the width whole', () => {
    // Act
    const lines = wrapText('note: a b c averyveryverylongword end', 12, '  ');

    // Assess
    expect(lines).toEqual(['note: a b c', '  averyveryverylongword', '  end']);
  });

  it('breaks only the words too long for a column, and leaves coloured labels alone', () => {
    // Act / Assess
    expect(breakLongWords('version 0123456789abcdef ok', 8)).toBe('version 01234567\n89abcdef ok');
    expect(breakLongWords('\u001b[32mrestarted-verified\u001b[39m', 4)).toBe('\u001b[32mrestarted-verified\u001b[39m');
    expect(visibleWidth('\u001b[32mok\u001b[39m\nlonger')).toBe(6);
  });
});

describe('short ids', () => {
  it('elides the middle of an ARN and of a Key Vault URI, keeping the secret name', () => {
    // Act / Assess
    expect(shortSecretId('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd')).toBe(
      'arn:…:prod/orders-db-Ab12Cd',
    );
    expect(shortSecretId('https://contoso-analytics.vault.azure.net/secrets/analytics-db-password')).toBe(
      'https://contoso-analytics…/analytics-db-password',
    );
    expect(shortSecretId('https://kv1.vault.azure.net/secrets/db/0f1e2d3c4b5a69788796a5b4c3d2e1f0')).toBe(
      'https://kv1…/db/0f1e2d3c…',
    );
    expect(shortSecretId('prod/orders-db')).toBe('prod/orders-db');
  });

  it('keeps the first characters of a long version id, and a short one whole', () => {
    // Act / Assess
    expect(shortVersion('c29cb481-0259-4751-86e3-27e58e62b48f')).toBe('c29cb481…');
    expect(shortVersion('v2')).toBe('v2');
  });
});
