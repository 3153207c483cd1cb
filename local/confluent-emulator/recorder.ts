import type { RecordedRequest } from './types';

/** Every request in arrival order, faulted ones included. Callers get copies, so they cannot alter the log. */
export class RequestRecorder {
  private log: RecordedRequest[] = [];

  start(request: Omit<RecordedRequest, 'status' | 'responseHeaders'>): RecordedRequest {
    const record: RecordedRequest = { ...request, status: 0, responseHeaders: {} };
    this.log.push(record);
    return record;
  }

  all(): RecordedRequest[] {
    return this.log.map((record) => ({ ...record }));
  }

  count(filter: { method?: string; pathIncludes?: string } = {}): number {
    return this.log.filter(
      (record) =>
        (filter.method === undefined || record.method === filter.method.toUpperCase()) &&
        (filter.pathIncludes === undefined || record.path.includes(filter.pathIncludes)),
    ).length;
  }

  reset(): void {
    this.log = [];
  }
}
