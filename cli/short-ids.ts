/**
 * Ids as the default tables print them, so a row fits a terminal: the middle of an ARN or a Key Vault URI is elided
 * and the secret's name kept, versions keep their first characters. Environment and cluster ids are never
 * shortened. `--wide` prints everything whole.
 */
const ARN = /^arn:[^:]+:[^:]+:[^:]*:[^:]*:(?:secret:)?(.+)$/;
const KEY_VAULT_URI = /^https:\/\/([^./]+)\.vault\.[^/]+\/secrets\/([^/]+)(?:\/([^/]+))?\/?$/i;
const VERSION_KEPT = 8;

export function shortVersion(version: string): string {
  return version.length > VERSION_KEPT + 4 ? `${version.slice(0, VERSION_KEPT)}…` : version;
}

export function shortSecretId(id: string): string {
  const arn = ARN.exec(id);
  if (arn) return `arn:…:${arn[1]}`;
  const uri = KEY_VAULT_URI.exec(id);
  if (uri) return `https://${uri[1]}…/${uri[2]}${uri[3] ? `/${shortVersion(uri[3])}` : ''}`;
  return id;
}
