import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type BusEvent, type EventBridgeEmulator, startEventBridgeEmulator } from '#local/eventbridge-emulator';
import { matchesPattern, UnsupportedPatternError } from '#local/eventbridge-pattern';

const { secretLabelUpdatedPattern } = require('../../serverless/environment.js') as {
  secretLabelUpdatedPattern: (context: { resolveVariable: (name: string) => Promise<unknown> }) => Promise<unknown>;
};
const sample = JSON.parse(
  readFileSync(path.join(__dirname, '../../events/aws/secret-label-updated.json'), 'utf8'),
) as BusEvent & { detail: { name: string }; resources: string[] };
const rename = (name: string, suffix = 'AbCdEf'): BusEvent => ({
  ...sample,
  id: `${name}-${suffix}`,
  detail: { ...sample.detail, name },
  resources: [`arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-${suffix}`],
});

describe('EventBridge content filtering (local matcher)', () => {
  it('lets through exactly the configured secrets under the deployed pattern', async () => {
    // Prepare
    const pattern = (await secretLabelUpdatedPattern({
      resolveVariable: async () => 'prod/,team/exact,arn:aws:secretsmanager:us-east-1:123456789012:secret:ops/*',
    })) as Record<string, unknown>;

    // Act
    const verdicts = Object.fromEntries(
      ['prod/orders-db', 'team/exact', 'team/exact-other', 'ops/key', 'rds-managed/cluster-7', 'production/x'].map(
        (name) => [name, matchesPattern(pattern, rename(name))],
      ),
    );
    const pending = matchesPattern(pattern, {
      ...rename('prod/orders-db'),
      detail: { name: 'prod/orders-db', labelUpdated: 'AWSPENDING' },
    });

    // Assess
    expect(verdicts).toEqual({
      'prod/orders-db': true,
      'team/exact': true,
      'team/exact-other': false,
      'ops/key': true,
      'rds-managed/cluster-7': false,
      'production/x': false,
    });
    expect(pending).toBe(false);
  });

  it('matches arrays by intersection, suffix, wildcard, exists and anything-but; refuses what it cannot judge', () => {
    // Prepare
    const event = { source: 'x', resources: ['a', 'arn:b'], detail: { n: 'abc.png', deep: { k: 1 } } };

    // Assess
    expect(matchesPattern({ resources: ['arn:b'] }, event)).toBe(true);
    expect(matchesPattern({ detail: { n: [{ suffix: '.png' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { n: [{ wildcard: 'a*.png' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { missing: [{ exists: false }], n: [{ exists: true }] } }, event)).toBe(true);
    expect(matchesPattern({ source: [{ 'anything-but': ['x', 'y'] }] }, event)).toBe(false);
    expect(() => matchesPattern({ source: [{ numeric: ['>', 0] }] }, event)).toThrow(UnsupportedPatternError);
  });
});

describe('the local EventBridge bus: rules, duplicates and late delivery', () => {
  let bus: EventBridgeEmulator;

  beforeAll(async () => {
    bus = await startEventBridgeEmulator();
  });

  afterAll(async () => {
    await bus.close();
  });

  it('delivers a matching event twice, the second copy late, and an unmatched one never', async () => {
    // Prepare
    const received: { id: string; at: number }[] = [];
    const started = Date.now();
    bus.control.putRule({
      name: 'label-updated',
      pattern: { source: ['aws.secretsmanager'], detail: { name: [{ prefix: 'prod/' }] } },
      target: (event) => {
        received.push({ id: event.id, at: Date.now() - started });
      },
      delaysMs: [0, 300],
    });

    // Act
    bus.control.publish(rename('prod/orders-db'));
    bus.control.publish(rename('other/secret'));
    await bus.control.settled();

    // Assess
    expect(received.map((r) => r.id)).toEqual(['prod/orders-db-AbCdEf', 'prod/orders-db-AbCdEf']);
    expect(received[1]?.at).toBeGreaterThanOrEqual(290);
    expect(bus.control.matched()).toEqual({ matched: 1, unmatched: 1 });
    expect(bus.control.ruleDeliveries().map((d) => [d.copy, d.delayMs, d.outcome])).toEqual([
      [0, 0, 'delivered'],
      [1, 300, 'delivered'],
    ]);
  });
});
