/**
 * Failures of a cloud secret manager, the same for every provider. Messages name the secret, the operation and the
 * provider's error code, never a secret value; the provider's own error is not attached, so nothing it carried
 * (raw responses, request bodies) can reach a log through `cause`.
 */
export interface SecretProviderFailure {
  /** The canonical id of the secret asked about (ARN or name, Key Vault URI). */
  readonly secretId: string;
  /** The provider operation, e.g. `DescribeSecret`. */
  readonly operation: string;
  /** The provider's error code, e.g. `ResourceNotFoundException`, `ThrottlingException`, `ECONNREFUSED`. */
  readonly code: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  /** The provider's own message, already checked against the redaction registry. */
  readonly detail?: string;
}

export class SecretProviderError extends Error {
  override readonly name: string = 'SecretProviderError';
  readonly secretId: string;
  readonly operation: string;
  readonly code: string;
  readonly httpStatus?: number;
  readonly requestId?: string;

  constructor(failure: SecretProviderFailure) {
    super(
      `${failure.operation} of secret ${failure.secretId} failed: ${failure.code}` +
        (failure.detail ? ` (${failure.detail})` : ''),
    );
    this.secretId = failure.secretId;
    this.operation = failure.operation;
    this.code = failure.code;
    if (failure.httpStatus !== undefined) this.httpStatus = failure.httpStatus;
    if (failure.requestId !== undefined) this.requestId = failure.requestId;
  }
}

/** The secret does not exist (or not in the region/vault asked). */
export class SecretNotFoundError extends SecretProviderError {
  override readonly name: string = 'SecretNotFoundError';
}

/**
 * How the provider refused: `not-permitted`, the identity is known and may not read this secret (IAM, resource
 * policy, KMS key, vault RBAC); `unauthenticated`, the provider did not accept the identity's credentials at all
 * (expired or unrecognised token, no managed identity), which says nothing about the secret and is a fault of ours.
 */
export type AccessDenial = 'not-permitted' | 'unauthenticated';

/** The reloader's identity may not read the secret, or could not prove who it is. */
export class SecretAccessDeniedError extends SecretProviderError {
  override readonly name: string = 'SecretAccessDeniedError';
  readonly denial: AccessDenial;

  constructor(failure: SecretProviderFailure, denial: AccessDenial = 'not-permitted') {
    super(failure);
    this.denial = denial;
  }
}
