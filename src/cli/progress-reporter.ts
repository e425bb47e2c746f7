import cliProgress from 'cli-progress';
import type { IndexProgress } from '../engine/library/library-indexer.ts';

/** A progress bar on a terminal; silence when output goes to a file or pipe. */
export function createProgressReporter(stream: NodeJS.WriteStream): {
  update(p: IndexProgress): void;
  stop(): void;
} {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{phase} [{bar}] {value}/{total} | {rate} img/s | ETA {eta_formatted} | {file}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const payload = {
        phase: p.phase.padEnd(8),
        rate: p.imagesPerSecond.toFixed(1),
        file: p.currentPath ? truncateLeft(p.currentPath, 40) : '',
      };
      if (!started) {
        bar.start(p.total, p.done, payload);
        started = true;
      }
      bar.setTotal(p.total);
      bar.update(p.done, payload);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function truncateLeft(s: string, n: number): string {
  return s.length <= n ? s : `…${s.slice(s.length - n + 1)}`;
}
