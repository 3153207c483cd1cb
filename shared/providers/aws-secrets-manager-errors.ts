import { redact } from '#observability/redaction';
import {
  SecretAccessDeniedError,
  SecretNotFoundError,
  SecretProviderError,
  type SecretProviderFailure,
} from './secret-provider-errors';

/** Codes that mean "this identity may not read it": IAM, resource policy, or the KMS key. */
const NOT_PERMITTED_CODES = new Set(['AccessDeniedException', 'DecryptionFailure']);
/** Codes that mean "the credentials were not accepted": nothing about the secret, the function's own identity. */
const UNAUTHENTICATED_CODES = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredTokenException',
]);

/**
 * Maps an SDK failure (service error, network error, timeout) to a typed provider error. Throttling arrives here
 * only once the SDK's own retries are spent, and stays a plain SecretProviderError with code ThrottlingException.
 */
export function mapSecretsManagerError(error: unknown, secretId: string, operation: string): SecretProviderError {
  if (error instanceof SecretProviderError) return error;
  const failure: SecretProviderFailure = { secretId, operation, ...describeSdkError(error) };
  if (failure.code === 'ResourceNotFoundException') return new SecretNotFoundError(failure);
  if (NOT_PERMITTED_CODES.has(failure.code)) return new SecretAccessDeniedError(failure, 'not-permitted');
  if (UNAUTHENTICATED_CODES.has(failure.code)) return new SecretAccessDeniedError(failure, 'unauthenticated');
  return new SecretProviderError(failure);
}

function describeSdkError(error: unknown): Pick<SecretProviderFailure, 'code' | 'httpStatus' | 'requestId' | 'detail'> {
  if (!(error instanceof Error)) return { code: 'UnknownError' };
  const fields = error as Error & {
    code?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const metadata = fields.$metadata;
  return {
    code: errorCode(error, fields.code, metadata?.httpStatusCode),
    ...(metadata?.httpStatusCode === undefined ? {} : { httpStatus: metadata.httpStatusCode }),
    ...(metadata?.requestId === undefined ? {} : { requestId: metadata.requestId }),
    // AWS messages name ARNs and principals, never values; redact() is the last line of defence all the same.
    ...(error.message ? { detail: redact(error.message) } : {}),
  };
}

/**
 * Service errors carry the AWS code as `name`; network errors carry an errno code such as ECONNREFUSED as `code`, or
 * only in the message when the SDK had to wrap a value that was not an Error of its realm ("AWS SDK error wrapper").
 */
function errorCode(error: Error, code: unknown, httpStatus: number | undefined): string {
  if (httpStatus !== undefined) return error.name || 'UnknownError';
  if (typeof code === 'string' && code !== '') return code;
  const errno = /\b(E[A-Z]{4,})\b/.exec(error.message)?.[1];
  return errno ?? (error.name || 'UnknownError');
}
