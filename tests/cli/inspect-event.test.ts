import { readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EXIT, main } from '#cli/main';
import { capturedOutput } from '#test-helpers/captured-output';

const EVENTS = path.resolve(__dirname, '../../events');

describe('connector-reloader inspect-event', () => {
  it('prints one JSON line with kind, provider, canonical secret and version for the native AWS event', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();

    // Act
    const code = await main(['inspect-event', path.join(EVENTS, 'aws/secret-label-updated.json'), '--json'], output);

    // Assess
    expect(code).toBe(EXIT.ok);
    const lines = chunks.out.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      kind: 'secret-rotated',
      provider: 'aws',
      secret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/orders-db-Ab12Cd',
    });
  });

  it('prints one line per event of an Event Grid array, with the versionless vault URI', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();

    // Act
    const code = await main(
      ['inspect-event', path.join(EVENTS, 'azure/secret-new-version-created.eventgrid.json'), '--json'],
      output,
    );

    // Assess
    expect(code).toBe(EXIT.ok);
    const events = chunks.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]).toMatchObject({
      kind: 'secret-rotated',
      provider: 'azure',
      secret: 'https://contoso-analytics.vault.azure.net/secrets/analytics-db-password',
      version: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
  });

  it.each([
    ['gcp/secret-version-add.eventarc.json', 'gcp.eventarc/SECRET_VERSION_ADD', '4'],
    ['gcp/secret-version-add.push.json', 'gcp.pubsub-push/SECRET_VERSION_ADD', '4'],
    ['gcp/secret-version-enable.push.json', 'gcp.pubsub-push/SECRET_VERSION_ENABLE', '3'],
  ])(
    'prints %s (an Eventarc CloudEvent or a Pub/Sub push body) as a Secret Manager rotation',
    async (file, source, version) => {
      // Prepare
      const { output, chunks } = capturedOutput();

      // Act
      const code = await main(['inspect-event', path.join(EVENTS, file), '--json'], output);

      // Assess
      expect(code).toBe(EXIT.ok);
      expect(
        chunks.out
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line)),
      ).toEqual([
        {
          kind: 'secret-rotated',
          source,
          eventId: expect.any(String),
          provider: 'gcp',
          secret: 'projects/314159265358/secrets/inventory-db-password',
          version,
        },
      ]);
    },
  );

  it.each([
    ['gcp/secret-rotate.eventarc.json', 'a reminder that rotation is due, with no new version'],
    ['gcp/secret-version-disable.eventarc.json', 'a disabled version is not served'],
    ['gcp/topic-configured.push.json', 'a test message sent when the topic was configured'],
  ])('prints %s as ignored, with the reason, in the table too', async (file, reason) => {
    // Prepare
    const json = capturedOutput();
    const table = capturedOutput();

    // Act
    const code = await main(['inspect-event', path.join(EVENTS, file), '--json'], json.output);
    await main(['inspect-event', path.join(EVENTS, file), '--wide'], table.output);

    // Assess
    expect(code).toBe(EXIT.ok);
    const [event, ...more] = json.chunks.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(more).toEqual([]);
    expect(event).toMatchObject({ kind: 'ignored', reason: expect.stringContaining(reason) });
    expect(event).not.toHaveProperty('secret');
    expect(table.chunks.out).toContain('ignored');
    expect(table.chunks.out).toContain(reason);
  });

  it.each(
    ['aws', 'azure', 'gcp', 'confluent'].flatMap((cloud) =>
      readdirSync(path.join(EVENTS, cloud)).map((file) => `${cloud}/${file}`),
    ),
  )('normalizes %s without error, giving a reason for ignored events', async (file) => {
    // Prepare
    const { output, chunks } = capturedOutput();

    // Act
    const code = await main(['inspect-event', path.join(EVENTS, file), '--json'], output);

    // Assess
    expect(code).toBe(EXIT.ok);
    for (const line of chunks.out.trim().split('\n')) {
      const event = JSON.parse(line);
      if (event.kind === 'ignored') expect(event.reason).toEqual(expect.any(String));
      else
        expect([
          'secret-rotated',
          'secret-expiring',
          'secret-expired',
          'subscription-validation',
          'connector-failed',
        ]).toContain(event.kind);
    }
  });

  it('prints a human table without --json', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();

    // Act
    await main(['inspect-event', path.join(EVENTS, 'aws/secret-label-updated-awspending.json')], output);

    // Assess
    expect(chunks.out).toContain('ignored');
    expect(chunks.out).toContain('AWSPENDING');
  });

  it.each([
    ['{"detail-type": ', 'is not valid JSON'],
    ['42', 'expected a JSON object, got a number'],
    ['[]', 'payload is an empty array'],
  ])('exits 2 with one line and no stack trace for %p', async (text, message) => {
    // Prepare
    const { output, chunks } = capturedOutput();
    const file = path.join(tmpdir(), `bad-${Date.now()}-${Math.random()}.json`);
    writeFileSync(file, text);

    // Act
    const code = await main(['inspect-event', file], output);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(chunks.err).toContain(message);
    expect(chunks.err.trim().split('\n')).toHaveLength(1);
    expect(chunks.err).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a missing file', async () => {
    // Prepare
    const { output, chunks } = capturedOutput();

    // Act
    const code = await main(['inspect-event', '/nonexistent/event.json'], output);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(chunks.err.trim()).toBe('error: cannot read /nonexistent/event.json: ENOENT');
  });
});
