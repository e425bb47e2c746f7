import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Dispatcher, EnvHttpProxyAgent, interceptors, request } from 'undici';
import { hashFileInto, sha256OfFile } from './file-hash.ts';

export interface DownloadProgress {
  receivedBytes: number;
  /** null when neither the server nor the catalog says how big the file is. */
  totalBytes: number | null;
  /** Average over this attempt (bytes already on disk from an earlier attempt do not count). */
  bytesPerSecond: number;
  /** Bytes that were already on disk from an interrupted download. */
  resumedFrom: number;
}

export interface DownloadOptions {
  url: string;
  /** The finished file: it appears here only complete and verified. */
  dest: string;
  sha256: string;
  /** The expected size, when known: shown as the total and checked before hashing. */
  bytes?: number;
  onProgress?: (p: DownloadProgress) => void;
  signal?: AbortSignal;
  /** Where HTTPS_PROXY, HTTP_PROXY and NO_PROXY are read (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
  /** Longest wait for a connection, the response headers, or the next piece of the body. */
  timeoutMs?: number;
  /** Further attempts after a dropped connection, each resuming where the last stopped. */
  retries?: number;
  /**
   * Certificate authorities (PEM) to trust instead of Node's bundled ones, for servers with a
   * private CA. People add theirs with NODE_EXTRA_CA_CERTS; this is for embedding and tests.
   */
  ca?: string;
}

export type DownloadFailure = 'network' | 'http' | 'wrong-hash' | 'cancelled' | 'storage';

export class DownloadError extends Error {
  override name = 'DownloadError';
  readonly reason: DownloadFailure;
  constructor(reason: DownloadFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** What an interrupted download needs to resume safely: the same URL and the same file version. */
interface PartInfo {
  url: string;
  etag?: string;
  lastModified?: string;
}

const PROGRESS_INTERVAL_MS = 200;

/**
 * Downloads a file into `<dest>.part` and renames it to `dest` only once its sha256 matches. An
 * interrupted download resumes with an HTTP Range request (guarded by If-Range, so a file changed
 * on the server starts over); a server that ignores Range sends the whole file and it starts
 * over. Proxies come from HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as other tools read them.
 */
export async function downloadFile(o: DownloadOptions): Promise<{ path: string; resumedFrom: number }> {
  if (await hasFile(o.dest, o.sha256)) return { path: o.dest, resumedFrom: 0 };
  await mkdir(path.dirname(o.dest), { recursive: true });
  const dispatcher = proxyAwareDispatcher(o.env ?? process.env, o.timeoutMs ?? 30_000, o.ca);
  try {
    const retries = o.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      try {
        return await downloadOnce(o, dispatcher);
      } catch (err) {
        if (!(err instanceof DownloadError) || err.reason !== 'network' || attempt >= retries) throw err;
      }
    }
  } finally {
    await dispatcher.close();
  }
}

/** undici's agent that picks a proxy per URL from the environment, following redirects. */
export function proxyAwareDispatcher(env: NodeJS.ProcessEnv, timeoutMs: number, ca?: string): Dispatcher {
  return new EnvHttpProxyAgent({
    httpProxy: env.http_proxy ?? env.HTTP_PROXY ?? '',
    httpsProxy: env.https_proxy ?? env.HTTPS_PROXY ?? '',
    noProxy: env.no_proxy ?? env.NO_PROXY ?? '',
    // Direct connections, and the TLS session to the server inside a proxy's tunnel.
    connect: { timeout: timeoutMs, ...(ca ? { ca } : {}) },
    ...(ca ? { requestTls: { ca } } : {}),
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  }).compose(interceptors.redirect({ maxRedirections: 5 }));
}

async function downloadOnce(
  o: DownloadOptions,
  dispatcher: Dispatcher,
): Promise<{ path: string; resumedFrom: number }> {
  const part = `${o.dest}.part`;
  const infoFile = `${o.dest}.part.json`;
  const info = await readPartInfo(infoFile);
  let offset = info?.url === o.url ? await sizeOf(part) : 0;
  if (offset === 0) await rm(part, { force: true });

  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    // Only a strong validator proves the bytes on disk belong to the file the server has now.
    const validator = info?.etag && !info.etag.startsWith('W/') ? info.etag : info?.lastModified;
    if (validator) headers['if-range'] = validator;
  }

  let res: Dispatcher.ResponseData;
  try {
    res = await request(o.url, { dispatcher, headers, ...(o.signal ? { signal: o.signal } : {}) });
  } catch (err) {
    throw failure(err, o, 'connecting');
  }

  let total: number | null = o.bytes ?? null;
  const contentLength = numberHeader(res.headers['content-length']);
  if (res.statusCode === 206) {
    const range = parseContentRange(res.headers['content-range']);
    if (!range || range.start !== offset) {
      // Not the part asked for: start over rather than splice mismatched bytes.
      await res.body.dump();
      await discard(part, infoFile);
      return downloadOnce(o, dispatcher);
    }
    total = range.total ?? total;
  } else if (res.statusCode === 200) {
    offset = 0;
    if (contentLength !== null) total = contentLength;
  } else if (res.statusCode === 416 && offset > 0) {
    // Nothing left to send: the part is complete if its hash says so, else it starts over.
    await res.body.dump();
    if ((await sha256OfFile(part)) === o.sha256) return finish(o, part, infoFile, o.sha256, offset);
    await discard(part, infoFile);
    return downloadOnce(o, dispatcher);
  } else {
    await res.body.dump();
    throw new DownloadError('http', `The server answered ${res.statusCode} for ${o.url}.`);
  }

