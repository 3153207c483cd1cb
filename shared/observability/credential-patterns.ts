/**
 * What a credential looks like in free text: a JDBC URL with its password, a JAAS line, a connection string with a
 * key, a long base64 run. Knows no secret value: it goes by shape. `redact` (redaction.ts) applies it to every string
 * that leaves the process; trace-hygiene.ts adds a length bound for Confluent's traces.
 */

export const SCRUBBED = '[REDACTED]';

const CREDENTIAL_WORDS =
  'password|passwd|pwd|passphrase|secret|token|api[._-]?key|access[._-]?key|account[._-]?key|secret[._-]?key|shared[._-]?access[._-]?key|client[._-]?secret|credentials?|sig';

/**
 * `password=hunter2`, `kafka.api.secret = abc`, `AccountKey=…;`, `?token=…&`: the value after `=`, quoted (also with
 * escaped quotes, `\"…\"`, as a trace quoted inside JSON shows them) or up to the next separator.
 */
const KEY_EQUALS_VALUE = new RegExp(
  `((?:^|[^A-Za-z0-9])[A-Za-z0-9._-]*(?:${CREDENTIAL_WORDS})[A-Za-z0-9._-]*\\s*=\\s*)(?!\\[REDACTED\\])(\\\\?"[^"]*?\\\\?"|'[^']*'|[^\\s;,&"')\\]}]+)`,
  'gi',
);

/**
 * `"password": "hunter2"` in JSON, and `password: hunter2` in YAML-ish text. Only password words here: a colon follows
 * `secret` in every ARN (`…:secretsmanager:…:secret:name`), which must stay readable.
 */
const PASSWORD_COLON_VALUE =
  /((?:^|[^A-Za-z0-9])"?(?:password|passwd|pwd|passphrase)"?\s*:\s*)(?!"?\[REDACTED\])("[^"]*"|[^\s,;}\]]+)/gi;

/** `sasl.jaas.config=org.apache…PlainLoginModule required username="…" password="…";` up to its `;` or line end. */
const JAAS_CONFIG = /(sasl\.jaas\.config\s*[=:]\s*)[^\n]*?(;|$)/gim;
/** A JAAS login module line without its key, e.g. quoted back in an exception. */
const JAAS_LOGIN_MODULE = /(\b[\w.$]*LoginModule\s+required\b)[^;\n]*/g;

/** `scheme://user:password@host`: the password part of the URL's user info. */
const URL_USER_INFO = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)[^\s/@]+@/gi;

/** `Authorization: Basic …` / `Bearer …` values. */
const AUTH_SCHEME = /(\b(?:Basic|Bearer)\s+)[A-Za-z0-9+/=._~-]{8,}/g;

/**
 * Long runs of base64 (or base64url): keys, tokens, encoded credentials. Mixed case and a digit are required, so that
 * hex ids (request ids, Key Vault versions), words and paths stay.
 */
const BASE64_RUN = /[A-Za-z0-9+/_-]{40,}={0,2}/g;

function looksEncoded(run: string): boolean {
  return /[a-z]/.test(run) && /[A-Z]/.test(run) && /[0-9]/.test(run);
}

/** Replaces everything that looks like a credential by `[REDACTED]`, keeping the words around it. Idempotent. */
export function scrubCredentials(text: string): string {
  if (text === '') return text;
  return text
    .replace(JAAS_CONFIG, `$1${SCRUBBED}$2`)
    .replace(JAAS_LOGIN_MODULE, `$1 ${SCRUBBED}`)
    .replace(URL_USER_INFO, `$1${SCRUBBED}@`)
    .replace(AUTH_SCHEME, `$1${SCRUBBED}`)
    .replace(KEY_EQUALS_VALUE, `$1${SCRUBBED}`)
    .replace(PASSWORD_COLON_VALUE, (_match, key: string, value: string) =>
      value.startsWith('"') ? `${key}"${SCRUBBED}"` : `${key}${SCRUBBED}`,
    )
    .replace(BASE64_RUN, (run) => (looksEncoded(run) ? SCRUBBED : run));
}
