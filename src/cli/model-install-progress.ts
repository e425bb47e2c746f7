import cliProgress from 'cli-progress';
import type { InstallProgress } from '../engine/embedding/model-registry.ts';

const PHASE_WORDS: Record<Exclude<InstallProgress['phase'], 'downloading' | 'done'>, string> = {
  verifying: 'Checking the file…',
  converting: 'Converting from TensorFlow Lite…',
  checking: 'Loading the model and running it once…',
  installing: 'Installing…',
};

/** Download bar and one line per install step on a terminal; silence when stderr is a file or pipe. */
export function createInstallReporter(stream: NodeJS.WriteStream): {
  update(p: InstallProgress): void;
  stop(): void;
} {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format:
        'Downloading [{bar}] {percentage}% | {received} of {size} MB | {rate} MB/s | ETA {eta_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let barStarted = false;
  const stopBar = (): void => {
    if (barStarted) bar.stop();
    barStarted = false;
  };
  return {
    update(p) {
      if (p.phase === 'downloading') {
        const total = p.totalBytes ?? p.receivedBytes;
        const payload = {
          received: (p.receivedBytes / 1e6).toFixed(1),
          size: (total / 1e6).toFixed(1),
          rate: (p.bytesPerSecond / 1e6).toFixed(2),
        };
        if (!barStarted) {
          bar.start(total, p.receivedBytes, payload);
          barStarted = true;
        }
        bar.setTotal(total);
        bar.update(p.receivedBytes, payload);
        return;
      }
      stopBar();
      if (p.phase !== 'done') stream.write(`${PHASE_WORDS[p.phase]}\n`);
    },
    stop: stopBar,
  };
}
