import { type ConnectorRef, connectorKey } from './connector-ref';

/**
 * Connector patterns for exclusion lists: `env-id/lkc-id/name` where `*` matches any run of characters, so
 * `env-prod01/*` excludes an environment and `*\/*\/*-datagen` every connector ending in `-datagen`.
 */
export interface ConnectorPattern {
  readonly text: string;
  matches(connector: ConnectorRef): boolean;
}

export function parseConnectorPattern(text: string): ConnectorPattern {
  const trimmed = text.trim();
  const escaped = trimmed.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  const regex = new RegExp(`^${escaped}$`);
  return { text: trimmed, matches: (connector) => regex.test(connectorKey(connector)) };
}

export function firstMatchingPattern(patterns: readonly ConnectorPattern[], connector: ConnectorRef) {
  return patterns.find((pattern) => pattern.matches(connector));
}
