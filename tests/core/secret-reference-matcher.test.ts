import { parseSecretRef } from '#core/secret-ref';
import {
  findSecretReferences,
  isCredentialKey,
  pinnedVersions,
  referencingKeys,
  secretReferenceMatcher,
} from '#core/secret-reference-matcher';

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
    expect(matcher.matches(value, 'database.password')).toBe(true);
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
    expect(matcher.matches(value, 'database.password')).toBe(false);
  });

  it.each(['topics', 'name', 'topic.prefix', 'key.converter', 'transforms.route.replacement', 'database.dbname'])(
    'does not count the bare name under the non-credential key %s',
    (key) => {
      expect(matcher.matches('prod/orders-db', key)).toBe(false);
    },
  );

  it('counts an ARN under any key: it names the secret whatever the field', () => {
    expect(matcher.matches(ARN, 'transforms.tag.static.value')).toBe(true);
  });

  it('matches a partial ARN whose own name ends in six characters after a dash', () => {
    // Prepare: a secret literally named "svc-abcdef" looks as if it carried a suffix.
    const odd = secretReferenceMatcher(
      parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:svc-abcdef-Zz99Yy'),
    );

    // Act / Assess
    expect(odd.matches('arn:aws:secretsmanager:us-east-1:123456789012:secret:svc-abcdef', 'auth.password')).toBe(true);
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
    expect(matcher.matches(value, 'azblob.account.key')).toBe(true);
  });

  it.each([
    ['another vault', 'https://other.vault.azure.net/secrets/orders-db'],
    ['another secret with a shared prefix', 'https://contoso.vault.azure.net/secrets/orders-db-replica'],
    ['the bare name', 'orders-db'],
  ])('does not match %s', (_label, value) => {
    expect(matcher.matches(value, 'azblob.account.key')).toBe(false);
  });

  it('tells the version a reference pins, and none when any reference follows the current version', () => {
    // Prepare
    const config = {
      'azure.sql.dw.password': `${VAULT}/0F1E2D3C4B5A69788796A5B4C3D2E1F0`,
      'azblob.account.key': VAULT,
      'other.password': 'https://contoso.vault.azure.net/secrets/other/11112222333344445555666677778888',
    };
    const secret = parseSecretRef(VAULT);

    // Act
    const pinned = pinnedVersions(config, ['azure.sql.dw.password', 'other.password'], secret);
    const mixed = pinnedVersions(config, ['azure.sql.dw.password', 'azblob.account.key'], secret);

    // Assess
    expect(pinned).toEqual(['0f1e2d3c4b5a69788796a5b4c3d2e1f0']);
    expect(mixed).toBeUndefined();
    expect(pinnedVersions(config, ['azure.sql.dw.password'], parseSecretRef(ARN))).toBeUndefined();
  });
});

describe('isCredentialKey', () => {
  it.each([
    'database.password',
    'connection.password',
    'aws.secret.access.key',
    'azblob.account.key',
    'kafka.api.key',
    'kafka.api.secret',
    'oauth2.client.secret',
    'auth.token',
    'gcp.credentials.json',
    'sasl.jaas.config',
    'apiKey',
    'ssl.keystore.password',
  ])('counts %s', (key) => {
    expect(isCredentialKey(key)).toBe(true);
  });

  it.each([
    'topics',
    'name',
    'topic.prefix',
    'key.converter',
    'input.key.format',
    'database.user',
    'secret.manager.provider.integration.id',
  ])('does not count %s', (key) => {
    expect(isCredentialKey(key)).toBe(false);
  });
});

