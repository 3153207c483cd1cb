import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startLoopbackHttp } from './loopback';

interface StoredObject {
  readonly name: string;
  readonly generation: number;
  readonly metageneration: number;
  readonly contentType: string;
  readonly data: Buffer;
  readonly updated: string;
  readonly customTime?: string;
  readonly metadata?: Record<string, string>;
}

export interface GcsEmulatorOptions {
  readonly port?: number;
  /** Buckets that exist (Terraform creates the state bucket; the emulator has no bucket API). */
  readonly buckets: readonly string[];
  readonly now?: () => number;
}

export interface GcsEmulator {
  /** For STORAGE_EMULATOR_HOST: `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly control: {
    /** Every generation ever written for an object, oldest first (tests of compare-and-set). */
    generations(bucket: string, name: string): number[];
    requests(): { method: string; path: string; status: number }[];
  };
  close(): Promise<void>;
}

class GcsApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly location?: string,
  ) {
    super(message);
  }
}

const OBJECT_PATH = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/(.+)$/;
const UPLOAD_PATH = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/;

/**
 * Cloud Storage's JSON API on 127.0.0.1, the part a compare-and-set store uses, as @google-cloud/storage calls it
 * under STORAGE_EMULATOR_HOST: object metadata and media reads (`alt=media`, a pinned `generation`), uploads
 * (`uploadType=media` and `multipart`) and deletes. Each write makes a new generation; `ifGenerationMatch` (0: the
 * object must not exist) and `ifMetagenerationMatch` are enforced with GCS's answer, 412 `conditionNotMet`.
 */
