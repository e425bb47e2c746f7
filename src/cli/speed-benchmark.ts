import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Embedder } from '../engine/embedding/embedder.ts';
import { readModelManifest } from '../engine/embedding/model-manifest.ts';
import { Engine, type EngineConfig } from '../engine/engine.ts';
import { decodeForModel } from '../engine/imaging/image-decoder.ts';
import { isImageName } from '../engine/library/folder-scanner.ts';
import { openDatabase } from '../engine/store/database.ts';
import { EmbeddingRepository } from '../engine/store/embedding-repository.ts';
import { ImageRepository } from '../engine/store/image-repository.ts';
import { IndexRepository } from '../engine/store/index-repository.ts';
import { FolderRepository } from '../engine/store/folder-repository.ts';
import { padWithPerturbedCopies } from './padded-vectors.ts';

export interface SpeedReport {
  machine: string;
  photos: number;
  megapixels: number;
  decodeOnly: number;
  inferenceOnly: number;
  sharedCeiling: number;
  pipeline: number;
  plainLoop: number;
  queryMs: { p50: number; p95: number; libraryImages: number; startupMs: number };
  text: string;
}

const rate = (n: number, ms: number): number => (n * 1000) / ms;

/**
 * Indexing throughput next to the ceilings of its two stages, measured in the same run:
 * decode+resize alone on every core, inference alone, the pipeline, and a plain overlapped loop.
 * Then single-query latency (decode + embed + search) on a library padded to `libraryImages`.
 */
