import { type ConnectorRef, parseConnectorRef } from './connector-ref';

export const DEFAULT_CONNECTORS_TAG = 'confluent-connectors';

export interface TaggedTargets {
  readonly connectors: ConnectorRef[];
  /** Entries that could not be parsed, with why: reported by `doctor` and in the plan's notes. */
  readonly invalid: string[];
}

/**
 * Reads the connectors a secret names in its tags: `<tagKey>` holds comma-separated `env-id/lkc-id/connector-name`.
 * Cloud tag values are short (AWS: 256 characters), so `<tagKey>-2`, `<tagKey>-3`, … continue the list.
 */
export function connectorsFromTags(
  tags: Readonly<Record<string, string>>,
  tagKey = DEFAULT_CONNECTORS_TAG,
): TaggedTargets {
  const continuation = new RegExp(`^${tagKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+$`);
  const connectors: ConnectorRef[] = [];
  const invalid: string[] = [];
  for (const [key, value] of Object.entries(tags)) {
    if (key !== tagKey && !continuation.test(key)) continue;
    for (const entry of value.split(',').map((part) => part.trim())) {
      if (entry === '') continue;
      try {
        connectors.push(parseConnectorRef(entry));
      } catch (error) {
        invalid.push(`tag ${key}: ${(error as Error).message}`);
      }
    }
  }
  return { connectors, invalid };
}