export async function startGcsEmulator(options: GcsEmulatorOptions): Promise<GcsEmulator> {
  const now = options.now ?? Date.now;
  const buckets = new Map(options.buckets.map((bucket) => [bucket, new Map<string, StoredObject>()]));
  const history = new Map<string, number[]>();
  const log: { method: string; path: string; status: number }[] = [];
  let generationClock = now() * 1000;

  const bucketOf = (name: string) => {
    const bucket = buckets.get(name);
    if (!bucket) throw new GcsApiError(404, 'notFound', 'The specified bucket does not exist.');
    return bucket;
  };

  const checkPreconditions = (url: URL, existing: StoredObject | undefined) => {
    const generation = url.searchParams.get('ifGenerationMatch');
    if (generation !== null && Number(generation) !== (existing?.generation ?? 0)) {
      throw new GcsApiError(
        412,
        'conditionNotMet',
        'At least one of the pre-conditions you specified did not hold.',
        'If-Match',
      );
    }
    const metageneration = url.searchParams.get('ifMetagenerationMatch');
    if (metageneration !== null && Number(metageneration) !== existing?.metageneration) {
      throw new GcsApiError(412, 'conditionNotMet', 'At least one of the pre-conditions you specified did not hold.');
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const upload = UPLOAD_PATH.exec(url.pathname);
    if (upload && method === 'POST') {
      const bucket = bucketOf(decodeURIComponent(upload[1] ?? ''));
      const body = await readRaw(req);
      const { name, contentType, data, customTime, metadata } = parseUpload(req, url, body);
      const existing = bucket.get(name);
      checkPreconditions(url, existing);
      generationClock = Math.max(generationClock + 1, now() * 1000);
      const stored: StoredObject = {
        name,
        generation: generationClock,
        metageneration: 1,
        contentType,
        data,
        updated: new Date(now()).toISOString(),
        ...(customTime ? { customTime } : {}),
        ...(metadata ? { metadata } : {}),
      };
      bucket.set(name, stored);
      history.set(`${upload[1]}/${name}`, [...(history.get(`${upload[1]}/${name}`) ?? []), stored.generation]);
      return send(res, 200, resource(upload[1] ?? '', stored));
    }
    const object = OBJECT_PATH.exec(url.pathname);
    if (!object) throw new GcsApiError(404, 'notFound', `Not Found: ${method} ${url.pathname}`);
    const bucketName = decodeURIComponent(object[1] ?? '');
    const name = decodeURIComponent(object[2] ?? '');
    const bucket = bucketOf(bucketName);
    const existing = bucket.get(name);
    const pinned = url.searchParams.get('generation');
    if (!existing || (pinned !== null && Number(pinned) !== existing.generation)) {
      throw new GcsApiError(404, 'notFound', `No such object: ${bucketName}/${name}`);
    }
    if (method === 'GET') {
      checkPreconditions(url, existing);
      if (url.searchParams.get('alt') === 'media') {
        res.writeHead(200, {
          'content-type': existing.contentType,
          'content-length': existing.data.length,
          'x-goog-generation': String(existing.generation),
          'x-goog-metageneration': String(existing.metageneration),
          'x-goog-hash': `crc32c=${crc32c(existing.data)},md5=${createHash('md5').update(existing.data).digest('base64')}`,
          'x-goog-stored-content-length': String(existing.data.length),
        });
        res.end(existing.data);
        return 200;
      }
      return send(res, 200, resource(bucketName, existing));
    }
    if (method === 'DELETE') {
      checkPreconditions(url, existing);
      bucket.delete(name);
      res.writeHead(204);
      res.end();
      return 204;
    }
    throw new GcsApiError(405, 'methodNotAllowed', `${method} is not supported on objects here.`);
  };

  const server = await startLoopbackHttp(options.port ?? 0, async (req, res) => {
    const entry = { method: req.method ?? 'GET', path: req.url ?? '/', status: 0 };
    log.push(entry);
    try {
      entry.status = await handle(req, res);
    } catch (error) {
      if (!(error instanceof GcsApiError)) throw error;
      entry.status = error.status;
      send(res, error.status, {
        error: {
          code: error.status,
          message: error.message,
          errors: [
            {
              message: error.message,
              domain: 'global',
              reason: error.reason,
              ...(error.location ? { locationType: 'header', location: error.location } : {}),
            },
          ],
        },
      });
    }
  });
  return {
    url: server.url,
    control: {
      generations: (bucket, name) => [...(history.get(`${bucket}/${name}`) ?? [])],
      requests: () => log.map((entry) => ({ ...entry })),
    },
    close: () => server.close(),
  };
}

/** The object resource as GCS answers it: int64 fields (generation, size) as strings. */
function resource(bucket: string, object: StoredObject) {
  return {
    kind: 'storage#object',
    id: `${bucket}/${object.name}/${object.generation}`,
    name: object.name,
    bucket,
    generation: String(object.generation),
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    size: String(object.data.length),
    md5Hash: createHash('md5').update(object.data).digest('base64'),
    crc32c: crc32c(object.data),
    updated: object.updated,
    timeCreated: object.updated,
    ...(object.customTime ? { customTime: object.customTime } : {}),
    ...(object.metadata ? { metadata: object.metadata } : {}),
  };
}

interface Upload {
  readonly name: string;
  readonly contentType: string;
  readonly data: Buffer;
  readonly customTime?: string;
  readonly metadata?: Record<string, string>;
}

/** `uploadType=media` (the body is the object, `name` in the query) or `multipart` (metadata part, then media). */
function parseUpload(req: IncomingMessage, url: URL, body: Buffer): Upload {
  const type = url.searchParams.get('uploadType');
  const contentType = req.headers['content-type'] ?? 'application/octet-stream';
  if (type === 'media') {
    const name = url.searchParams.get('name');
    if (!name) throw new GcsApiError(400, 'required', 'Required parameter: name');
    return { name, contentType, data: body };
  }
  if (type !== 'multipart') throw new GcsApiError(400, 'invalid', `Unsupported uploadType ${type ?? '(none)'}.`);
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new GcsApiError(400, 'invalid', 'Multipart upload without a boundary.');
  const parts = splitMultipart(body, boundary);
  const [meta, media] = parts;
  if (!meta || !media) throw new GcsApiError(400, 'invalid', 'Multipart upload needs a metadata and a media part.');
  let fields: { name?: unknown; contentType?: unknown; customTime?: unknown; metadata?: unknown };
  try {
    fields = JSON.parse(meta.body.toString('utf8'));
  } catch {
    throw new GcsApiError(400, 'parseError', 'The metadata part is not JSON.');
  }
  const name = typeof fields.name === 'string' ? fields.name : url.searchParams.get('name');
  if (!name) throw new GcsApiError(400, 'required', 'Required parameter: name');
  return {
    name,
    contentType:
      typeof fields.contentType === 'string' ? fields.contentType : (media.contentType ?? 'application/octet-stream'),
    data: media.body,
    ...(typeof fields.customTime === 'string' ? { customTime: fields.customTime } : {}),
    ...(fields.metadata && typeof fields.metadata === 'object'
      ? { metadata: fields.metadata as Record<string, string> }
      : {}),
  };
}

function splitMultipart(body: Buffer, boundary: string): { contentType?: string; body: Buffer }[] {
  const text = body.toString('latin1');
  return text
    .split(`--${boundary}`)
    .slice(1)
    .filter((part) => !part.startsWith('--'))
    .map((part) => {
      const separator = part.indexOf('\r\n\r\n');
      const headers = part.slice(0, separator);
      const content = part.slice(separator + 4).replace(/\r\n$/, '');
      const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim();
      return { ...(contentType ? { contentType } : {}), body: Buffer.from(content, 'latin1') };
    });
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown): number {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
  return status;
}

/** CRC32C (Castagnoli), big-endian, base64: the checksum GCS reports and the client checks every transfer against. */
const CRC32C_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32c(data: Buffer): string {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC32C_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}
