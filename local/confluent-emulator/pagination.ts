const DEFAULT_PAGE_SIZE = 10;
const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  /** Absolute URL of the list endpoint, without query. */
  readonly listUrl: string;
  readonly query: Readonly<Record<string, string>>;
}

export type PageResult<T> =
  | { readonly ok: true; readonly items: T[]; readonly metadata: Record<string, unknown> }
  | { readonly ok: false; readonly parameter: string; readonly detail: string };

/** Offset pagination behind an opaque page_token, with `metadata.next` as an absolute URL until the last page. */
export function paginate<T>(all: readonly T[], request: PageRequest): PageResult<T> {
  const size = parsePageSize(request.query.page_size);
  if (size === undefined) {
    return { ok: false, parameter: 'page_size', detail: `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}` };
  }
  const offset = parsePageToken(request.query.page_token, all.length);
  if (offset === undefined) return { ok: false, parameter: 'page_token', detail: 'page_token is not valid' };

  const pageUrl = (token?: string): string => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(request.query)) {
      if (key !== 'page_size' && key !== 'page_token') params.set(key, value);
    }
    params.set('page_size', String(size));
    if (token !== undefined) params.set('page_token', token);
    return `${request.listUrl}?${params}`;
  };
  const end = offset + size;
  const metadata: Record<string, unknown> = { first: pageUrl(), total_size: all.length };
  if (end < all.length) metadata.next = pageUrl(encodeToken(end));
  return { ok: true, items: all.slice(offset, end), metadata };
}

function parsePageSize(raw: string | undefined): number | undefined {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(raw)) return undefined;
  const size = Number(raw);
  return size >= 1 && size <= MAX_PAGE_SIZE ? size : undefined;
}

function parsePageToken(raw: string | undefined, total: number): number | undefined {
  if (raw === undefined) return 0;
  const decoded = Buffer.from(raw, 'base64url').toString('utf8');
  const match = /^offset:(\d+)$/.exec(decoded);
  const offset = match ? Number(match[1]) : Number.NaN;
  return Number.isInteger(offset) && offset <= total ? offset : undefined;
}

function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`, 'utf8').toString('base64url');
}
