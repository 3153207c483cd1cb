import type { RateBucket, RateBucketStore } from '#core/ports';

/** Compare-and-set token buckets in process memory: tests, and a CLI without a deployed state store. */
export class MemoryRateBucketStore implements RateBucketStore {
  private readonly buckets = new Map<string, { bucket: RateBucket; revision: number }>();

  async read(name: string): Promise<{ bucket: RateBucket; etag: string } | null> {
    const entry = this.buckets.get(name);
    return entry ? { bucket: { ...entry.bucket }, etag: String(entry.revision) } : null;
  }

  async write(name: string, bucket: RateBucket, expectedEtag: string | null): Promise<string | null> {
    const entry = this.buckets.get(name);
    if ((entry ? String(entry.revision) : null) !== expectedEtag) return null;
    const revision = (entry?.revision ?? 0) + 1;
    this.buckets.set(name, { bucket: { ...bucket }, revision });
    return String(revision);
  }
}
