import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** Only Key Vault hosts are tunnelled: nothing else may leave through the local gateway. */
const VAULT_AUTHORITY = /^[a-z0-9-]+\.vault\.azure\.net:443$/i;
const TOKEN_PATH = '/msi/token';

export interface VaultGateway {
  readonly port: number;
  /** `HTTPS_PROXY`: the SDK reaches `https://<vault>.vault.azure.net` through this CONNECT tunnel. */
  readonly proxyUrl: string;
  /** `IDENTITY_ENDPOINT`: the App Service managed-identity endpoint Azure Functions gives every app. */
  readonly identityEndpoint: string;
  /** `IDENTITY_HEADER`: the shared secret the platform sets beside it (local only, not a credential of anything). */
  readonly identityHeader: string;
  /** The token it hands out; the vault accepts only tokens it issued. */
  readonly issues: (token: string) => boolean;
  close(): Promise<void>;
}

/**
 * What stands in for Azure's network and identity platform, so product code talks to the real vault names with
 * DefaultAzureCredential, unaware of the emulator: a CONNECT proxy mapping `*.vault.azure.net:443` to the local
 * vault (TLS stays end to end, so the SDK checks the certificate and the challenge resource as in Azure), and the
 * managed-identity endpoint Azure Functions provides through IDENTITY_ENDPOINT/IDENTITY_HEADER.
 */
export async function startVaultGateway(port: number, vaultPort: number): Promise<VaultGateway> {
  const identityHeader = randomUUID();
  const issued = new Set<string>();
  // Tunnelled sockets leave the HTTP server's bookkeeping, so closeAllConnections() cannot end them.
  const tunnels = new Set<net.Socket>();
  const server = createServer((req, res) => {
    if (/^http:\/\//i.test(req.url ?? '')) forwardToLoopback(req, res);
    else answerTokenRequest(req, res, identityHeader, issued);
  });
  server.on('connect', (req: IncomingMessage, client: net.Socket, head: Buffer) => {
    if (!VAULT_AUTHORITY.test(req.url ?? '')) {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    tunnels.add(client);
    client.on('close', () => tunnels.delete(client));
    const upstream = net.connect(vaultPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    proxyUrl: `http://127.0.0.1:${bound}`,
    identityEndpoint: `http://127.0.0.1:${bound}${TOKEN_PATH}`,
    identityHeader,
    issues: (token) => issued.has(token),
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of tunnels) socket.destroy();
      await closed;
    },
  };
}

/**
 * A plain-HTTP request sent through the proxy (a client that took HTTPS_PROXY before NO_PROXY was set, e.g. for
 * Azurite) is forwarded when it is for loopback, as NO_PROXY would have sent it; anything else is refused.
 */
function forwardToLoopback(req: IncomingMessage, res: ServerResponse): void {
  const target = new URL(req.url ?? '');
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
    res.writeHead(403).end();
    return;
  }
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method: req.method,
      headers: req.headers,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

/** `GET /msi/token?resource=…&api-version=2019-08-01` with `X-IDENTITY-HEADER`, answered as App Service does. */
function answerTokenRequest(req: IncomingMessage, res: ServerResponse, identityHeader: string, issued: Set<string>) {
  const url = new URL(req.url ?? '/', 'http://gateway');
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (url.pathname !== TOKEN_PATH) return reply(404, { error: 'not_found' });
  if (req.headers['x-identity-header'] !== identityHeader) {
    return reply(401, { error: 'unauthorized', error_description: 'X-IDENTITY-HEADER is missing or wrong' });
  }
  const resource = url.searchParams.get('resource') ?? url.searchParams.get('scope') ?? '';
  if (!resource) return reply(400, { error: 'invalid_request', error_description: 'resource is required' });
  const token = `local-managed-identity-${randomUUID()}`;
  issued.add(token);
  reply(200, {
    access_token: token,
    expires_on: String(Math.floor(Date.now() / 1000) + 3600),
    resource,
    token_type: 'Bearer',
    client_id: '00000000-0000-0000-0000-000000000001',
  });
}