  const etag = stringHeader(res.headers.etag);
  const lastModified = stringHeader(res.headers['last-modified']);
  await writeFile(
    infoFile,
    JSON.stringify({ url: o.url, ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) }),
  );

  const hash = createHash('sha256');
  if (offset > 0) await hashFileInto(hash, part);
  const file = await open(part, offset > 0 ? 'a' : 'w');
  let received = offset;
  const started = performance.now();
  let lastReport = 0;
  let trailing: ReturnType<typeof setTimeout> | undefined;
  const report = (force: boolean): void => {
    const now = performance.now();
    if (!o.onProgress) return;
    if (!force && now - lastReport < PROGRESS_INTERVAL_MS) {
      // Bytes that arrive just before a connection stalls are still shown, a moment later.
      trailing ??= setTimeout(
        () => {
          trailing = undefined;
          report(true);
        },
        PROGRESS_INTERVAL_MS - (now - lastReport),
      );
      return;
    }
    clearTimeout(trailing);
    trailing = undefined;
    lastReport = now;
    const seconds = (now - started) / 1000;
    o.onProgress({
      receivedBytes: received,
      totalBytes: total,
      bytesPerSecond: seconds > 0 ? (received - offset) / seconds : 0,
      resumedFrom: offset,
    });
  };
  try {
    report(true);
    for await (const chunk of res.body) {
      const bytes = chunk as Buffer;
      hash.update(bytes);
      await file.write(bytes);
      received += bytes.length;
      if (total !== null && received > total) {
        throw new DownloadError('wrong-hash', `The server sent more than the expected ${total} bytes.`);
      }
      report(false);
    }
    await file.sync();
  } catch (err) {
    if (err instanceof DownloadError && err.reason === 'wrong-hash') {
      await file.close();
      await discard(part, infoFile);
      throw err;
    }
    throw failure(err, o, `after ${received} of ${total ?? '?'} bytes`);
  } finally {
    clearTimeout(trailing);
    trailing = undefined;
    await file.close().catch(() => undefined);
  }
  report(true);
  if (total !== null && received < total) {
    throw new DownloadError(
      'network',
      `The download of ${o.url} stopped after ${received} of ${total} bytes; try again to resume.`,
    );
  }
  return finish(o, part, infoFile, hash.digest('hex'), offset);
}

async function finish(
  o: DownloadOptions,
  part: string,
  infoFile: string,
  sha: string,
  resumedFrom: number,
): Promise<{ path: string; resumedFrom: number }> {
  if (sha !== o.sha256) {
    await discard(part, infoFile);
    throw new DownloadError(
      'wrong-hash',
      `The file downloaded from ${o.url} is not the expected one (sha256 ${sha}, expected ${o.sha256}); nothing was installed.`,
    );
  }
  await rename(part, o.dest);
  await rm(infoFile, { force: true });
  return { path: o.dest, resumedFrom };
}

function failure(err: unknown, o: DownloadOptions, when: string): DownloadError {
  if (err instanceof DownloadError) return err;
  if (o.signal?.aborted) {
    return new DownloadError(
      'cancelled',
      `The download of ${o.url} was cancelled; what arrived is kept to resume.`,
    );
  }
  const e = err as Error & { code?: string };
  if (e.code && ['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM'].includes(e.code)) {
    const where = path.dirname(o.dest);
    const why =
      e.code === 'ENOSPC' || e.code === 'EDQUOT' ? 'the disk is full' : `it cannot be written (${e.code})`;
    return new DownloadError('storage', `The download cannot be saved in ${where}: ${why}.`, { cause: err });
  }
  const why =
    e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' ? 'timed out' : e.message;
  return new DownloadError('network', `The download of ${o.url} failed ${when}: ${why}.`, { cause: err });
}

async function hasFile(file: string, sha256: string): Promise<boolean> {
  if ((await sizeOf(file)) === 0) return false;
  if ((await sha256OfFile(file)) === sha256) return true;
  await rm(file, { force: true });
  return false;
}

async function discard(part: string, infoFile: string): Promise<void> {
  await rm(part, { force: true });
  await rm(infoFile, { force: true });
}

async function readPartInfo(file: string): Promise<PartInfo | undefined> {
  try {
    const raw = JSON.parse(await readFile(file, 'utf8')) as Partial<PartInfo>;
    return typeof raw.url === 'string' ? (raw as PartInfo) : undefined;
  } catch {
    return undefined;
  }
}

async function sizeOf(file: string): Promise<number> {
  return stat(file).then(
    (s) => s.size,
    () => 0,
  );
}

function stringHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function numberHeader(v: string | string[] | undefined): number | null {
  const s = stringHeader(v);
  const n = s === undefined ? NaN : Number(s);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

/** `bytes 100-199/1000` (total may be `*`). */
export function parseContentRange(
  v: string | string[] | undefined,
): { start: number; end: number; total: number | null } | undefined {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(stringHeader(v)?.trim() ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}