export async function runSpeedBenchmark(opts: {
  photosDir: string;
  copies: number;
  libraryImages: number;
  engineConfig: Omit<EngineConfig, 'libraryPath'>;
  log: (line: string) => void;
}): Promise<SpeedReport> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lookalike-speed-'));
  try {
    // Copies with a distinct trailing byte: the same decoding work, but different content,
    // so the pipeline cannot skip them as byte-identical.
    const sources = readdirSync(opts.photosDir)
      .filter(isImageName)
      .map((f) => path.join(opts.photosDir, f));
    const corpus = path.join(tmp, 'photos');
    const files: string[] = [];
    mkdirSync(corpus);
    for (let c = 0; c < opts.copies; c++) {
      for (const src of sources) {
        const dest = path.join(corpus, `${c}-${path.basename(src)}`);
        files.push(dest);
        writeFileSync(dest, Buffer.concat([readFileSync(src), Buffer.from([c & 255])]), { flag: 'w' });
      }
    }
    const { manifest, modelPath } = readModelManifest(opts.engineConfig.modelManifestPath);
    const cores = os.availableParallelism();
    let megapixels = 0;

    // 1. Decode + resize alone, every core busy: the best of one and two decodes per core.
    const decoded: Uint8Array[] = [];
    let decodeOnly = 0;
    for (const concurrency of [cores, cores * 2]) {
      megapixels = 0;
      const t = performance.now();
      await pool(files, concurrency, async (f) => {
        const d = await decodeForModel(readFileSync(f), manifest.input);
        megapixels += (d.width * d.height) / 1e6;
        if (decoded.length < 64) decoded.push(d.rgb);
      });
      decodeOnly = Math.max(decodeOnly, rate(files.length, performance.now() - t));
    }
    opts.log(`decode+resize alone: ${decodeOnly.toFixed(1)} images/s`);

    // 2. Inference alone on already-decoded input.
    const embedder = await Embedder.start({
      manifest,
      modelPath,
      workerUrl: opts.engineConfig.embedWorkerUrl,
      device: opts.engineConfig.device ?? 'auto',
      threads: cores,
    });
    const batch = decoded.slice(0, 16);
    await embedder.embed(batch);
    let t = performance.now();
    const rounds = Math.max(4, Math.ceil(files.length / 16));
    for (let i = 0; i < rounds; i++) await embedder.embed(batch);
    const inferenceOnly = rate(rounds * batch.length, performance.now() - t);
    opts.log(`inference alone: ${inferenceOnly.toFixed(1)} images/s on ${embedder.provider}`);

    // 3. A plain overlapped loop: decode the next batch while the current one is embedded.
    t = performance.now();
    let pending: Promise<unknown> = Promise.resolve();
    for (let i = 0; i < files.length; i += 16) {
      const imgs = await Promise.all(
        files.slice(i, i + 16).map(async (f) => (await decodeForModel(readFileSync(f), manifest.input)).rgb),
      );
      await pending;
      pending = embedder.embed(imgs);
    }
    await pending;
    const plainLoop = rate(files.length, performance.now() - t);
    opts.log(`plain overlapped loop: ${plainLoop.toFixed(1)} images/s`);
    await embedder.dispose();

    // 4. The real indexer, end to end (read, hash, decode, embed, store, index, snapshot).
    const libraryPath = path.join(tmp, 'library.db');
    let engine = Engine.open({ ...opts.engineConfig, libraryPath });
    const summary = await engine.indexFolders([corpus]);
    const pipeline = summary.imagesPerSecond;
    opts.log(`pipeline (lookalike index): ${pipeline.toFixed(1)} images/s`);
    await engine.close();

    // 5. Query latency on a library padded with vectors near the real ones.
    padLibrary(libraryPath, manifest.id, opts.libraryImages);
    const queryFile = path.join(tmp, 'query.jpg');
    const sharp = (await import('sharp')).default;
    await sharp(files[0]!).resize(640, 480, { fit: 'fill' }).jpeg().toFile(queryFile);
    // Snapshot the padded library as a writer would, then time a cold start: open → first results.
    engine = Engine.open({ ...opts.engineConfig, libraryPath });
    await engine.refreshLibrary();
    await engine.close();
    t = performance.now();
    engine = Engine.open({ ...opts.engineConfig, libraryPath });
    await engine.searchByImage({ imagePath: queryFile, k: 20 });
    const startupMs = performance.now() - t;
    const times: number[] = [];
    for (let i = 0; i < 50; i++)
      times.push((await engine.searchByImage({ imagePath: queryFile, k: 20 })).tookMs);
    const libraryImages = (await engine.status()).index.vectors;
    await engine.close();
    times.sort((a, b) => a - b);
    const queryMs = { p50: times[24]!, p95: times[47]!, libraryImages, startupMs };

    const sharedCeiling = 1 / (1 / decodeOnly + 1 / inferenceOnly);
    const machine = `${os.cpus()[0]?.model ?? 'cpu'}, ${cores} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`;
    const text = [
      `machine: ${machine}`,
      `photos: ${files.length} (${(megapixels / files.length).toFixed(1)} MP average)`,
      `decode+resize alone (all cores):   ${decodeOnly.toFixed(1)} images/s`,
      `inference alone (all cores):       ${inferenceOnly.toFixed(1)} images/s`,
      `both stages sharing the cores:     ${sharedCeiling.toFixed(1)} images/s (ceiling)`,
      `pipeline (lookalike index):        ${pipeline.toFixed(1)} images/s = ${((100 * pipeline) / sharedCeiling).toFixed(0)} % of ceiling`,
      `plain overlapped sharp+ONNX loop:  ${plainLoop.toFixed(1)} images/s`,
      `query 640x480, k=20, ${libraryImages} images: p50 ${queryMs.p50.toFixed(1)} ms, p95 ${queryMs.p95.toFixed(1)} ms`,
      `start-up to first results (open library, load index, start model, query): ${startupMs.toFixed(0)} ms`,
    ].join('\n');
    return {
      machine,
      photos: files.length,
      megapixels,
      decodeOnly,
      inferenceOnly,
      sharedCeiling,
      pipeline,
      plainLoop,
      queryMs,
      text,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Adds synthetic images whose vectors are perturbed copies of the real ones, up to `total`. */
function padLibrary(libraryPath: string, modelId: string, total: number): void {
  const db = openDatabase(libraryPath);
  try {
    const embeddings = new EmbeddingRepository(db, modelId);
    const images = new ImageRepository(db);
    const log = new IndexRepository(db, modelId);
    const folder = new FolderRepository(db).add(path.join(path.dirname(libraryPath), 'padding'));
    const real = [...embeddings.iterateLive()].map((r) => r.vector);
    const padded = padWithPerturbedCopies(real, total, 1);
    db.transaction(() => {
      for (let i = real.length; i < padded.length; i++) {
        const v = padded[i]!;
        const hash = `pad-${i}`;
        embeddings.put(hash, v);
        const id = images.upsert({
          folderId: folder.id,
          path: path.join(folder.path, `pad-${i}.jpg`),
          size: 1,
          mtimeMs: 0,
          contentHash: hash,
          width: 640,
          height: 480,
          format: 'jpeg',
          status: 'ok',
          skipCode: null,
          skipReason: null,
        });
        log.logChange(id, 'add');
      }
    })();
  } finally {
    db.close();
  }
}
