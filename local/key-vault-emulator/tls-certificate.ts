import { generate } from 'selfsigned';

export interface TlsCertificate {
  /** PEM certificate: public, safe to write where clients read their trust anchors from. */
  readonly cert: string;
  /** PEM private key: kept in memory by the emulator, never written to disk. */
  readonly key: string;
}

/**
 * A self-signed certificate for the local Key Vault, made at start: valid for every `*.vault.azure.net` host (the
 * SDK talks to the real vault names through the local gateway), localhost and 127.0.0.1, for one day.
 */
export async function generateVaultCertificate(): Promise<TlsCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const pems = await generate([{ name: 'commonName', value: 'connector-reloader local Key Vault (test only)' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate: new Date(notBeforeDate.getTime() + 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: '*.vault.azure.net' },
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
