import type { RecordedRequest } from '#local/confluent-emulator/index';

const CONNECTOR_CALL = /\/environments\/([^/]+)\/clusters\/([^/]+)\/connectors\/([^/]+)\/(restart|pause|resume)$/;

/** Accepted (202) restart requests per connector (`env/lkc/name`), read from the emulator's request log. */
export function acceptedRestarts(requests: readonly RecordedRequest[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of requests) {
    const match = CONNECTOR_CALL.exec(request.path);
    if (request.method !== 'POST' || !match || match[4] !== 'restart' || request.status !== 202) continue;
    const key = `${match[1]}/${match[2]}/${decodeURIComponent(match[3] ?? '')}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Requests per response status, e.g. `200×812 429×40 500×301 0×12` (0: dropped or unanswered). */
export function statusHistogram(requests: readonly RecordedRequest[]): string {
  const counts = new Map<number, number>();
  for (const request of requests) counts.set(request.status, (counts.get(request.status) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status}×${count}`)
    .join(' ');
}
