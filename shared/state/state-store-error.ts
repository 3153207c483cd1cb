/** A state store that could not answer: unreachable, throttled past its retries, or holding a malformed record. */
export class StateStoreError extends Error {
  override readonly name = 'StateStoreError';

  constructor(
    message: string,
    /** The backend's error code, e.g. `ProvisionedThroughputExceededException`. */
    readonly code: string,
  ) {
    super(message);
  }
}

/** An SDK error's code is its `name`; read without `instanceof`, which fails across realms (Jest, bundles). */
export function sdkErrorName(error: unknown): string {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name !== '' ? name : 'UnknownError';
}
