import { randomUUID } from 'node:crypto';
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
  // A unique subject per certificate: trust stores find issuers by subject, and two emulators in one process (Jest
  // workers run several test files) would otherwise shadow each other's certificate.
  const commonName = `connector-reloader local Key Vault (test only) ${randomUUID()}`;
  const pems = await generate([{ name: 'commonName', value: commonName }], {
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
