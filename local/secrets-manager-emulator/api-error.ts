/** An AWS JSON 1.1 error: answered as `{"__type": type, "message": ...}` with `status`. */
export class SecretsManagerApiError extends Error {
  override readonly name = 'SecretsManagerApiError';

  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export const notFound = (message = "Secrets Manager can't find the specified secret."): SecretsManagerApiError =>
  new SecretsManagerApiError('ResourceNotFoundException', message);

export const invalidParameter = (message: string): SecretsManagerApiError =>
  new SecretsManagerApiError('InvalidParameterException', message);

export const invalidRequest = (message: string): SecretsManagerApiError =>
  new SecretsManagerApiError('InvalidRequestException', message);

export const resourceExists = (message: string): SecretsManagerApiError =>
  new SecretsManagerApiError('ResourceExistsException', message);
