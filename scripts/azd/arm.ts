import {
  AzureCliCredential,
  AzureDeveloperCliCredential,
  ChainedTokenCredential,
  type TokenCredential,
} from '@azure/identity';

/**
 * The few Azure Resource Manager calls the azd hooks make, over plain HTTPS with the deployer's own login (azd's, or
 * the Azure CLI's on the az path). A few GETs and DELETEs do not justify the ARM SDK packages; this keeps to one job:
 * a path in, JSON (or "not there") out, and errors that name the call but never the token.
 */
export const ARM_ENDPOINT = 'https://management.azure.com';
const ARM_SCOPE = 'https://management.azure.com/.default';

export class ArmError extends Error {
  override readonly name = 'ArmError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
  }
}

export interface Arm {
  /** The resource or list at `path` (with or without a query), or undefined when ARM answers 404. */
  get<T>(path: string, apiVersion: string): Promise<T | undefined>;
  /** Deletes `path`; false when it was not there. ARM may finish an accepted (202) deletion later. */
  delete(path: string, apiVersion: string): Promise<boolean>;
}

/** azd's login first (hooks run under azd), then the Azure CLI's. */
export function deployerCredential(): TokenCredential {
  return new ChainedTokenCredential(new AzureDeveloperCliCredential(), new AzureCliCredential());
}

export function armClient({
  credential = deployerCredential(),
  endpoint = ARM_ENDPOINT,
}: {
  credential?: TokenCredential;
  endpoint?: string;
} = {}): Arm {
  async function call(method: 'GET' | 'DELETE', path: string, apiVersion: string): Promise<string | undefined> {
    const url = new URL(path, endpoint);
    url.searchParams.set('api-version', apiVersion);
    const token = await credential.getToken(ARM_SCOPE);
    if (!token) throw new ArmError('no Azure token: run `azd auth login` (or `az login`)', 401, 'NoToken');
    const response = await fetch(url, { method, headers: { authorization: `Bearer ${token.token}` } });
    const body = await response.text();
    if (response.status === 404) return undefined;
    if (!response.ok) {
      const error = parseError(body);
      throw new ArmError(
        `${method} ${url.pathname}: ${response.status} ${error.code}: ${error.message}`,
        response.status,
        error.code,
      );
    }
    return body;
  }
  return {
    async get<T>(path: string, apiVersion: string): Promise<T | undefined> {
      const body = await call('GET', path, apiVersion);
      return body === undefined ? undefined : (JSON.parse(body) as T);
    },
    async delete(path: string, apiVersion: string): Promise<boolean> {
      return (await call('DELETE', path, apiVersion)) !== undefined;
    },
  };
}

function parseError(body: string): { code: string; message: string } {
  try {
    const { error } = JSON.parse(body) as { error?: { code?: string; message?: string } };
    return { code: error?.code ?? 'Unknown', message: error?.message ?? body.slice(0, 200) };
  } catch {
    return { code: 'Unknown', message: body.slice(0, 200) };
  }
}
