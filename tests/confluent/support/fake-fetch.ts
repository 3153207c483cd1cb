/** One scripted answer: a response, a thrown error, or a request that never answers until aborted. */
export type Scripted =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly throws: Error }
  | { readonly hang: 'until-aborted' | 'forever' };

export interface RecordedCall {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
}

/**
 * A fetch that answers from a script, in order, and records every call. Unit tests only: integration tests use the
 * emulator over real HTTP.
 */
export function scriptedFetch(script: Scripted[]): { fetch: typeof fetch; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const queue = [...script];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ method: init?.method ?? 'GET', url: new URL(String(input)), headers: new Headers(init?.headers) });
    const next = queue.shift();
    if (!next) throw new Error(`scriptedFetch: no answer scripted for call ${calls.length}`);
    if ('throws' in next) throw next.throws;
    if ('hang' in next) {
      return new Promise<Response>((_, reject) => {
        if (next.hang === 'until-aborted') init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    }
    const body = next.body === undefined ? null : typeof next.body === 'string' ? next.body : JSON.stringify(next.body);
    return new Response(body, { status: next.status, headers: next.headers });
  };
  return { fetch: fake as typeof fetch, calls };
}

/** The error Node's fetch throws when nothing listens on the port. */
export function connectionRefused(): Error {
  return new TypeError('fetch failed', {
    cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
  });
}
