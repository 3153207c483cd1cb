import * as z from 'zod/mini';
import { issueText } from '#validation/issue-text';
import { type ConnectorRef, parseConnectorRef } from './connector-ref';
import { parseSecretRef, type SecretRef, sameSecret } from './secret-ref';

/**
 * The configured mapping "secret → connectors", for connectors whose configs cannot reveal the secret (masked
 * values, plain credentials copied from the secret). File format (JSON):
 * `{ "secrets": { "<ARN | name | Key Vault URI>": ["env-id/lkc-id/connector-name", …] } }`
 */
export interface TargetMapping {
  targetsFor(secret: SecretRef): ConnectorRef[];
  readonly size: number;
}

/** A mapping read from somewhere that can change (a secret): the resolver asks for it on every resolution. */
export interface TargetMappingSource {
  load(): Promise<TargetMapping>;
}

export class InvalidTargetMappingError extends Error {
  override readonly name = 'InvalidTargetMappingError';
}

const MappingFile = z.strictObject({ secrets: z.record(z.string(), z.array(z.string()).check(z.minLength(1))) });

export const emptyTargetMapping: TargetMapping = { targetsFor: () => [], size: 0 };

export function parseTargetMapping(json: string, origin: string): TargetMapping {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (error) {
    throw new InvalidTargetMappingError(`${origin}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = MappingFile.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidTargetMappingError(
      `${origin}: ${issue?.path.join('.') || 'root'}: ${issue ? issueText(issue) : 'invalid'}`,
    );
  }
  const entries = Object.entries(parsed.data.secrets).map(([secretText, connectors]) => {
    try {
      return { secret: parseSecretRef(secretText), connectors: connectors.map(parseConnectorRef) };
    } catch (error) {
      throw new InvalidTargetMappingError(`${origin}: secrets."${secretText}": ${(error as Error).message}`);
    }
  });
  return {
    size: entries.length,
    targetsFor: (secret) => entries.filter((entry) => sameSecret(entry.secret, secret)).flatMap((e) => e.connectors),
  };
}
