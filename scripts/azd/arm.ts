import {
  AzureCliCredential,
  AzureDeveloperCliCredential,
  ChainedTokenCredential,
  type TokenCredential,
} from '@azure/identity';

/**
 * The few Azure Resource Manager reads the azd hooks make, over plain HTTPS with the deployer's own login (azd's, or
 * the Azure CLI's on the az path). Two GETs do not justify the ARM SDK packages; this keeps to one job: a path in,
 * JSON (or "not there") out, and errors that name the call but never the token.
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
  return {
    async get<T>(path: string, apiVersion: string): Promise<T | undefined> {
      const url = new URL(path, endpoint);
      url.searchParams.set('api-version', apiVersion);
      const token = await credential.getToken(ARM_SCOPE);
      if (!token) throw new ArmError('no Azure token: run `azd auth login` (or `az login`)', 401, 'NoToken');
      const response = await fetch(url, { headers: { authorization: `Bearer ${token.token}` } });
      if (response.status === 404) return undefined;
      const body = await response.text();
      if (!response.ok) {
        const error = parseError(body);
        throw new ArmError(
          `GET ${url.pathname}: ${response.status} ${error.code}: ${error.message}`,
          response.status,
          error.code,
        );
      }
      return JSON.parse(body) as T;
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
