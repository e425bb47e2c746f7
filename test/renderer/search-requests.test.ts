import { describe, expect, it } from 'vitest';
import type { LookalikeClient } from '../../src/shared/api-adapter.ts';
import type { QueryRef } from '../../src/shared/api-contract.ts';
import { ApiError } from '../../src/shared/api-errors.ts';
import type { SearchResponse } from '../../src/shared/library-api.ts';
import { EvaluateActions } from '../../src/renderer/src/actions/evaluate-actions.ts';
import { SearchActions } from '../../src/renderer/src/actions/search-actions.ts';
import { SearchSignals } from '../../src/renderer/src/actions/search-signals.ts';
import { createEvaluateStore } from '../../src/renderer/src/state/evaluate-store.ts';
import { createSearchStore, currentEntry } from '../../src/renderer/src/state/search-store.ts';

/** A client whose named methods are the given ones; any other call fails the test. */
function fakeClient(methods: Partial<Record<keyof LookalikeClient, (...args: never[]) => unknown>>) {
  return new Proxy(methods, {
    get: (target, name: string) => {
      const method = (target as Record<string, unknown>)[name];
      if (!method) throw new Error(`unexpected call: ${name}`);
      return method;
    },
  }) as unknown as LookalikeClient;
}

function response(paths: string[], impressionId: number): SearchResponse {
  return {
    query: 'q',
    results: paths.map((path, i) => ({ path, rank: i + 1, score: 1, duplicates: [] })),
    tookMs: 1,
    model: 'm',
    device: 'cpu',
    impressionId,
  } as unknown as SearchResponse;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('search signals', () => {
  it('keeps the impression of the newest search when an older answer arrives after it', async () => {
    const answers = [deferred<SearchResponse>(), deferred<SearchResponse>()];
    const clicks: unknown[] = [];
    let call = 0;
    const client = fakeClient({
      search: () => answers[call++]!.promise,
      evalLogClick: (click: never) => {
        clicks.push(click);
        return Promise.resolve({});
      },
    });
    const signals = new SearchSignals(client, createEvaluateStore());
    const older = signals.search({ query: { kind: 'library', path: '/q.jpg' }, k: 50 } as never);
    const newer = signals.search({ query: { kind: 'library', path: '/r.jpg' }, k: 50 } as never);
    answers[1]!.resolve(response(['/b.jpg', '/c.jpg'], 2));
    await newer;
    answers[0]!.resolve(response(['/a.jpg', '/c.jpg', '/b.jpg'], 1));
    await older;

    signals.clicked('/a.jpg', 'open');
    signals.clicked('/b.jpg', 'open');
    expect(clicks).toEqual([{ impressionId: 2, position: 1, action: 'open' }]);
  });
});

describe('query photos the engine lost', () => {
  const gone = () => new ApiError('not-found', 'That query photo is no longer kept.');

  it('are sent again for the search and for "Add to evaluation set"', async () => {
    let uploads = 0;
    const searched: QueryRef[] = [];
    const added: QueryRef[] = [];
    const client = fakeClient({
      uploadQuery: () => Promise.resolve({ id: `upload-${++uploads}xx`, name: 'dropped.jpg' }),
      search: (request: never) => {
        const { query } = request as { query: QueryRef };
        searched.push(query);
        return query.kind === 'upload' && query.id === 'upload-1xx'
          ? Promise.reject(gone())
          : Promise.resolve(response(['/a.jpg'], 1));
      },
      evalAddQuery: (request: never) => {
        const { query } = request as { query: QueryRef };
        added.push(query);
        return query.kind === 'upload' && query.id === 'upload-2xx'
          ? Promise.reject(gone())
          : Promise.resolve({});
      },
      evalSets: () => Promise.resolve([]),
    });
    const store = createSearchStore();
    store.set({ options: { k: 50, collapse: true, folder: null } });
    const search = new SearchActions(client, store, new SearchSignals(client, createEvaluateStore()));

    await search.searchWithFile(new Blob([new Uint8Array([1, 2, 3])]), 'dropped.jpg');
    await settle();
    expect(searched.map((q) => q.kind === 'upload' && q.id)).toEqual(['upload-1xx', 'upload-2xx']);
    expect(store.get().phase).toBe('done');
    expect(currentEntry(store.get())?.source.ref).toEqual({ kind: 'upload', id: 'upload-2xx' });

    const evaluate = new EvaluateActions(client, createEvaluateStore());
    const evaluateStore = (evaluate as unknown as { store: ReturnType<typeof createEvaluateStore> }).store;
    // Another set is open: adding to set 7 loads nothing more than the list of sets.
    evaluateStore.set({ setId: 8 });
    const problem = await evaluate.addToSet(7, { kind: 'upload', id: 'upload-2xx' }, null, (ref) =>
      search.renewUpload(ref),
    );
    expect(problem).toBeNull();
    expect(added.map((q) => q.kind === 'upload' && q.id)).toEqual(['upload-2xx', 'upload-3xx']);
    expect(currentEntry(store.get())?.source.ref).toEqual({ kind: 'upload', id: 'upload-3xx' });
  });
});
