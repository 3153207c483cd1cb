import { EVENT_GRID_RETRY_SCHEDULE_MS, SecretEventTopic } from '#local/key-vault-emulator/event-grid';
import type { StoredVersion } from '#local/key-vault-emulator/vault-store';

const TOPIC = { subscriptionId: 'sub', resourceGroup: 'rg' };
const version = (name: string): StoredVersion => ({
  vault: 'v',
  name,
  version: 'a1b2',
  value: 'x',
  enabled: true,
  tags: {},
  created: 0,
  updated: 0,
});
/** Event Grid's minutes as real microseconds: the whole schedule runs in milliseconds. */
const TIME_SCALE = 1 / 1000;

describe('the local Event Grid delivery contract (cloud-events.md §2.3)', () => {
  it('retries a failing endpoint on the retry schedule until it succeeds', async () => {
    // Prepare
    let calls = 0;
    const topic = new SecretEventTopic(
      TOPIC,
      Date.now,
      () => {
        calls += 1;
        if (calls < 4) throw new Error(`down ${calls}`);
      },
      { timeScale: TIME_SCALE },
    );

    // Act
    topic.publish(version('db'));
    await topic.settled();

    // Assess
    expect(topic.deliveryAttempts().map((a) => [a.attempt, a.atMs, a.outcome])).toEqual([
      [1, 0, 'failed'],
      [2, 10_000, 'failed'],
      [3, 40_000, 'failed'],
      [4, 100_000, 'delivered'],
    ]);
    expect(topic.deliveryErrors()).toEqual(['down 1', 'down 2', 'down 3']);
    expect(topic.deadLettered()).toEqual([]);
  });

  it('counts an answer after the deadline as a failed attempt, and delivers again', async () => {
    // Prepare: 30 s scaled to 30 ms, an endpoint that takes 80 ms the first time.
    let calls = 0;
    const topic = new SecretEventTopic(
      TOPIC,
      Date.now,
      async () => {
        calls += 1;
        if (calls === 1) await new Promise((resolve) => setTimeout(resolve, 80));
      },
      { timeScale: TIME_SCALE },
    );

    // Act
    topic.publish(version('db'));
    await topic.settled();

    // Assess
    expect(topic.deliveryAttempts().map((a) => a.outcome)).toEqual(['timed-out', 'delivered']);
    expect(calls).toBe(2);
  });

  it('dead-letters at once on 400, 401 and 413; after maxDeliveryAttempts otherwise', async () => {
    // Prepare
    const refusing = new SecretEventTopic(TOPIC, Date.now, () => 400, { timeScale: TIME_SCALE });
    const failing = new SecretEventTopic(TOPIC, Date.now, () => 503, { timeScale: TIME_SCALE, maxDeliveryAttempts: 3 });

    // Act
    refusing.publish(version('bad'));
    failing.publish(version('flaky'));
    await Promise.all([refusing.settled(), failing.settled()]);

    // Assess
    expect(refusing.deadLettered()).toEqual([
      expect.objectContaining({ deadLetterReason: 'NotRetried', deliveryAttempts: 1, lastDeliveryOutcome: 'HTTP 400' }),
    ]);
    expect(failing.deadLettered()).toEqual([
      expect.objectContaining({ deadLetterReason: 'MaxDeliveryAttemptsExceeded', deliveryAttempts: 3 }),
    ]);
    expect(EVENT_GRID_RETRY_SCHEDULE_MS.slice(0, 4)).toEqual([10_000, 30_000, 60_000, 300_000]);
  });

  it('gives up when the next retry would pass the event time to live', async () => {
    // Prepare: a 15-minute TTL: retries at 10 s, 40 s, 1 min 40 s, 6 min 40 s, then 16 min 40 s is too late.
    const topic = new SecretEventTopic(TOPIC, Date.now, () => 500, {
      timeScale: TIME_SCALE,
      eventTimeToLiveMs: 15 * 60_000,
    });

    // Act
    topic.publish(version('db'));
    await topic.settled();

    // Assess
    expect(topic.deadLettered()).toEqual([
      expect.objectContaining({ deadLetterReason: 'TimeToLiveExceeded', deliveryAttempts: 5 }),
    ]);
  });
});
