import { ResourceNotFoundException, SecretsManagerServiceException } from '@aws-sdk/client-secrets-manager';
import { registerSensitiveValue } from '#observability/redaction';
import { mapSecretsManagerError } from '#providers/aws-secrets-manager-errors';
import { SecretAccessDeniedError, SecretNotFoundError, SecretProviderError } from '#providers/secret-provider-errors';

const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbC123';

function serviceError(name: string, message: string): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name,
    message,
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: 'req-1' },
  });
}

describe('mapSecretsManagerError', () => {
  it('maps ResourceNotFoundException to SecretNotFoundError with status and request id', () => {
    // Prepare
    const error = new ResourceNotFoundException({
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400, requestId: 'req-2' },
    });

    // Act
    const mapped = mapSecretsManagerError(error, SECRET, 'DescribeSecret');

    // Assess
    expect(mapped).toBeInstanceOf(SecretNotFoundError);
    expect(mapped).toMatchObject({
      name: 'SecretNotFoundError',
      code: 'ResourceNotFoundException',
      secretId: SECRET,
      operation: 'DescribeSecret',
      httpStatus: 400,
      requestId: 'req-2',
    });
    expect(mapped.message).toBe(
      `DescribeSecret of secret ${SECRET} failed: ResourceNotFoundException (Secrets Manager can't find the specified secret.)`,
    );
  });

  it.each([
    ['AccessDeniedException', 'not-permitted'],
    ['DecryptionFailure', 'not-permitted'],
    ['UnrecognizedClientException', 'unauthenticated'],
    ['ExpiredTokenException', 'unauthenticated'],
  ])('maps %s to SecretAccessDeniedError (%s)', (code, denial) => {
    // Prepare
    const error = serviceError(code, 'User: arn:aws:iam::123456789012:role/reloader is not authorized');

    // Act
    const mapped = mapSecretsManagerError(error, SECRET, 'GetSecretValue');

    // Assess
    expect(mapped).toBeInstanceOf(SecretAccessDeniedError);
    expect(mapped).toBeInstanceOf(SecretProviderError);
    expect(mapped.code).toBe(code);
    expect((mapped as SecretAccessDeniedError).denial).toBe(denial);
    expect(mapped.message).toContain('role/reloader is not authorized');
  });

  it('keeps throttling and server errors as plain SecretProviderError', () => {
    // Prepare
    const throttled = serviceError('ThrottlingException', 'Rate exceeded');

    // Act
    const mapped = mapSecretsManagerError(throttled, SECRET, 'DescribeSecret');

    // Assess
    expect(mapped.constructor).toBe(SecretProviderError);
    expect(mapped.code).toBe('ThrottlingException');
  });

  it('takes the errno code of a network error', () => {
    // Prepare
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' });

    // Act
    const mapped = mapSecretsManagerError(error, SECRET, 'DescribeSecret');

    // Assess
    expect(mapped).toMatchObject({ code: 'ECONNREFUSED' });
    expect(mapped.httpStatus).toBeUndefined();
  });

  it('redacts a registered value that a provider message might echo, and attaches no cause', () => {
    // Prepare
    const value = 'registered-secret-value-91';
    registerSensitiveValue(value);
    const error = serviceError('InvalidRequestException', `bad input near ${value}`);

    // Act
    const mapped = mapSecretsManagerError(error, SECRET, 'GetSecretValue');

    // Assess
    expect(mapped.message).not.toContain(value);
    expect(mapped.message).toContain('[REDACTED]');
    expect(mapped.cause).toBeUndefined();
  });

  it('describes a thrown non-Error as UnknownError', () => {
    // Act
    const mapped = mapSecretsManagerError('boom', SECRET, 'DescribeSecret');

    // Assess
    expect(mapped.code).toBe('UnknownError');
  });
});
