/**
 * Typed errors for Confluent Cloud calls, and the parser of the error bodies they carry. connect/v1 uses three
 * body shapes (§1.6) and org/v2 / cmk/v2 use the standard `{"errors":[…]}`; anything else is kept as text.
 * No message ever carries a header or a credential: only the operation, connector, status, Confluent's message and
 * the request id.
 */

export interface ConfluentErrorContext {
  /** What was being done, e.g. 'restart', 'list-connectors'. */
  readonly operation: string;
  /** `env/lkc/name` when the call concerned one connector. */
  readonly connector?: string;
  /** `env` or `env/lkc` when the call concerned an environment or a cluster. */
  readonly scope?: string;
}

/** Base of every error this client throws. */
export class ConfluentError extends Error {
  override readonly name: string = 'ConfluentError';
  readonly operation: string;
  readonly connector?: string;
  readonly scope?: string;

  constructor(context: ConfluentErrorContext, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.operation = context.operation;
    if (context.connector !== undefined) this.connector = context.connector;
    if (context.scope !== undefined) this.scope = context.scope;
  }
}

export interface ConfluentApiErrorDetails extends ConfluentErrorContext {
  readonly status: number;
  readonly confluentMessage: string;
  /** Confluent's own error code when the body has one (connect/v1 repeats the status; org/v2 uses strings). */
  readonly confluentCode?: string;
  /** X-Request-Id, for a support ticket. */
  readonly requestId?: string;
}

/** Confluent answered with an error status. */
export class ConfluentApiError extends ConfluentError {
  override readonly name: string = 'ConfluentApiError';
  readonly status: number;
  readonly confluentMessage: string;
  readonly confluentCode?: string;
  readonly requestId?: string;

  constructor(details: ConfluentApiErrorDetails) {
    super(details, describe(details));
    this.status = details.status;
    this.confluentMessage = details.confluentMessage;
    if (details.confluentCode !== undefined) this.confluentCode = details.confluentCode;
    if (details.requestId !== undefined) this.requestId = details.requestId;
  }
}

export class ConfluentAuthError extends ConfluentApiError {
  override readonly name: string = 'ConfluentAuthError';
}

export class ConfluentForbiddenError extends ConfluentApiError {
  override readonly name: string = 'ConfluentForbiddenError';
}

export class ConfluentNotFoundError extends ConfluentApiError {
  override readonly name: string = 'ConfluentNotFoundError';
}

/** 429 still answered after every retry. */
export class ConfluentRateLimitError extends ConfluentApiError {
  override readonly name: string = 'ConfluentRateLimitError';
}

export class ConfluentServerError extends ConfluentApiError {
  override readonly name: string = 'ConfluentServerError';
}

/** The request never got an answer: connection refused, reset, DNS. */
export class ConfluentNetworkError extends ConfluentError {
  override readonly name: string = 'ConfluentNetworkError';
}

/** No answer within the per-request timeout. */
export class ConfluentTimeoutError extends ConfluentError {
  override readonly name: string = 'ConfluentTimeoutError';
  readonly timeoutMs: number;

  constructor(context: ConfluentErrorContext, timeoutMs: number, detail: string) {
    super(context, `Confluent ${subject(context)} timed out after ${timeoutMs} ms (${detail})`);
    this.timeoutMs = timeoutMs;
  }
}

/** A 2xx answer whose body is not what the API reference describes. */
export class ConfluentResponseError extends ConfluentError {
  override readonly name: string = 'ConfluentResponseError';
}

export interface ParsedErrorBody {
  readonly message: string;
  readonly code?: string;
}

const MAX_MESSAGE_LENGTH = 500;

/** Reads Confluent's message out of an error body of any known shape; falls back to the raw text. */
export function parseErrorBody(bodyText: string): ParsedErrorBody {
  const text = bodyText.trim();
  const parsed = parseJson(text);
  const fromJson = parsed === undefined ? undefined : fromKnownShape(parsed);
  if (fromJson) return { ...fromJson, message: truncate(fromJson.message) };
  if (text !== '') return { message: truncate(text.replace(/\s+/g, ' ')) };
  return { message: '(empty body)' };
}

export interface ErrorResponse extends ConfluentErrorContext {
  readonly status: number;
  readonly bodyText: string;
  readonly requestId?: string;
  /** Values that must never appear in a message (the API secret, the encoded Authorization value). */
  readonly redact?: readonly string[];
}

/** The typed error for an error response: one subclass per status family. */
export function errorFromResponse(response: ErrorResponse): ConfluentApiError {
  const parsed = parseErrorBody(redactText(response.bodyText, response.redact ?? []));
  const details: ConfluentApiErrorDetails = {
    operation: response.operation,
    status: response.status,
    confluentMessage: parsed.message,
    ...(response.connector !== undefined && { connector: response.connector }),
    ...(response.scope !== undefined && { scope: response.scope }),
    ...(parsed.code !== undefined && { confluentCode: parsed.code }),
    ...(response.requestId !== undefined && { requestId: response.requestId }),
  };
  if (response.status === 401) return new ConfluentAuthError(details);
  if (response.status === 403) return new ConfluentForbiddenError(details);
  if (response.status === 404) return new ConfluentNotFoundError(details);
  if (response.status === 429) return new ConfluentRateLimitError(details);
  if (response.status >= 500) return new ConfluentServerError(details);
  return new ConfluentApiError(details);
}

/** Replaces every occurrence of each secret by `[REDACTED]`; short values are skipped so as not to mangle text. */
export function redactText(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join('[REDACTED]');
  }
  return result;
}

function fromKnownShape(body: unknown): ParsedErrorBody | undefined {
  if (!isRecord(body)) return undefined;
  // connect/v1: {"error":{"code":404,"message":"resource not found"}}
  if (isRecord(body.error) && typeof body.error.message === 'string') {
    return withCode(body.error.message, body.error.code);
  }
  // org/v2, cmk/v2: {"errors":[{"status":"404","code":"not_found","title":"…","detail":"…"}]}
  if (Array.isArray(body.errors) && body.errors.length > 0) {
    const entries = body.errors.filter(isRecord);
    const messages = entries.map((entry) => text(entry.detail) ?? text(entry.title)).filter((m) => m !== undefined);
    if (messages.length > 0) return withCode(messages.join('; '), entries[0]?.code);
  }
  // connect/v1 create 400: {"code":400,"message":"…"}; create/config 500: {"error_code":500,"message":"…"}
  if (typeof body.message === 'string') return withCode(body.message, body.code ?? body.error_code);
  if (typeof body.error === 'string') return { message: body.error };
  return undefined;
}

function withCode(message: string, code: unknown): ParsedErrorBody {
  return typeof code === 'string' || typeof code === 'number' ? { message, code: String(code) } : { message };
}

function describe(details: ConfluentApiErrorDetails): string {
  const requestId = details.requestId ? ` (request id ${details.requestId})` : '';
  return `Confluent ${subject(details)} failed: HTTP ${details.status} ${details.confluentMessage}${requestId}`;
}

/** "restart of env-1/lkc-1/orders", "list-clusters of env-1" or "list-environments". */
export function subject(context: ConfluentErrorContext): string {
  const target = context.connector ?? context.scope;
  return target ? `${context.operation} of ${target}` : context.operation;
}

function parseJson(text: string): unknown {
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function truncate(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH)}…` : message;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
