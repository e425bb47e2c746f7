import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import sharp from 'sharp';
import type { Embedder } from '../embedding/embedder.ts';
import { decodeForModel, MAX_INPUT_PIXELS } from '../imaging/image-decoder.ts';
import { ImageSkip, toImageSkip } from '../imaging/skip-reason.ts';
import type { ScannedFile } from './folder-scanner.ts';
import { Semaphore } from './semaphore.ts';

/** Larger files are not photos anyone would search by, and would cost too much memory. */
export const MAX_FILE_BYTES = 512 * 1024 * 1024;

export interface IngestedImage {
  file: ScannedFile;
  contentHash: string;
  width: number;
  height: number;
  format: string;
  /** Absent when a vector for this content is already stored. */
  vector?: Float32Array;
}

export interface IngestSink {
  /** Whether a vector for this content is already stored (so it need not be decoded). */
  hasVector(contentHash: string): boolean;
  /** Called with finished images and skipped files, in groups; must persist them before returning. */
  commit(done: IngestedImage[], skipped: Array<{ file: ScannedFile; skip: ImageSkip }>): void;
  progress?(file: ScannedFile): void;
  /** Waits while the job is paused; false when it was cancelled (files not started are left). */
  checkpoint?(): Promise<boolean>;
}

export interface IngestOptions {
  batchSize: number;
  /** Images decoded at once (each on a libuv thread). */
  decodeConcurrency: number;
  /** Batches handed to the inference thread and not yet returned. */
  batchesInFlight: number;
}

/**
 * Read → hash → decode → batch → embed → commit, with decoding and inference overlapped and
 * memory bounded: a decode slot is held until its image is in a batch, and a batch waits for an
 * inference slot, so a slow model stalls the decoders instead of piling up pixels.
 */
export async function ingest(
  files: readonly ScannedFile[],
  embedder: Embedder,
  sink: IngestSink,
  options: IngestOptions,
): Promise<void> {
  const spec = embedder.manifest.input;
  const decodeSlots = new Semaphore(options.decodeConcurrency);
  const embedSlots = new Semaphore(options.batchesInFlight);
  const running = new Set<Promise<void>>();
  const claimed = new Set<string>();
  const duplicates: Array<{ file: ScannedFile; bytes: Buffer; hash: string }> = [];
  let batch: Array<{ image: IngestedImage; rgb: Uint8Array }> = [];

  const track = (p: Promise<void>): void => {
    running.add(p);
    void p.finally(() => running.delete(p));
  };

  // A failure to save (disk full, read-only disk) is not one photo's fault: stop the run, and
  // let the caller report it. Everything committed before it stays.
  let storeError: unknown;
  const commit: IngestSink['commit'] = (done, skipped) => {
    if (storeError) return;
    try {
      sink.commit(done, skipped);
    } catch (err) {
      storeError = err;
    }
  };

  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    await embedSlots.acquire();
    track(
      embedder
        .embed(
          items.map((i) => i.rgb),
          'bulk',
        )
        .then(
          (vectors) =>
            commit(
              items.map((it, n) => ({ ...it.image, vector: vectors[n]! })),
              [],
            ),
          (err: Error) => {
            // Stopping the app mid-batch is not the photos' fault: leave them for the next run.
            if (embedder.isClosed) return;
            const skip = new ImageSkip(
              'model-error',
              `the model could not process the image (${err.message})`,
            );
            commit(
              [],
              items.map((it) => ({ file: it.image.file, skip })),
            );
          },
        )
        .finally(() => embedSlots.release()),
    );
  };

  const processOne = async (file: ScannedFile): Promise<void> => {
    try {
      sink.progress?.(file);
      const bytes = await readWhole(file);
      const hash = createHash('sha256').update(bytes).digest('hex');
      if (sink.hasVector(hash)) {
        commit([{ file, contentHash: hash, ...(await readHeader(bytes)) }], []);
        return;
      }
      if (claimed.has(hash)) {
        // Same bytes as a file in this run whose vector is still being computed.
        duplicates.push({ file, bytes, hash });
        return;
      }
      claimed.add(hash);
      const decoded = await decodeForModel(bytes, spec);
      batch.push({
        image: {
          file,
          contentHash: hash,
          width: decoded.width,
          height: decoded.height,
          format: decoded.format,
        },
        rgb: decoded.rgb,
      });
      if (batch.length >= options.batchSize) await flush();
    } catch (err) {
      commit([], [{ file, skip: toImageSkip(err, file.size) }]);
    }
  };

  for (const file of files) {
    if (storeError) break;
    if (sink.checkpoint && !(await sink.checkpoint())) break;
    await decodeSlots.acquire();
    track(processOne(file).finally(() => decodeSlots.release()));
  }
  while (running.size > 0) await Promise.all([...running]);
  await flush();
  while (running.size > 0) await Promise.all([...running]);

  for (const d of duplicates) {
    if (storeError) break;
    try {
      if (!sink.hasVector(d.hash)) throw new ImageSkip('corrupt', 'the image could not be decoded');
      commit([{ file: d.file, contentHash: d.hash, ...(await readHeader(d.bytes)) }], []);
    } catch (err) {
      commit([], [{ file: d.file, skip: toImageSkip(err, d.file.size) }]);
    }
  }
  if (storeError) throw storeError;
}

async function readWhole(file: ScannedFile): Promise<Buffer> {
  const handle = await open(file.path, 'r');
  try {
    const s = await handle.stat();
    if (!s.isFile()) throw new ImageSkip('not-a-file', 'not a regular file');
    if (s.size === 0) throw new ImageSkip('empty', 'the file is empty (0 bytes)');
    if (s.size > MAX_FILE_BYTES) {
      throw new ImageSkip(
        'too-large-file',
        `the file is ${(s.size / 2 ** 20).toFixed(0)} MB, more than the 512 MB limit`,
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Dimensions and format without decoding pixels, for content whose vector is already known. */
async function readHeader(bytes: Buffer): Promise<{ width: number; height: number; format: string }> {
  const meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  const swap = (meta.orientation ?? 1) >= 5;
  return {
    width: (swap ? meta.height : meta.width) ?? 0,
    height: (swap ? meta.width : meta.height) ?? 0,
    format: meta.format ?? 'unknown',
  };
}
