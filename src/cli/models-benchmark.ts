import os from 'node:os';
import ort from 'onnxruntime-node';
import { gpuProvidersFor, openSession } from '../engine/embedding/execution-provider.ts';
import type { LoadedManifest } from '../engine/embedding/model-manifest.ts';
import { packInputSync } from '../engine/embedding/model-tensor.ts';

export interface ModelSpeedRow {
  model: string;
  provider: string;
  batch: number;
  /** Median over the timed runs. */
  imagesPerSecond: number;
  msPerBatch: number;
  /** The fastest run: closer to the machine's capacity when other work shares it. */
  bestImagesPerSecond: number;
}

export interface UnavailableProvider {
  model: string;
  provider: string;
  reason: string;
}

export interface ModelsBenchmarkReport {
  machine: string;
  threads: number;
  batches: number[];
  rows: ModelSpeedRow[];
  unavailable: UnavailableProvider[];
  text: string;
}

export const DEFAULT_BENCH_BATCHES = [1, 8, 16, 32];

/** CPU and every GPU provider this platform could have; the ones missing are reported with why. */
export function defaultBenchProviders(platform: NodeJS.Platform = process.platform): string[] {
  return ['cpu', ...gpuProvidersFor(platform)];
}

/**
 * Model inference alone (already-decoded pixels, no decoding or storage): images/s for each
 * model, execution provider and batch size. Each cell is the median of timed runs after a
 * warm-up, so one slow run on a busy machine does not decide it; the models run in turn.
 */
export async function runModelsBenchmark(opts: {
  models: LoadedManifest[];
  providers?: string[];
  batches?: number[];
  threads?: number;
  /** Seconds each model is timed for per batch size (at least 3 runs). */
  seconds?: number;
  log?: (line: string) => void;
}): Promise<ModelsBenchmarkReport> {
  const providers = opts.providers ?? defaultBenchProviders();
  const batches = opts.batches ?? DEFAULT_BENCH_BATCHES;
  const threads = opts.threads ?? os.availableParallelism();
  const seconds = opts.seconds ?? 2;
  const log = opts.log ?? (() => undefined);
  const rows: ModelSpeedRow[] = [];
  const unavailable: UnavailableProvider[] = [];

  for (const provider of providers) {
    const opened: { manifest: LoadedManifest['manifest']; session: ort.InferenceSession }[] = [];
    for (const { manifest, modelPath } of opts.models) {
      try {
        opened.push({ manifest, session: (await openSession(modelPath, provider, threads)).session });
      } catch (err) {
        // openSession says "… for device "cuda" (cuda: why)": keep the why.
        const reason = (err as Error).message
          .replace(/^No execution provider could run the model for device "[^"]*" \((.*)\)$/, '$1')
          .replace(`${provider}: `, '');
        unavailable.push({ model: manifest.id, provider, reason });
        log(`${manifest.id} on ${provider}: not available (${reason})`);
      }
    }
    try {
      for (const batch of batches) {
        const cells = opened.map(({ manifest, session }) => {
          const [w, h] = manifest.input.size;
          const images = Array.from({ length: batch }, (_, i) => syntheticImage(w, h, i));
          const dims = manifest.input.layout === 'nchw' ? [batch, 3, h, w] : [batch, h, w, 3];
          const input = new ort.Tensor(manifest.input.dtype, packInputSync(images, manifest.input), dims);
          return { manifest, session, feeds: { [manifest.input.name]: input }, times: [] as number[] };
        });
        // Warm-up: the first runs allocate buffers and, on GPUs, compile kernels.
        for (const c of cells) for (let i = 0; i < 2; i++) await c.session.run(c.feeds);
        // The models take turns run by run, so other work on the machine slows them alike and
        // their numbers stay comparable even when the absolute ones are not.
        const until = performance.now() + seconds * 1000 * cells.length;
        while (cells.some((c) => c.times.length < 3) || performance.now() < until) {
          for (const c of cells) {
            const t = performance.now();
            await c.session.run(c.feeds);
            c.times.push(performance.now() - t);
          }
        }
        for (const c of cells) {
          const times = [...c.times].sort((x, y) => x - y);
          const ms = times[Math.floor(times.length / 2)]!;
          const row: ModelSpeedRow = {
            model: c.manifest.id,
            provider,
            batch,
            imagesPerSecond: (batch * 1000) / ms,
            msPerBatch: ms,
            bestImagesPerSecond: (batch * 1000) / times[0]!,
          };
          rows.push(row);
          log(`${row.model} on ${provider}, batch ${batch}: ${row.imagesPerSecond.toFixed(1)} images/s`);
        }
      }
    } finally {
      for (const { session } of opened) await session.release();
    }
  }
  const order = (r: ModelSpeedRow): number[] => [
    opts.models.findIndex((m) => m.manifest.id === r.model),
    providers.indexOf(r.provider),
    batches.indexOf(r.batch),
  ];
  rows.sort((x, y) => {
    const [a, b] = [order(x), order(y)];
    return a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  });

  const machine = `${os.cpus()[0]?.model ?? 'cpu'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${process.platform}`;
  return {
    machine,
    threads,
    batches,
    rows,
    unavailable,
    text: formatTable(machine, threads, batches, rows, unavailable),
  };
}

function formatTable(
  machine: string,
  threads: number,
  batches: number[],
  rows: ModelSpeedRow[],
  unavailable: UnavailableProvider[],
): string {
  const keys = [...new Set(rows.map((r) => `${r.model}\u0000${r.provider}`))];
  const header = ['model', 'provider', ...batches.map((b) => `batch ${b}`)];
  const body = keys.map((key) => {
    const [model, provider] = key.split('\u0000') as [string, string];
    return [
      model,
      provider,
      ...batches.map((b) => {
        const r = rows.find((x) => x.model === model && x.provider === provider && x.batch === b);
        return r ? `${r.imagesPerSecond.toFixed(1)} (${r.bestImagesPerSecond.toFixed(1)})` : '–';
      }),
    ];
  });
  const widths = header.map((_, i) => Math.max(...[header, ...body].map((line) => line[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `machine: ${machine}; onnxruntime-node ${ort.env.versions.node ?? ''}, ${threads} threads`,
    'images/s, inference alone: median of timed runs (fastest run):',
    line(header),
    ...body.map(line),
  ];
  // A provider missing from the runtime is missing for every model: say so once.
  const reasons = new Map<string, string[]>();
  for (const u of unavailable) {
    const key = `${u.provider}: not available (${u.reason})`;
    reasons.set(key, [...(reasons.get(key) ?? []), u.model]);
  }
  const modelCount = new Set([...rows.map((r) => r.model), ...unavailable.map((u) => u.model)]).size;
  for (const [key, models] of reasons)
    out.push(models.length === modelCount ? key : `${key} for ${models.join(', ')}`);
  return out.join('\n');
}

/** A deterministic, textured RGB image (HWC): inference time does not depend on content. */
function syntheticImage(width: number, height: number, seed: number): Uint8Array {
  const img = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      img[i] = (x * 7 + seed * 31) & 255;
      img[i + 1] = (y * 5 + seed * 17) & 255;
      img[i + 2] = ((x ^ y) + seed * 13) & 255;
    }
  }
  return img;
}
