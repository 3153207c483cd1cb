import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfluentNotification } from '#events/confluent-notification';
import { DEFAULT_PARSERS } from '#events/default-parsers';
import { parseTrigger } from '#events/parse-trigger';

const sample = (file: string) =>
  JSON.parse(readFileSync(path.resolve(__dirname, '../../events/confluent', file), 'utf8')) as unknown;

describe('Confluent notification webhook bodies', () => {
  it.each([
    [
      'connector-failed-crn.json',
      { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' },
      undefined,
    ],
    [
      'connector-failed-fields.json',
      { environmentId: 'env-prod01', clusterId: 'lkc-pay01', name: 'payments-http-sink' },
      'lcc-pay01',
    ],
    ['connector-failed-id-only.json', {}, 'lcc-azan02'],
    ['failure-without-connector.json', {}, undefined],
  ])('reads %s leniently', (file, connector, connectorId) => {
    // Act
    const [event] = parseTrigger(sample(file), DEFAULT_PARSERS);

    // Assess
    expect(event).toMatchObject({ kind: 'connector-failed', source: 'confluent/notification', connector });
    expect(event?.kind === 'connector-failed' ? event.connectorId : 'not connector-failed').toBe(connectorId);
  });

  it('ignores the test notification with a reason (the webhook still answers 202)', () => {
    // Act
    const event = parseConfluentNotification(sample('test-notification.json'));

    // Assess
    expect(event).toMatchObject({ kind: 'ignored', reason: expect.stringContaining('test notification') });
  });

  it.each([
    ['an empty object', {}],
    ['a string', 'connector failed'],
    ['null', null],
    ['a number', 42],
    ['an array of junk', [1, 'two', { three: [4] }]],
    ['wrong-typed fields', { connector: 12, environment: { id: 7 }, message: ['x'] }],
    ['prototype keys', JSON.parse('{"__proto__": {"connector": "evil"}, "constructor": {"prototype": 1}}')],
    ['deep nesting', JSON.parse(`${'{"a":'.repeat(500)}"lkc-deep1"${'}'.repeat(500)}`)],
  ])('never throws on %s', (_label, body) => {
    // Act
    const event = parseConfluentNotification(body);

    // Assess
    expect(['connector-failed', 'ignored']).toContain(event.kind);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('does not take a connector id or a long text for a connector name', () => {
    // Act
    const event = parseConfluentNotification({ connector: 'lcc-abc123', message: 'failed' });

    // Assess
    expect(event).toMatchObject({ kind: 'connector-failed', connector: {}, connectorId: 'lcc-abc123' });
  });
});
