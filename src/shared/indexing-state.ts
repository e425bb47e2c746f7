/** What the library's background work is doing, streamed to every window as it changes. */
export interface IndexingState {
  /** 'idle' when nothing runs; otherwise the current step of the running job. */
  phase: 'idle' | 'scanning' | 'indexing' | 'saving' | 'removing';
  /** The folders the running job works on (empty when idle). */
  folders: string[];
  /** Files finished (indexed or skipped) out of `total` that needed work; 0/0 while scanning. */
  done: number;
  total: number;
  skipped: number;
  imagesPerSecond: number;
  etaSeconds: number | null;
  currentPath: string | null;
  /** Jobs waiting behind the running one. */
  queued: number;
  /** The most recent finished job, for "last indexed …" and its outcome. */
  lastRun: IndexingRun | null;
}

export interface IndexingRun {
  kind: 'index' | 'remove';
  folders: string[];
  finishedAt: number;
  indexed: number;
  unchanged: number;
  removed: number;
  skipped: number;
  seconds: number;
  imagesPerSecond: number;
  /** Stopped on request before every file was done (a rescan goes on from there). */
  stopped: boolean;
  /** Why the job failed, in words; null when it did not. */
  error: string | null;
}

export const idleIndexingState: IndexingState = {
  phase: 'idle',
  folders: [],
  done: 0,
  total: 0,
  skipped: 0,
  imagesPerSecond: 0,
  etaSeconds: null,
  currentPath: null,
  queued: 0,
  lastRun: null,
};
