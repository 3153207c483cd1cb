import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createLambdaRuntime } from '#functions/aws/lambda-runtime';
import { registerSensitiveValue } from '#observability/redaction';
import { captureProcessOutput } from '#test-helpers/aws-lambda-harness';

describe('the Lambda runtime module', () => {
  const dynamo = new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  const runtime = createLambdaRuntime({ logLevel: 'info', idempotencyTable: 'unused', dynamo });

  afterAll(() => dynamo.destroy());

  it('logs JSON with registered secret values redacted in the message, fields and errors', () => {
    // Prepare
    registerSensitiveValue('CANARY-runtime-log-7c1d');
    const output = captureProcessOutput();

    // Act
    runtime.log.info('read CANARY-runtime-log-7c1d', { nested: { value: 'x CANARY-runtime-log-7c1d' } });
    runtime.logger.error('failed', new Error('boom CANARY-runtime-log-7c1d'));
    output.restore();

    // Assess
    const lines = output.lines();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'INFO', message: 'read [REDACTED]', nested: { value: 'x [REDACTED]' } });
    expect(output.text()).not.toContain('CANARY-runtime-log-7c1d');
  });

  it('publishes points with their own dimensions as separate EMF records in the ConnectorReloader namespace', () => {
    // Prepare
    const output = captureProcessOutput();

    // Act
    runtime.record([
      { name: 'ReloadsIssued', unit: 'Count', value: 2 },
      { name: 'ReloadsSkipped', unit: 'Count', value: 1, dimensions: { Reason: 'paused' } },
    ]);
    runtime.metrics.publishStoredMetrics();
    output.restore();

    // Assess
    const emf = output.lines().filter((line) => '_aws' in line);
    expect(emf).toHaveLength(2);
    expect(emf[0]).toMatchObject({ Reason: 'paused', ReloadsSkipped: 1, service: 'connector-reloader' });
    expect(emf[1]).toMatchObject({ ReloadsIssued: 2 });
    expect(JSON.stringify(emf)).toContain('"Namespace":"ConnectorReloader"');
  });
});
