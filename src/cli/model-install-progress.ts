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
      format: 'Downloading [{bar}] {percentage}% | {received} of {size} MB | {rate} MB/s | {left}',
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
          left: timeLeft(total - p.receivedBytes, p.bytesPerSecond),
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

/** "about 12 s left" from the rate so far; nothing until there is a rate. */
function timeLeft(bytes: number, bytesPerSecond: number): string {
  if (bytesPerSecond <= 0 || bytes <= 0) return '';
  const s = Math.ceil(bytes / bytesPerSecond);
  return s >= 120 ? `about ${Math.ceil(s / 60)} min left` : `about ${s} s left`;
}
