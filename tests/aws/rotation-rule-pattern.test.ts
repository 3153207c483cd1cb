/**
 * The Secret Label Updated rule's pattern as serverless/environment.js derives it from the `secrets` param (the
 * packaged template test checks it lands in the rule). EventBridge content filters: exact strings, `prefix`,
 * `wildcard` (only `*`), `$or` across fields.
 */
const { secretLabelUpdatedPattern } = require('../../serverless/environment.js') as {
  secretLabelUpdatedPattern: (context: { resolveVariable: (name: string) => Promise<unknown> }) => Promise<unknown>;
};

const patternFor = (secrets: string) =>
  secretLabelUpdatedPattern({ resolveVariable: async (name) => (name === 'param:secrets' ? secrets : '') });
const BASE = { source: ['aws.secretsmanager'], 'detail-type': ['Secret Label Updated'] };

describe('secretLabelUpdatedPattern', () => {
  it('matches names and name prefixes on detail.name', async () => {
    // Act
    const pattern = await patternFor('connector-reloader/, prod/orders-db, app-*');

    // Assess
    expect(pattern).toEqual({
      ...BASE,
      detail: {
        labelUpdated: ['AWSCURRENT'],
        name: [{ prefix: 'connector-reloader/' }, 'prod/orders-db', { prefix: 'app-' }],
      },
    });
  });

  it('matches ARNs and ARN prefixes on resources, and IAM wildcards as EventBridge wildcards', async () => {
    // Act
    const pattern = await patternFor(
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf,arn:aws:secretsmanager:eu-west-1:111122223333:secret:ops/*,arn:aws:secretsmanager:eu-west-1:111122223333:secret:key-??????',
    );

    // Assess
    expect(pattern).toEqual({
      ...BASE,
      detail: { labelUpdated: ['AWSCURRENT'] },
      resources: [
        'arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf',
        { prefix: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:ops/' },
        { wildcard: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:key-*' },
      ],
    });
  });

  it('refuses a param that would match every secret, as the IAM statement does', async () => {
    // Assess
    await expect(patternFor('*')).rejects.toThrow(/would allow every secret/);
    await expect(patternFor(' , ')).rejects.toThrow(/name at least one secret/);
  });
});
