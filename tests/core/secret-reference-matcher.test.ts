import { parseSecretRef } from '../../shared/core/secret-ref';
import {
  findSecretReferences,
  referencingKeys,
  secretReferenceMatcher,
} from '../../shared/core/secret-reference-matcher';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd';
const PARTIAL = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db';
const VAULT = 'https://contoso.vault.azure.net/secrets/orders-db';

describe('secretReferenceMatcher (AWS)', () => {
  const matcher = secretReferenceMatcher(parseSecretRef(ARN));

  it.each([
    ['the full ARN', ARN],
    ['the ARN without its suffix', PARTIAL],
    ['the exact name', 'prod/orders-db'],
    ['the ARN wrapped in a placeholder', `\${${ARN}}`],
    ['the ARN followed by a JSON key selector', `${ARN}:password`],
  ])('matches %s', (_label, value) => {
    expect(matcher.matches(value)).toBe(true);
  });

  it.each([
    ['a masked value', '****************'],
    [
      'another secret sharing a prefix',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-archive-Xy12Zw',
    ],
    ['the same name in another region', 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/orders-db-Ab12Cd'],
    ['the same name in another account', 'arn:aws:secretsmanager:us-east-1:999999999999:secret:prod/orders-db'],
    ['the name as part of a longer value', 'jdbc:postgresql://prod/orders-db:5432'],
    ['a different suffix', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Qq11Qq'],
  ])('does not match %s', (_label, value) => {
    expect(matcher.matches(value)).toBe(false);
  });

  it('matches a partial ARN whose own name ends in six characters after a dash', () => {
    // Prepare: a secret literally named "svc-abcdef" looks as if it carried a suffix.
    const odd = secretReferenceMatcher(
      parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:svc-abcdef-Zz99Yy'),
    );

    // Act / Assess
    expect(odd.matches('arn:aws:secretsmanager:us-east-1:123456789012:secret:svc-abcdef')).toBe(true);
  });

  it('lists the keys that reference the secret', () => {
    // Act
    const keys = referencingKeys(
      { 'database.password': ARN, 'database.user': 'app', 'kafka.api.secret': '****' },
      matcher,
    );

    // Assess
    expect(keys).toEqual(['database.password']);
  });
});

describe('secretReferenceMatcher (Azure)', () => {
  const matcher = secretReferenceMatcher(parseSecretRef(VAULT));

  it.each([
    ['the versionless URI', VAULT],
    ['a versioned URI', `${VAULT}/0f1e2d3c4b5a69788796a5b4c3d2e1f0`],
    ['a differently-cased URI', 'https://CONTOSO.vault.azure.net/secrets/Orders-DB'],
  ])('matches %s', (_label, value) => {
    expect(matcher.matches(value)).toBe(true);
  });

  it.each([
    ['another vault', 'https://other.vault.azure.net/secrets/orders-db'],
    ['another secret with a shared prefix', 'https://contoso.vault.azure.net/secrets/orders-db-replica'],
    ['the bare name', 'orders-db'],
  ])('does not match %s', (_label, value) => {
    expect(matcher.matches(value)).toBe(false);
  });
});

describe('secretReferenceMatcher edge cases', () => {
  it('matches the exact name with spaces around it, but not when masked or named only by a bare ARN prefix', () => {
    // Prepare
    const matcher = secretReferenceMatcher(parseSecretRef(ARN));

    // Act
    const verdicts = [
      matcher.matches('  prod/orders-db  '),
      matcher.matches('**prod/orders-db'),
      matcher.matches('*prod/orders-db'),
      matcher.matches(`x ${PARTIAL.replace(':secretsmanager:', ':secrets-manager:')}`),
    ];

    // Assess
    expect(verdicts).toEqual([true, false, false, false]);
  });

  it('matches when any one of several ARNs in a value names the secret', () => {
    // Prepare
    const matcher = secretReferenceMatcher(parseSecretRef(ARN));
    const other = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:billing-Zz99Zz';

    // Act
    const verdicts = [matcher.matches(`${other},${ARN}`), matcher.matches(`${ARN},${other}`)];

    // Assess
    expect(verdicts).toEqual([true, true]);
  });

  it('does not take a partial ARN of another account for the secret, even when its name ends like a suffix', () => {
    // Prepare: the secret's own name ends in six characters after a dash.
    const matcher = secretReferenceMatcher(
      parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:db-v2'),
    );

    // Act
    const verdicts = [
      matcher.matches('arn:aws:secretsmanager:us-east-1:999999999999:secret:db-Ab12Cd'),
      matcher.matches('arn:aws:secretsmanager:us-east-1:123456789012:secret:db-Ab12Cd'),
    ];

    // Assess
    expect(verdicts).toEqual([false, false]);
  });

  it('matches a Key Vault URI among others, in any case, and only in values that name a vault', () => {
    // Prepare
    const matcher = secretReferenceMatcher(parseSecretRef(VAULT));

    // Act
    const verdicts = [
      matcher.matches(`https://other.vault.azure.net/secrets/x;${VAULT.toUpperCase()}/abc123`),
      matcher.matches('https://contoso.example.net/secrets/orders-db'),
      matcher.matches('https://contoso.vault.azure.net/keys/orders-db'),
      matcher.matches('orders-db'),
    ];

    // Assess
    expect(verdicts).toEqual([true, false, false, false]);
  });
});

describe('findSecretReferences', () => {
  it('lists every ARN and Key Vault URI a config names, canonical and once each, skipping masked values', () => {
    // Prepare
    const config = {
      'database.password': `\${${ARN}}`,
      'backup.password': `${PARTIAL}:password`,
      'azure.secret': `${VAULT}/0123abcd and ${ARN}`,
      'masked.secret': `****${PARTIAL.replace('orders-db', 'hidden')}`,
      'not.a.secret': 'arn:aws:secretsmanager:us-east-1:123:secret:too-short-account',
    };

    // Act
    const found = findSecretReferences(config);

    // Assess
    expect(found).toEqual([ARN, PARTIAL, VAULT]);
  });
});
