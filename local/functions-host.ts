import Module from 'node:module';

/** A function as `app.*` registered it with the host: its binding metadata and the handler the host would call. */
export interface RegisteredFunction {
  readonly name: string;
  readonly bindings: Readonly<Record<string, { readonly type: string; readonly [key: string]: unknown }>>;
  readonly handler: (...args: never[]) => unknown;
}

const registered = new Map<string, RegisteredFunction>();

/**
 * The part of the Functions host's worker API (`@azure/functions-core`) that `app.*` registration uses. Without a
 * host, @azure/functions runs in "test mode" and drops registrations; with this stand-in, tests and the manual
 * invoke get exactly the handlers and bindings the host would get.
 */
export const functionsCoreApi = {
  registerFunction(
    metadata: { name: string; bindings: RegisteredFunction['bindings'] },
    handler: RegisteredFunction['handler'],
  ) {
    registered.set(metadata.name, { name: metadata.name, bindings: metadata.bindings, handler });
    return { dispose: () => registered.delete(metadata.name) };
  },
  setProgrammingModel() {},
  getProgrammingModel() {
    return undefined;
  },
  registerHook() {
    return { dispose() {} };
  },
  log() {},
};

export function registeredFunction(name: string): RegisteredFunction {
  const found = registered.get(name);
  if (!found) throw new Error(`no function "${name}" is registered (registered: ${[...registered.keys()].join(', ')})`);
  return found;
}

/** Outside Jest: makes `require('@azure/functions-core')` answer with the stand-in, before the app is loaded. */
export function installFunctionsHost(): void {
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function load(this: unknown, request: string, ...rest: unknown[]) {
    return request === '@azure/functions-core' ? functionsCoreApi : original.call(this, request, ...rest);
  };
}
