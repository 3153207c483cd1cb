import { readFileSync } from 'node:fs';
import type { Clock, Logger } from '#core/ports';
import { parseSecretRef } from '#core/secret-ref';
import {
  emptyTargetMapping,
  InvalidTargetMappingError,
  parseTargetMapping,
  type TargetMapping,
  type TargetMappingSource,
} from '#core/target-mapping';
import type { SecretValueReader } from '#providers/secret-credentials';

/** Reads the mapping file named by TARGET_MAPPING_FILE once, at start; a broken file stops start-up with its path. */
export function loadTargetMapping(path: string | undefined, variable = 'TARGET_MAPPING_FILE'): TargetMapping {
  if (!path) return emptyTargetMapping;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidTargetMappingError(
      `${variable}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return parseTargetMapping(text, path);
}

export interface TargetMappingOptions {
  /** TARGET_MAPPING: `file:<path>`, or a secret reference (ARN, name, Key Vault URI). */
  readonly reference?: string;
  /** TARGET_MAPPING_FILE, used when TARGET_MAPPING is unset. */
  readonly file?: string;
  readonly ttlMs: number;
  readonly secrets: SecretValueReader | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The mapping a deployed function can read: TARGET_MAPPING names a file bundled with the package (`file:` path,
 * relative to the working directory, which is the package root on Lambda and Functions: read once, at start) or a
 * secret in Secrets Manager or Key Vault, read when first needed and again after the TTL (cachedMapping).
 */
export function targetMappingFrom(options: TargetMappingOptions): TargetMapping | TargetMappingSource {
  const reference = options.reference?.trim();
  if (!reference) return loadTargetMapping(options.file);
  if (reference.startsWith('file:')) return loadTargetMapping(reference.slice('file:'.length), 'TARGET_MAPPING');
  if (/^ssm:|^arn:aws[\w-]*:ssm:/.test(reference)) {
    throw new InvalidTargetMappingError(
      'TARGET_MAPPING: SSM Parameter Store is not supported; keep the mapping in a Secrets Manager secret or a bundled file',
    );
  }
  let secret: ReturnType<typeof parseSecretRef>;
  try {
    secret = parseSecretRef(reference);
  } catch (error) {
    throw new InvalidTargetMappingError(`TARGET_MAPPING: ${(error as Error).message}`);
  }
  const { secrets } = options;
  if (!secrets) {
    throw new InvalidTargetMappingError('TARGET_MAPPING names a secret, but this runtime has no secret reader');
  }
  return cachedMapping(`TARGET_MAPPING (secret ${reference})`, () => secrets.readSecretValue(secret), options);
}

/**
 * A mapping read through `read`, kept for `ttlMs` (0: read on every rotation). Concurrent rotations share one read.
 * The first read must succeed (the rotation fails and is retried); a later failed or invalid read keeps the last
 * good mapping, logs a warning, and is tried again after another TTL.
 */
export function cachedMapping(
  origin: string,
  read: () => Promise<string>,
  options: Pick<TargetMappingOptions, 'ttlMs' | 'clock' | 'logger'>,
): TargetMappingSource {
  let current: { mapping: TargetMapping; loadedAt: number } | undefined;
  let reading: Promise<TargetMapping> | undefined;
  const refresh = async (): Promise<TargetMapping> => {
    try {
      const text = await read();
      // The value lives in a secret: a JSON error would quote part of it, so the error says only that it is not JSON.
      try {
        JSON.parse(text);
      } catch {
        throw new InvalidTargetMappingError(`${origin}: not valid JSON`);
      }
      const mapping = parseTargetMapping(text, origin);
      current = { mapping, loadedAt: options.clock.now().getTime() };
      return mapping;
    } catch (error) {
      if (!current) throw error;
      options.logger.warn('target mapping not re-read: keeping the last one', {
        origin,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        loadedAt: new Date(current.loadedAt).toISOString(),
      });
      current = { ...current, loadedAt: options.clock.now().getTime() };
      return current.mapping;
    }
  };
  return {
    async load() {
      const now = options.clock.now().getTime();
      if (current && options.ttlMs > 0 && now - current.loadedAt < options.ttlMs) return current.mapping;
      reading ??= refresh().finally(() => {
        reading = undefined;
      });
      return reading;
    },
  };
}
