import type { Clock, Logger } from '#core/ports';
import { systemClock } from '#core/ports';
import { parseSecretRef } from '#core/secret-ref';
import { registerSensitiveValue } from '#observability/redaction';
import type { SecretValueReader } from '#providers/secret-credentials';

/** A rotated token is picked up within this long, without a Key Vault / Secrets Manager read per request. */
export const WEBHOOK_TOKEN_CACHE_MS = 5 * 60_000;

/**
 * The failure webhook's expected token, read from the secret manager (WEBHOOK_TOKEN_SECRET) and cached. Without the
 * setting the expected token is empty, which never matches: the webhook refuses everything rather than run open.
 * A failed read is not cached, so the next request tries again.
 */
export function webhookTokenSource(
  tokenSecret: string | undefined,
  secretValues: SecretValueReader | undefined,
  logger: Logger,
  clock: Clock = systemClock,
): () => Promise<string> {
  if (!tokenSecret || !secretValues) {
    let warned = false;
    return async () => {
      if (!warned) logger.warn('failure webhook: WEBHOOK_TOKEN_SECRET is not set, so every request is refused');
      warned = true;
      return '';
    };
  }
  const secret = parseSecretRef(tokenSecret);
  let cached: { readonly value: Promise<string>; readonly readAt: number } | undefined;
  return () => {
    const now = clock.now().getTime();
    if (!cached || now - cached.readAt >= WEBHOOK_TOKEN_CACHE_MS) {
      const entry = {
        readAt: now,
        value: secretValues.readSecretValue(secret).then(
          (text) => {
            const token = text.trim();
            registerSensitiveValue(token);
            return token;
          },
          (error: unknown) => {
            if (cached === entry) cached = undefined;
            throw error;
          },
        ),
      };
      cached = entry;
    }
    return cached.value;
  };
}
