import { describe, expect, it } from 'vitest';
import type { IndexingState } from '../../../src/shared/indexing-state.ts';
import { type IndexingJob, IndexingJobs } from '../../../src/engine/service/indexing-jobs.ts';
import type { JobControl } from '../../../src/engine/library/job-control.ts';
import type { IndexProgress, IndexSummary } from '../../../src/engine/library/library-indexer.ts';

function summary(folders: readonly string[], indexed: number): IndexSummary {
  return {
    folders: [...folders],
    indexed,
    unchanged: 0,
    removed: 0,
    skipped: [],
    seconds: 0.1,
    imagesPerSecond: 10,
  };
}

function setup(options: { fail?: boolean; throttleMs?: number } = {}) {
  const log: string[] = [];
  const states: IndexingState[] = [];
  const finished: Array<{ job: IndexingJob; error: string | null }> = [];
  const jobs = new IndexingJobs(
    {
      indexFolders: async (folders, onProgress: (p: IndexProgress) => void) => {
        log.push(`index ${folders.join(',')}`);
        onProgress({ phase: 'scanning', done: 0, total: 0, skipped: 0, imagesPerSecond: 0 });
        for (let done = 0; done <= 10; done++) {
          onProgress({
            phase: 'indexing',
            done,
            total: 10,
            skipped: 0,
            imagesPerSecond: 100,
            etaSeconds: (10 - done) / 100,
          });
        }
        await new Promise((r) => setTimeout(r, 5));
        if (options.fail) throw new Error('the disk is full');
        return summary(folders, 10);
      },
      removeFolder: async (folder) => {
        log.push(`remove ${folder}`);
        return { removed: 3 };
      },
      onState: (s) => states.push(s),
      onFinished: (job, run) => finished.push({ job, error: run.error }),
      log: () => {},
    },
    { throttleMs: options.throttleMs ?? 1000 },
  );
  return { jobs, log, states, finished };
}

describe('IndexingJobs', () => {
  it('runs jobs one at a time in order, and drops duplicates waiting in the queue', async () => {
    const { jobs, log } = setup();
    jobs.enqueue({ kind: 'index', folders: ['/a'] });
    jobs.enqueue({ kind: 'index', folders: ['/b'] });
    jobs.enqueue({ kind: 'index', folders: ['/b'] });
    jobs.enqueue({ kind: 'remove', folder: '/a' });
    await jobs.idle();
    expect(log).toEqual(['index /a', 'index /b', 'remove /a']);
  });

  it('forgets waiting index jobs of a folder that is being removed', async () => {
    const { jobs, log } = setup();
    jobs.enqueue({ kind: 'index', folders: ['/a'] });
    jobs.enqueue({ kind: 'index', folders: ['/b', '/c'] });
    jobs.cancelQueued('/b');
    jobs.enqueue({ kind: 'remove', folder: '/b' });
    await jobs.idle();
    expect(log).toEqual(['index /a', 'index /c', 'remove /b']);
  });

  it('reports every phase change but throttles progress within a phase, then the outcome', async () => {
    const { jobs, states, finished } = setup();
    jobs.enqueue({ kind: 'index', folders: ['/a'] });
    await jobs.idle();
    const phases = states.map((s) => s.phase);
    expect(phases).toContain('scanning');
    expect(phases).toContain('indexing');
    // 11 progress calls in the indexing phase, well inside one throttle window: one emitted.
    expect(phases.filter((p) => p === 'indexing').length).toBe(1);
    expect(states.at(-1)).toMatchObject({
      phase: 'idle',
      lastRun: { kind: 'index', folders: ['/a'], indexed: 10, error: null },
    });
    expect(jobs.current.phase).toBe('idle');
    expect(finished).toHaveLength(1);
  });

  it('records a failed job with its reason and goes on with the next', async () => {
    const { jobs, states, finished } = setup({ fail: true });
    jobs.enqueue({ kind: 'index', folders: ['/a'] });
    jobs.enqueue({ kind: 'remove', folder: '/a' });
    await jobs.idle();
    expect(finished.map((f) => f.error)).toEqual(['the disk is full', null]);
    expect(states.at(-1)!.lastRun).toMatchObject({ kind: 'remove', removed: 3 });
  });

  it('takes no more jobs once closed', async () => {
    const { jobs, log } = setup();
    await jobs.close();
    jobs.enqueue({ kind: 'index', folders: ['/a'] });
    await jobs.idle();
    expect(log).toEqual([]);
  });
});