describe('secretReferenceMatcher (Google Cloud)', () => {
  // What a Secret Manager notification names: the project by number.
  const notified = parseSecretRef('projects/123456789012/secrets/orders-db');
  const matcher = secretReferenceMatcher(notified);
  // Through referencingKeys, as the resolver calls it: one key per spelling.
  const keysOf = (value: string) => referencingKeys({ 'database.password': value }, matcher);

  it.each([
    ['the name with the project number', 'projects/123456789012/secrets/orders-db'],
    ['the name with the project id', 'projects/acme-prod/secrets/orders-db'],
    ['a numbered version', 'projects/acme-prod/secrets/orders-db/versions/3'],
    ['the latest alias', 'projects/123456789012/secrets/orders-db/versions/latest'],
    ['the full resource name', '//secretmanager.googleapis.com/projects/acme-prod/secrets/orders-db'],
    ['a wrapped reference', `\${${'projects/acme-prod/secrets/orders-db/versions/latest'}}`],
  ])('matches %s', (_label, value) => {
    expect(keysOf(value)).toEqual(['database.password']);
  });

  it.each([
    ['a masked value', '********'],
    ['another secret sharing a prefix', 'projects/acme-prod/secrets/orders-db-archive'],
    ['the same name in another numbered project', 'projects/999999999999/secrets/orders-db'],
    ['the bare name', 'orders-db'],
    ['an AWS ARN of the same name', 'arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-db'],
    ['a path that merely ends like one', 'gs://bucket/myprojects/acme-prod/secrets/orders-db'],
  ])('does not match %s', (_label, value) => {
    expect(keysOf(value)).toEqual([]);
  });

  it('lists Secret Manager references among the ones a config visibly holds', () => {
    // Act
    const found = findSecretReferences({ a: 'projects/acme-prod/secrets/orders-db/versions/2', b: 'plain' });

    // Assess
    expect(found).toEqual(['projects/acme-prod/secrets/orders-db']);
  });

  it('tells a reference pinned to numbered versions from one that follows the current version', () => {
    // Act + Assess
    const pinnedIn = (value: string) =>
      pinnedVersions({ 'connection.password': value }, ['connection.password'], notified);
    expect(pinnedIn('projects/acme-prod/secrets/orders-db/versions/3')).toEqual(['3']);
    expect(pinnedIn('projects/acme-prod/secrets/orders-db/versions/latest')).toBeUndefined();
    expect(pinnedIn('projects/acme-prod/secrets/orders-db')).toBeUndefined();
    expect(pinnedIn('projects/acme-prod/secrets/other/versions/3')).toBeUndefined();
  });
});

describe('secretReferenceMatcher edge cases', () => {
  // Under a credential-like key, where a bare name counts too (the key rule has tests of its own above).
  const KEY = 'connection.password';

  it('matches the exact name with spaces around it, but not when masked or named only by a bare ARN prefix', () => {
    // Prepare
    const matcher = secretReferenceMatcher(parseSecretRef(ARN));

    // Act
    const verdicts = [
      matcher.matches('  prod/orders-db  ', KEY),
      matcher.matches('**prod/orders-db', KEY),
      matcher.matches('*prod/orders-db', KEY),
      matcher.matches(`x ${PARTIAL.replace(':secretsmanager:', ':secrets-manager:')}`, KEY),
    ];

    // Assess
    expect(verdicts).toEqual([true, false, false, false]);
  });

  it('matches when any one of several ARNs in a value names the secret', () => {
    // Prepare
    const matcher = secretReferenceMatcher(parseSecretRef(ARN));
    const other = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:billing-Zz99Zz';

    // Act
    const verdicts = [matcher.matches(`${other},${ARN}`, KEY), matcher.matches(`${ARN},${other}`, KEY)];

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
      matcher.matches('arn:aws:secretsmanager:us-east-1:999999999999:secret:db-Ab12Cd', KEY),
      matcher.matches('arn:aws:secretsmanager:us-east-1:123456789012:secret:db-Ab12Cd', KEY),
    ];

    // Assess
    expect(verdicts).toEqual([false, false]);
  });

  it('matches a Key Vault URI among others, in any case, and only in values that name a vault', () => {
    // Prepare
    const matcher = secretReferenceMatcher(parseSecretRef(VAULT));

    // Act
    const verdicts = [
      matcher.matches(`https://other.vault.azure.net/secrets/x;${VAULT.toUpperCase()}/abc123`, KEY),
      matcher.matches('https://contoso.example.net/secrets/orders-db', KEY),
      matcher.matches('https://contoso.vault.azure.net/keys/orders-db', KEY),
      matcher.matches('orders-db', KEY),
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
