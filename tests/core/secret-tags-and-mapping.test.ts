import { parseConnectorPattern } from '#core/connector-pattern';
import { InvalidConnectorRefError, parseConnectorRef } from '#core/connector-ref';
import { parseSecretRef } from '#core/secret-ref';
import { connectorsFromTags } from '#core/secret-tags';
import { InvalidTargetMappingError, parseTargetMapping } from '#core/target-mapping';

describe('connectorsFromTags', () => {
  it('reads comma-separated connectors from the tag and its numbered continuations', () => {
    // Act
    const result = connectorsFromTags({
      'confluent-connectors': 'env-a1/lkc-b1/orders-cdc, env-a1/lkc-b1/orders-outbox',
      'confluent-connectors-2': 'env-a1/lkc-c2/pay/ledger',
      owner: 'team-x',
    });

    // Assess
    expect(result.invalid).toEqual([]);
    expect(result.connectors).toEqual([
      { environmentId: 'env-a1', clusterId: 'lkc-b1', name: 'orders-cdc' },
      { environmentId: 'env-a1', clusterId: 'lkc-b1', name: 'orders-outbox' },
      { environmentId: 'env-a1', clusterId: 'lkc-c2', name: 'pay/ledger' },
    ]);
  });

  it('reports malformed entries instead of dropping them silently', () => {
    // Act
    const result = connectorsFromTags({ 'confluent-connectors': 'orders-cdc,env-a1/lkc-b1/ok' });

    // Assess
    expect(result.connectors).toHaveLength(1);
    expect(result.invalid).toEqual([
      'tag confluent-connectors: expected "env-id/lkc-id/connector-name", got "orders-cdc"',
    ]);
  });
});

describe('parseTargetMapping', () => {
  it('maps every spelling of a secret to its connectors', () => {
    // Prepare
    const mapping = parseTargetMapping(
      JSON.stringify({ secrets: { 'prod/crm-token': ['env-p1/lkc-x1/crm-sync'] } }),
      'mapping.json',
    );

    // Act
    const targets = mapping.targetsFor(
      parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/crm-token-Qr56St'),
    );

    // Assess
    expect(targets).toEqual([{ environmentId: 'env-p1', clusterId: 'lkc-x1', name: 'crm-sync' }]);
  });

  it.each([
    ['{', 'mapping.json: not valid JSON'],
    ['{"secrets":{"prod/x":[]}}', 'mapping.json: secrets.prod/x'],
    ['{"secrets":{"prod/x":["nope"]}}', 'mapping.json: secrets."prod/x": expected "env-id/lkc-id/connector-name"'],
    ['{"secret":{}}', 'mapping.json: '],
  ])('rejects %p naming the problem', (json, message) => {
    // Act / Assess
    expect(() => parseTargetMapping(json, 'mapping.json')).toThrow(InvalidTargetMappingError);
    expect(() => parseTargetMapping(json, 'mapping.json')).toThrow(message);
  });
});

describe('connector refs and patterns', () => {
  it('rejects refs without environment and cluster ids', () => {
    expect(() => parseConnectorRef('lkc-1/env-1/x')).toThrow(InvalidConnectorRefError);
  });

  it('matches exclusion patterns with wildcards', () => {
    // Prepare
    const pattern = parseConnectorPattern('env-p1/*/*-datagen');

    // Act / Assess
    expect(pattern.matches({ environmentId: 'env-p1', clusterId: 'lkc-1', name: 'orders-datagen' })).toBe(true);
    expect(pattern.matches({ environmentId: 'env-p2', clusterId: 'lkc-1', name: 'orders-datagen' })).toBe(false);
    expect(pattern.matches({ environmentId: 'env-p1', clusterId: 'lkc-1', name: 'orders-cdc' })).toBe(false);
  });
});
