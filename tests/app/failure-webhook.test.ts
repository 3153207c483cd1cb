import crypto from 'node:crypto';
import { FailureWebhook, MAX_WEBHOOK_BODY_BYTES } from '#app/failure-webhook';
import { tokensMatch } from '#app/webhook-token';
import { silentLogger } from '#core/ports';

const TOKEN = 'wh-7c1e9f3a2b4d6e8f0a1b2c3d4e5f6a7b';
const webhook = new FailureWebhook(async () => TOKEN, silentLogger);
const FAILED = JSON.stringify({
  title: 'Connector failed',
  message: 'crn://confluent.cloud/organization=o/environment=env-prod01/cloud-cluster=lkc-orders1/connector=orders-cdc',
});

describe('FailureWebhook', () => {
  it.each([
    ['no token', 'https://hooks.example/webhook'],
    ['a wrong token in the path', 'https://hooks.example/webhook/wh-wrong'],
    ['a wrong token in the query', 'https://hooks.example/webhook?token=wh-wrong'],
    ['a token one character short', `https://hooks.example/webhook/${TOKEN.slice(0, -1)}`],
    ['a malformed escape as the last path segment', 'https://hooks.example/webhook/%E0%A4%A'],
  ])('answers 401 with no detail for %s', async (_label, url) => {
    // Act
    const result = await webhook.handle({ url, bodyText: FAILED });

    // Assess
    expect(result.response).toEqual({ status: 401, body: { message: 'unauthorized' } });
    expect(result.failures).toEqual([]);
  });

  it('checks the token before looking at the body', async () => {
    // Act
    const result = await webhook.handle({
      url: 'https://hooks.example/webhook',
      bodyText: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES + 1),
    });

    // Assess
    expect(result.response.status).toBe(401);
  });

  it.each([
    ['path', `https://hooks.example/api/webhook/${TOKEN}`],
    ['query', `https://hooks.example/api/webhook?token=${TOKEN}`],
  ])('accepts the token in the %s and hands off the failure (202)', async (_label, url) => {
    // Act
    const result = await webhook.handle({ url, bodyText: FAILED });

    // Assess
    expect(result.response.status).toBe(202);
    expect(result.failures).toEqual([
      expect.objectContaining({
        connector: { environmentId: 'env-prod01', clusterId: 'lkc-orders1', name: 'orders-cdc' },
      }),
    ]);
  });

  it('answers 413 for a body over 256 KB and 400 for a body that is not JSON', async () => {
    // Prepare
    const url = `https://hooks.example/webhook/${TOKEN}`;

    // Act
    const huge = await webhook.handle({
      url,
      bodyText: JSON.stringify({ message: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) }),
    });
    const notJson = await webhook.handle({ url, bodyText: '<xml/>' });

    // Assess
    expect(huge.response).toEqual({
      status: 413,
      body: { message: `body larger than ${MAX_WEBHOOK_BODY_BYTES} bytes` },
    });
    expect(notJson.response).toEqual({ status: 400, body: { message: 'body is not JSON' } });
  });

  it("accepts Confluent's test notification without recovering anything", async () => {
    // Act
    const result = await webhook.handle({
      url: `https://hooks.example/webhook/${TOKEN}`,
      bodyText: JSON.stringify({ title: 'Confluent Cloud test notification', message: 'This is a test notification.' }),
    });

    // Assess
    expect(result.response.status).toBe(202);
    expect(result.failures).toEqual([]);
    expect(result.ignored).toHaveLength(1);
  });
});

describe('tokensMatch', () => {
  it('compares in constant time through fixed-length digests', () => {
    // Prepare
    const spy = jest.spyOn(crypto, 'timingSafeEqual');

    // Act
    const short = tokensMatch('a', TOKEN);
    const same = tokensMatch(TOKEN, TOKEN);

    // Assess
    expect([short, same]).toEqual([false, true]);
    expect(spy).toHaveBeenCalledTimes(2);
    for (const [a, b] of spy.mock.calls) expect([(a as Buffer).length, (b as Buffer).length]).toEqual([32, 32]);
    spy.mockRestore();
  });

  it('never matches an empty expected token', () => {
    expect(tokensMatch('', '')).toBe(false);
  });
});
