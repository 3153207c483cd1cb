import {
  canonicalSecretId,
  InvalidSecretRefError,
  parseSecretRef,
  partialSecretArn,
  sameSecret,
  secretArn,
  secretIdentityKey,
} from '#core/secret-ref';

const FULL_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';

describe('parseSecretRef', () => {
  it('splits a full ARN into name, region, account and the random suffix', () => {
    // Act
    const ref = parseSecretRef(FULL_ARN);

    // Assess
    expect(ref).toEqual({
      provider: 'aws',
      partition: 'aws',
      region: 'us-east-1',
      accountId: '123456789012',
      name: 'prod/orders-db',
      arnSuffix: 'Ab12Cd',
    });
    expect(canonicalSecretId(ref)).toBe(FULL_ARN);
  });

  it('keeps a partial ARN (no suffix) as the canonical id', () => {
    // Act
    const ref = parseSecretRef('arn:aws:secretsmanager:eu-west-1:123456789012:secret:db');

    // Assess
    expect(ref).toMatchObject({ name: 'db', region: 'eu-west-1' });
    expect(canonicalSecretId(ref)).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:db');
  });

  it('completes a bare name from defaults', () => {
    // Act
    const ref = parseSecretRef('prod/orders-db', { region: 'us-east-1', accountId: '123456789012' });

    // Assess
    expect(ref.provider === 'aws' && partialSecretArn(ref)).toBe(
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db',
    );
    expect(sameSecret(ref, parseSecretRef(FULL_ARN))).toBe(true);
    expect(secretIdentityKey(ref)).toBe(secretIdentityKey(parseSecretRef(FULL_ARN)));
  });

  it('parses Key Vault URIs with and without version, case-insensitively', () => {
    // Act
    const versioned = parseSecretRef(
      'https://Contoso-Prod.vault.azure.net/secrets/DB-Password/0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    );
    const bare = parseSecretRef('https://contoso-prod.vault.azure.net/secrets/db-password');

    // Assess
    expect(versioned).toEqual({
      provider: 'azure',
      vaultHost: 'contoso-prod.vault.azure.net',
      name: 'db-password',
      version: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
    });
    expect(canonicalSecretId(versioned)).toBe('https://contoso-prod.vault.azure.net/secrets/db-password');
    expect(sameSecret(versioned, bare)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['arn:aws:s3:::bucket', 'not a Secrets Manager secret ARN'],
    ['https://example.com/secrets/x', 'not a Key Vault secret URI'],
    ['bad name with spaces', 'not a valid Secrets Manager secret name'],
  ])('rejects %p with a clear message', (input, message) => {
    // Act / Assess
    expect(() => parseSecretRef(input)).toThrow(InvalidSecretRefError);
    expect(() => parseSecretRef(input)).toThrow(message);
  });

  it('does not confuse secrets that differ in suffix, region or name', () => {
    // Prepare
    const ref = parseSecretRef(FULL_ARN);

    // Act / Assess
    expect(sameSecret(ref, parseSecretRef(FULL_ARN.replace('Ab12Cd', 'Zz99Zz')))).toBe(false);
    expect(sameSecret(ref, parseSecretRef(FULL_ARN.replace('us-east-1', 'us-west-2')))).toBe(false);
    expect(sameSecret(ref, parseSecretRef('prod/orders'))).toBe(false);
  });
});

describe('parseSecretRef: Google Cloud Secret Manager names', () => {
  it('parses a name with a project id or number, with or without a version, into one canonical form', () => {
    // Act
    const byId = parseSecretRef('projects/acme-prod/secrets/orders-db');
    const byNumber = parseSecretRef('projects/123456789012/secrets/orders-db/versions/7');
    const latest = parseSecretRef('projects/acme-prod/secrets/orders-db/versions/latest');

    // Assess
    expect(byId).toEqual({ provider: 'gcp', project: 'acme-prod', name: 'orders-db' });
    expect(byNumber).toEqual({ provider: 'gcp', project: '123456789012', name: 'orders-db', version: '7' });
    expect(latest).toMatchObject({ version: 'latest' });
    expect(canonicalSecretId(byNumber)).toBe('projects/123456789012/secrets/orders-db');
    expect(canonicalSecretId(latest)).toBe('projects/acme-prod/secrets/orders-db');
    expect(secretIdentityKey(byNumber)).toBe('gcp:123456789012:orders-db');
  });

  it('never takes a GCP-shaped string as an AWS secret name, valid or not', () => {
    // Act
    const shaped = ['projects/p/secrets/db', 'projects/acme-prod/secrets/db/versions/0', 'projects/acme-prod/secrets/'];

    // Assess: `p` is too short for a project id, version 0 does not exist, an empty name is no name.
    for (const text of shaped) expect(() => parseSecretRef(text)).toThrow(InvalidSecretRefError);
    expect(() => parseSecretRef('projects/p/secrets/db')).toThrow(/not a Secret Manager secret name/);
    expect(parseSecretRef('projects/alpha')).toMatchObject({ provider: 'aws', name: 'projects/alpha' });
  });

  it('asks for the full name when a bare name is given for Google Cloud', () => {
    // Act + Assess
    expect(() => parseSecretRef('orders-db', { provider: 'gcp' })).toThrow(/needs its full name/);
  });

  it('takes a project id and a project number as the same project, the name deciding, but never two numbers', () => {
    // Prepare
    const notified = parseSecretRef('projects/123456789012/secrets/orders-db');

    // Act + Assess
    expect(sameSecret(notified, parseSecretRef('projects/acme-prod/secrets/orders-db/versions/3'))).toBe(true);
    expect(sameSecret(notified, parseSecretRef('projects/123456789012/secrets/orders-db/versions/latest'))).toBe(true);
    expect(sameSecret(notified, parseSecretRef('projects/999999999999/secrets/orders-db'))).toBe(false);
    expect(sameSecret(notified, parseSecretRef('projects/acme-prod/secrets/Orders-db'))).toBe(false);
    expect(sameSecret(notified, parseSecretRef('orders-db'))).toBe(false);
  });
});

describe('parseSecretRef rejects what is not a whole reference', () => {
  it.each([
    ['text before an ARN', `x${FULL_ARN}`],
    ['text after an ARN', `${FULL_ARN} x`],
    ['an ARN of another partition prefix', FULL_ARN.replace('arn:aws:', 'arn:awz:')],
    ['an ARN of another service', FULL_ARN.replace(':secretsmanager:', ':ssm:')],
    ['text before a Key Vault URI', 'see https://contoso.vault.azure.net/secrets/db'],
    ['text after a Key Vault URI', 'https://contoso.vault.azure.net/secrets/db x'],
    ['a plain http URI', 'http://contoso.vault.azure.net/secrets/db'],
    ['an https URI that is not a secret', 'https://contoso.vault.azure.net/keys/db'],
  ])('rejects %s', (_case, text) => {
    // Act
    const parse = () => parseSecretRef(text);

    // Assess
    expect(parse).toThrow(InvalidSecretRefError);
  });

  it('asks for the full URI when a bare name is meant for Azure, and names its error class', () => {
    // Act
    const parse = () => parseSecretRef('db', { provider: 'azure' });

    // Assess
    expect(parse).toThrow('an Azure secret needs its full URI (https://<vault>.vault.azure.net/secrets/<name>): db');
    expect(new InvalidSecretRefError('x').name).toBe('InvalidSecretRefError');
  });

  it('takes a suffix only when it is six characters after the last dash, and keeps the GovCloud partition', () => {
    // Act
    const refs = [
      parseSecretRef('arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:db-Ab12Cd7'),
      parseSecretRef(' arn:aws:secretsmanager:us-east-1:123456789012:secret:db-Ab12C '),
    ];

    // Assess
    expect(refs).toEqual([
      {
        provider: 'aws',
        partition: 'aws-us-gov',
        region: 'us-gov-west-1',
        accountId: '123456789012',
        name: 'db-Ab12Cd7',
      },
      { provider: 'aws', partition: 'aws', region: 'us-east-1', accountId: '123456789012', name: 'db-Ab12C' },
    ]);
  });
});

describe('secretArn and partialSecretArn', () => {
  it('give no ARN unless region and account (and, for the full ARN, the suffix) are known', () => {
    // Prepare
    const full = parseSecretRef(FULL_ARN);
    if (full.provider !== 'aws') throw new Error('expected an AWS ref');

    // Act
    const arns = [
      secretArn(full),
      secretArn({ ...full, region: undefined }),
      secretArn({ ...full, accountId: undefined }),
      secretArn({ ...full, arnSuffix: undefined }),
      partialSecretArn({ ...full, region: undefined }),
      partialSecretArn({ ...full, accountId: undefined }),
      partialSecretArn({ provider: 'aws', name: 'db', region: 'eu-west-1', accountId: '123456789012' }),
    ];

    // Assess
    expect(arns).toEqual([
      FULL_ARN,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db',
    ]);
  });
});

describe('secretIdentityKey and sameSecret', () => {
  it('marks an unknown region or account with "?"', () => {
    // Act
    const keys = [
      secretIdentityKey({ provider: 'aws', name: 'db' }),
      secretIdentityKey({ provider: 'aws', name: 'db', region: 'eu-west-1', accountId: '123456789012' }),
    ];

    // Assess
    expect(keys).toEqual(['aws:?:?:db', 'aws:eu-west-1:123456789012:db']);
  });

  it('never takes an Azure and an AWS secret of the same name for one another', () => {
    // Prepare
    const azure = parseSecretRef('https://contoso.vault.azure.net/secrets/db');
    const aws = parseSecretRef('db');

    // Act
    const verdicts = [sameSecret(azure, aws), sameSecret(aws, azure), sameSecret(azure, azure)];

    // Assess
    expect(verdicts).toEqual([false, false, true]);
  });

  it('tolerates a part known on one side only, whichever side it is', () => {
    // Prepare
    const full = parseSecretRef(FULL_ARN);
    const bare = parseSecretRef('prod/orders-db');

    // Act
    const verdicts = [sameSecret(full, bare), sameSecret(bare, full)];

    // Assess
    expect(verdicts).toEqual([true, true]);
  });
});
