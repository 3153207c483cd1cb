import { parseConnectorPattern } from '#core/connector-pattern';
import { clusterKey, connectorKey, InvalidConnectorRefError, parseConnectorRef, parseScope } from '#core/connector-ref';

describe('parseConnectorRef', () => {
  it('reads env-id/lkc-id/name, trimming each part, and keeps slashes inside the name', () => {
    // Act
    const refs = [parseConnectorRef('  env-p1 / lkc-a1 / orders/cdc  '), parseConnectorRef('ENV-P1/LKC-A1/x')];

    // Assess
    expect(refs).toEqual([
      { environmentId: 'env-p1', clusterId: 'lkc-a1', name: 'orders/cdc' },
      { environmentId: 'ENV-P1', clusterId: 'LKC-A1', name: 'x' },
    ]);
    expect(connectorKey(refs[0] as never)).toBe('env-p1/lkc-a1/orders/cdc');
    expect(clusterKey({ environmentId: 'env-p1', clusterId: 'lkc-a1' })).toBe('env-p1/lkc-a1');
  });

  it.each([
    ['a bad environment id', 'environment-1/lkc-a1/orders'],
    ['text before the environment id', 'x-env-p1/lkc-a1/orders'],
    ['text after the environment id', 'env-p1.x/lkc-a1/orders'],
    ['a bad cluster id', 'env-p1/cluster-1/orders'],
    ['text before the cluster id', 'env-p1/x-lkc-a1/orders'],
    ['text after the cluster id', 'env-p1/lkc-a1.x/orders'],
    ['no name', 'env-p1/lkc-a1/'],
    ['no cluster', 'env-p1'],
  ])('rejects %s, quoting the trimmed input', (_case, text) => {
    // Act
    const parse = () => parseConnectorRef(` ${text} `);

    // Assess
    expect(parse).toThrow(InvalidConnectorRefError);
    expect(parse).toThrow(`expected "env-id/lkc-id/connector-name", got "${text}"`);
  });

  it('names its error class', () => {
    // Act
    const error = new InvalidConnectorRefError('x');

    // Assess
    expect(error.name).toBe('InvalidConnectorRefError');
  });
});

describe('parseScope', () => {
  it('reads an environment, a cluster, and a cluster with its cloud in any case', () => {
    // Act
    const scopes = ['env-p1', ' env-p1/lkc-a1 ', 'env-p1/lkc-a1@AWS', 'env-p1/lkc-a1@azure', 'env-p1/lkc-a1@gcp'].map(
      parseScope,
    );

    // Assess
    expect(scopes).toEqual([
      { environmentId: 'env-p1' },
      { environmentId: 'env-p1', clusterId: 'lkc-a1' },
      { environmentId: 'env-p1', clusterId: 'lkc-a1', cloud: 'aws' },
      { environmentId: 'env-p1', clusterId: 'lkc-a1', cloud: 'azure' },
      { environmentId: 'env-p1', clusterId: 'lkc-a1', cloud: 'gcp' },
    ]);
  });

  it.each([
    ['a bad environment id', 'prod'],
    ['a third path part', 'env-p1/lkc-a1/orders'],
    ['a second @', 'env-p1/lkc-a1@aws@azure'],
    ['a bad cluster id', 'env-p1/cluster-1'],
    ['a cloud on an environment', 'env-p1@aws'],
    ['an unknown cloud', 'env-p1/lkc-a1@oracle'],
    ['an empty cloud', 'env-p1/lkc-a1@'],
  ])('rejects %s, quoting the trimmed input', (_case, text) => {
    // Act
    const parse = () => parseScope(` ${text} `);

    // Assess
    expect(parse).toThrow(InvalidConnectorRefError);
    expect(parse).toThrow(`(or @azure, @gcp), got "${text}"`);
  });
});

describe('parseConnectorPattern', () => {
  it('trims the text, and takes regular-expression characters literally and only * as a wildcard', () => {
    // Prepare
    const pattern = parseConnectorPattern(' env-p1/lkc-a1/orders.cdc(1)* ');

    // Act
    const matches = [
      pattern.matches({ environmentId: 'env-p1', clusterId: 'lkc-a1', name: 'orders.cdc(1)-v2' }),
      pattern.matches({ environmentId: 'env-p1', clusterId: 'lkc-a1', name: 'ordersXcdc(1)' }),
      pattern.matches({ environmentId: 'env-p1', clusterId: 'lkc-a1', name: 'orders.cdc1' }),
    ];

    // Assess
    expect(pattern.text).toBe('env-p1/lkc-a1/orders.cdc(1)*');
    expect(matches).toEqual([true, false, false]);
  });
});