describe('IndexingJobs stop and close', () => {
  function slowJobs() {
    const states: IndexingState[] = [];
    const started: string[] = [];
    const jobs = new IndexingJobs({
      indexFolders: async (folders, _onProgress, control) => {
        started.push(folders.join(','));
        let done = 0;
        for (; done < 1000; done++) {
          if (!(await control.checkpoint())) break;
          await new Promise((r) => setTimeout(r, 2));
        }
        return { ...summary(folders, done), cancelled: done < 1000 };
      },
      removeFolder: async () => ({ removed: 0 }),
      onState: (s) => states.push(s),
      onFinished: () => {},
      log: () => {},
    });
    return { jobs, states, started };
  }

  it('stops the running job at its next checkpoint, keeps what it did, and drops the queue', async () => {
    const { jobs, states, started } = slowJobs();
    jobs.enqueue({ kind: 'index', folders: ['/a'] });
    jobs.enqueue({ kind: 'index', folders: ['/b'] });
    await new Promise((r) => setTimeout(r, 30));
    jobs.stop();
    await jobs.idle();
    expect(started).toEqual(['/a']);
    const last = states.at(-1)!.lastRun!;
    expect(last.stopped).toBe(true);
    expect(last.indexed).toBeGreaterThan(0);
    expect(last.indexed).toBeLessThan(1000);
  });

  it('close() stops the running job and says whether it stopped in time', async () => {
    const { jobs } = slowJobs();
    jobs.enqueue({ kind: 'index', folders: ['/a'] });
    await new Promise((r) => setTimeout(r, 10));
    expect(await jobs.close(5000)).toBe(true);
  });
});

describe('IndexingJobs changes from the folder watcher', () => {
  function liveJobs() {
    const states: IndexingState[] = [];
    const finished: IndexingJob[] = [];
    let progressOfQueued = 0;
    let queuedControl: JobControl | undefined;
    const jobs = new IndexingJobs(
      {
        indexFolders: async (folders, onProgress, control) => {
          queuedControl = control;
          let done = 0;
          for (; done < 200; done++) {
            if (!(await control.checkpoint())) break;
            progressOfQueued = done;
            onProgress({ phase: 'indexing', done, total: 200, skipped: 0, imagesPerSecond: 50 });
            await new Promise((r) => setTimeout(r, 2));
          }
          return { ...summary(folders, done), cancelled: done < 200 };
        },
        removeFolder: async () => ({ removed: 0 }),
        onState: (s) => states.push(s),
        onFinished: (job) => finished.push(job),
        log: () => {},
      },
      { throttleMs: 0 },
    );
    return { jobs, states, finished, progress: () => progressOfQueued, control: () => queuedControl };
  }

  it('applies a change at once, pausing a long scan meanwhile, and shows its progress', async () => {
    const { jobs, states, finished, progress, control } = liveJobs();
    jobs.enqueue({ kind: 'index', folders: ['/big'] });
    await new Promise((r) => setTimeout(r, 20));
    let pausedWhileApplying = false;
    let stalledAt = -1;
    const result = await jobs.applyNow(['/big'], async (onProgress) => {
      await new Promise((r) => setTimeout(r, 10));
      stalledAt = progress();
      onProgress({ phase: 'indexing', done: 0, total: 1, skipped: 0, imagesPerSecond: 0 });
      expect(jobs.current).toMatchObject({ phase: 'indexing', total: 1, folders: ['/big'] });
      await new Promise((r) => setTimeout(r, 30));
      pausedWhileApplying = control()!.isPaused && progress() === stalledAt;
      return summary(['/big'], 1);
    });
    expect(result.indexed).toBe(1);
    expect(pausedWhileApplying).toBe(true);
    expect(control()!.isPaused).toBe(false);
    // The change is reported as a finished run; the scan then carries on to the end.
    expect(finished).toEqual([{ kind: 'index', folders: ['/big'] }]);
    await jobs.idle();
    expect(states.at(-1)!.lastRun).toMatchObject({ indexed: 200, stopped: false });
    expect(states.some((s) => s.total === 1 && s.phase === 'indexing')).toBe(true);
  });

  it('says nothing about a change that touched no photo', async () => {
    const { jobs, finished } = liveJobs();
    await jobs.applyNow(['/a'], async () => summary(['/a'], 0));
    expect(finished).toEqual([]);
    expect(jobs.current.phase).toBe('idle');
  });

  it('cancels a change in progress on close', async () => {
    const { jobs } = liveJobs();
    const running = jobs.applyNow(['/a'], async (_onProgress, control) => {
      let done = 0;
      while (await control.checkpoint()) {
        done++;
        await new Promise((r) => setTimeout(r, 2));
      }
      return { ...summary(['/a'], done), cancelled: true };
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(await jobs.close(5000)).toBe(true);
    await expect(running).resolves.toMatchObject({ cancelled: true });
  });
});
