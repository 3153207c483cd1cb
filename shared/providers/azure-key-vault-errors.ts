import { redact } from '#observability/redaction';
import {
  SecretAccessDeniedError,
  SecretNotFoundError,
  SecretProviderError,
  type SecretProviderFailure,
} from './secret-provider-errors';

/** Errors @azure/identity raises when no token can be had: the identity, not the vault, is the problem. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
]);

/**
 * Maps a Key Vault SDK failure (RestError, credential error, network error) to a typed provider error. Key Vault
 * messages name the vault and the secret, never a value; redact() is the last line of defence all the same.
 */
export function mapKeyVaultError(error: unknown, secretId: string, operation: string): SecretProviderError {
  if (error instanceof SecretProviderError) return error;
  const failure: SecretProviderFailure = { secretId, operation, ...describeSdkError(error) };
  if (failure.httpStatus === 404) return new SecretNotFoundError(failure);
  if (failure.httpStatus === 403) return new SecretAccessDeniedError(failure, 'not-permitted');
  if (failure.httpStatus === 401 || CREDENTIAL_ERRORS.has(failure.code)) {
    return new SecretAccessDeniedError(failure, 'unauthenticated');
  }
  return new SecretProviderError(failure);
}

/** True for the 403 Key Vault answers when the version asked for (or the latest, asked without one) is disabled. */
export function isDisabledSecretError(error: unknown): boolean {
  const fields = error as { statusCode?: unknown; details?: unknown } | null;
  if (fields?.statusCode !== 403) return false;
  // The wire says `innererror`; the SDK's deserializer hands it over as `innerError`.
  const error_ = (fields.details as { error?: Record<string, { code?: unknown } | undefined> } | undefined)?.error;
  return (error_?.innerError ?? error_?.innererror)?.code === 'SecretDisabled';
}

function describeSdkError(error: unknown): Pick<SecretProviderFailure, 'code' | 'httpStatus' | 'requestId' | 'detail'> {
  if (!(error instanceof Error)) return { code: 'UnknownError' };
  const fields = error as Error & { code?: unknown; statusCode?: unknown; request?: { requestId?: unknown } };
  const httpStatus = typeof fields.statusCode === 'number' ? fields.statusCode : undefined;
  const code = typeof fields.code === 'string' && fields.code !== '' ? fields.code : error.name || 'UnknownError';
  const requestId = typeof fields.request?.requestId === 'string' ? fields.request.requestId : undefined;
  return {
    code,
    ...(httpStatus === undefined ? {} : { httpStatus }),
    ...(requestId === undefined ? {} : { requestId }),
    // Credential errors list every source they tried on many lines; the first line says enough for a log.
    ...(error.message ? { detail: redact(error.message.split('\n')[0] ?? '') } : {}),
  };
}
