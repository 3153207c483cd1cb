import {
  ConfluentApiError,
  ConfluentAuthError,
  ConfluentForbiddenError,
  ConfluentNotFoundError,
  ConfluentRateLimitError,
  ConfluentServerError,
  errorFromResponse,
  parseErrorBody,
} from '#confluent/confluent-errors';

describe('parseErrorBody', () => {
  it('reads the connect/v1 nested shape', () => {
    // Prepare
    const body = '{"error":{"code":404,"message":"resource not found"}}';

    // Act
    const parsed = parseErrorBody(body);

    // Assess
    expect(parsed).toEqual({ message: 'resource not found', code: '404' });
  });

  it('reads the connect/v1 top-level {code, message} shape', () => {
    // Prepare
    const body = '{"code":400,"message":"Invalid config: tasks.max must be a number"}';

    // Act
    const parsed = parseErrorBody(body);

    // Assess
    expect(parsed).toEqual({ message: 'Invalid config: tasks.max must be a number', code: '400' });
  });

  it('reads the connect/v1 {error_code, message} shape', () => {
    // Prepare
    const body = '{"error_code":500,"message":"Failed to find any class that implements Connector"}';

    // Act
    const parsed = parseErrorBody(body);

    // Assess
    expect(parsed).toEqual({ message: 'Failed to find any class that implements Connector', code: '500' });
  });

  it('reads the standard {errors:[…]} shape of org/v2 and cmk/v2, joining every entry', () => {
    // Prepare
    const body = JSON.stringify({
      errors: [
        { id: 'x', status: '400', code: 'invalid_input', title: 'Bad Request', detail: 'page_size must be ≤ 100' },
        { status: '400', code: 'invalid_input', title: 'Missing environment' },
      ],
    });

    // Act
    const parsed = parseErrorBody(body);

    // Assess
    expect(parsed).toEqual({ message: 'page_size must be ≤ 100; Missing environment', code: 'invalid_input' });
  });

  it('keeps a non-JSON body as text, whitespace collapsed and truncated', () => {
    // Prepare
    const html = `<html>\n  <body>502 Bad Gateway</body>\n</html>${' x'.repeat(400)}`;

    // Act
    const parsed = parseErrorBody(html);

    // Assess
    expect(parsed.message.startsWith('<html> <body>502 Bad Gateway</body> </html>')).toBe(true);
    expect(parsed.message.length).toBeLessThanOrEqual(501);
    expect(parsed.message.endsWith('…')).toBe(true);
  });

  it('keeps JSON of an unknown shape as text', () => {
    // Prepare
    const body = '{"oops":true}';

    // Act
    const parsed = parseErrorBody(body);

    // Assess
    expect(parsed).toEqual({ message: '{"oops":true}' });
  });

  it('says so when the body is empty', () => {
    // Prepare
    const body = '   ';

    // Act
    const parsed = parseErrorBody(body);

    // Assess
    expect(parsed).toEqual({ message: '(empty body)' });
  });
});

describe('errorFromResponse', () => {
  it.each([
    [400, ConfluentApiError, 'ConfluentApiError'],
    [401, ConfluentAuthError, 'ConfluentAuthError'],
    [403, ConfluentForbiddenError, 'ConfluentForbiddenError'],
    [404, ConfluentNotFoundError, 'ConfluentNotFoundError'],
    [409, ConfluentApiError, 'ConfluentApiError'],
    [429, ConfluentRateLimitError, 'ConfluentRateLimitError'],
    [500, ConfluentServerError, 'ConfluentServerError'],
    [503, ConfluentServerError, 'ConfluentServerError'],
  ])('maps HTTP %i to its typed error', (status, type, name) => {
    // Prepare
    const response = { operation: 'restart', status, bodyText: '{"error":{"code":1,"message":"m"}}' };

    // Act
    const error = errorFromResponse(response);

    // Assess
    expect(error).toBeInstanceOf(type);
    expect(error.name).toBe(name);
    expect(error.status).toBe(status);
  });

  it('names operation, connector, status, Confluent message and request id', () => {
    // Prepare
    const response = {
      operation: 'restart',
      connector: 'env-prod01/lkc-orders1/orders-cdc',
      status: 403,
      bodyText: '{"error":{"code":403,"message":"Forbidden"}}',
      requestId: 'req-42',
    };

    // Act
    const error = errorFromResponse(response);

    // Assess
    expect(error.message).toBe(
      'Confluent restart of env-prod01/lkc-orders1/orders-cdc failed: HTTP 403 Forbidden (request id req-42)',
    );
    expect(error).toMatchObject({
      operation: 'restart',
      connector: 'env-prod01/lkc-orders1/orders-cdc',
      status: 403,
      confluentMessage: 'Forbidden',
      confluentCode: '403',
      requestId: 'req-42',
    });
  });

  it('names the scope of a cluster-level call', () => {
    // Prepare
    const response = { operation: 'list-clusters', scope: 'env-prod01', status: 404, bodyText: '' };

    // Act
    const error = errorFromResponse(response);

    // Assess
    expect(error.message).toBe('Confluent list-clusters of env-prod01 failed: HTTP 404 (empty body)');
    expect(error.scope).toBe('env-prod01');
  });

  it('never lets a secret echoed by the server into the message', () => {
    // Prepare
    const secret = 'sup3r-s3cret-value';
    const token = Buffer.from(`KEY123:${secret}`).toString('base64');
    const response = {
      operation: 'get-status',
      status: 400,
      bodyText: JSON.stringify({ error: { code: 400, message: `bad header Basic ${token} for secret ${secret}` } }),
      redact: [secret, `Basic ${token}`],
    };

    // Act
    const error = errorFromResponse(response);

    // Assess
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(token);
    expect(error.confluentMessage).toContain('[REDACTED]');
  });
});
