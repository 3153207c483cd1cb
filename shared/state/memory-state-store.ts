import type { ConnectorRecord, StateStore, VersionedRecord } from '#core/ports';

/** Compare-and-set state in process memory: for the CLI, tests and the local stack. Not shared across processes. */
export class MemoryStateStore implements StateStore {
  private readonly records = new Map<string, { record: ConnectorRecord; revision: number }>();

  async read(connectorKey: string): Promise<VersionedRecord | null> {
    const entry = this.records.get(connectorKey);
    return entry ? { record: structuredClone(entry.record), etag: String(entry.revision) } : null;
  }

  async write(record: ConnectorRecord, expectedEtag: string | null): Promise<boolean> {
    const entry = this.records.get(record.connectorKey);
    const currentEtag = entry ? String(entry.revision) : null;
    if (currentEtag !== expectedEtag) return false;
    this.records.set(record.connectorKey, { record: structuredClone(record), revision: (entry?.revision ?? 0) + 1 });
    return true;
  }

  /** Every record, for inspection in tests and the secret-hygiene checks. */
  snapshot(): ConnectorRecord[] {
    return [...this.records.values()].map((entry) => structuredClone(entry.record));
  }
}
