import { isSecretEvent, providerOf, type TriggerEvent } from '#core/events';
import { parseSecretRef } from '#core/secret-ref';

const AWS_SECRET = parseSecretRef('arn:aws:secretsmanager:us-east-1:123456789012:secret:db-Ab12Cd');
const AZURE_SECRET = parseSecretRef('https://vault-1.vault.azure.net/secrets/db');

describe('isSecretEvent', () => {
  it('holds for rotated, expiring and expired secrets, not for connector failures, handshakes or ignored events', () => {
    // Prepare
    const events: TriggerEvent[] = [
      { kind: 'secret-rotated', secret: AWS_SECRET, version: null, source: 'test' },
      { kind: 'secret-expiring', secret: AWS_SECRET, version: null, source: 'test' },
      { kind: 'secret-expired', secret: AWS_SECRET, version: null, source: 'test' },
      { kind: 'connector-failed', connector: {}, source: 'test' },
      { kind: 'subscription-validation', validationCode: 'code', source: 'test' },
      { kind: 'ignored', reason: 'not ours', source: 'test' },
    ];

    // Act
    const verdicts = events.map(isSecretEvent);

    // Assess
    expect(verdicts).toEqual([true, true, true, false, false, false]);
  });
});

describe('providerOf', () => {
  it("is the secret's cloud", () => {
    // Act
    const providers = [AWS_SECRET, AZURE_SECRET].map((secret) =>
      providerOf({ kind: 'secret-expired', secret, version: null, source: 'test' }),
    );

    // Assess
    expect(providers).toEqual(['aws', 'azure']);
  });
});
