import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, ModelChoiceError } from '../../../src/engine/engine.ts';
import { JobControl } from '../../../src/engine/library/job-control.ts';
import type { SearchResponse } from '../../../src/shared/library-api.ts';
import { BUNDLED_ID, SECOND_ID, secondModel, testModelSource } from '../../fixtures/second-model.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';
import { testEngineConfig } from '../../fixtures/test-engine.ts';

const PHOTOS = 24;
const tmp = makeTempDir('lookalike-switch-');
const photos = path.join(tmp.dir, 'photos');
const library = path.join(tmp.dir, 'library.db');
const photo = (n: number): string => path.join(photos, `p${n}.jpg`);
const config = testEngineConfig(library, { models: testModelSource(), ingest: { batchSize: 4 } });

function rows<T>(sql: string, ...params: unknown[]): T[] {
  const db = new BetterSqlite3(library, { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const QUERIES = [0, 11];
const K = 8;

/** A search's answer as paths and exact scores, to compare answers with each other. */
function answerOf(res: SearchResponse): string {
  return JSON.stringify(res.results.map((r) => [r.path, r.score]));
}

/** What a model answers now for each query (the active model when none is named). */
async function answersBy(engine: Engine, model?: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of QUERIES) {
    const res = await engine.searchByImage({
      imagePath: photo(n),
      k: K,
      collapse: false,
      ...(model ? { model } : {}),
    });
    if (model) expect(res.model).toBe(model);
    out.set(photo(n), answerOf(res));
  }
  return out;
}

beforeAll(async () => {
  for (let n = 0; n < PHOTOS; n++) await writeScene(photo(n), 700 + n);
  // A byte-identical copy: one content, embedded once per model.
  copyFileSync(photo(3), path.join(photos, 'p3-copy.jpg'));
});
afterAll(() => tmp.cleanup());

describe('switching the library to another model', () => {
  it('re-embeds in the background while every search is answered wholly by one model, then swaps', async () => {
    const engine = Engine.open(config);
    try {
      await engine.indexFolders([photos]);
      expect(engine.manifest.id).toBe(BUNDLED_ID);
      // A model that is not installed is refused, and nothing is recorded.
      expect(() => engine.useModel('no-such-model')).toThrow(ModelChoiceError);
      expect(engine.modelSwitch()).toBeNull();

      // What the active model answers before anything changes.
      const bundledBefore = await answersBy(engine);
      const started = engine.useModel(SECOND_ID);
      expect(started).toMatchObject({ model: SECOND_ID, phase: 'waiting', done: 0, total: PHOTOS + 1 });
      // Until the new index covers the library it cannot be searched by name.
      await expect(engine.searchByImage({ imagePath: photo(0), model: SECOND_ID })).rejects.toThrow(
        /cannot answer yet: 0 of 25/,
      );

      const control = new JobControl();
      let firstProgress: () => void = () => undefined;
      const progressed = new Promise<void>((resolve) => (firstProgress = resolve));
      const switching = engine.continueModelSwitch((p) => {
        if (p.done > 0) firstProgress();
      }, control);

      // Queries fired back to back for the whole switch, and a little after it.
      const answers: SearchResponse[] = [];
      const failures: unknown[] = [];
      let stop = false;
      const searching = (async () => {
        for (let i = 0; !stop; i++) {
          const query = photo(QUERIES[i % QUERIES.length]!);
          try {
            answers.push(await engine.searchByImage({ imagePath: query, k: K, collapse: false }));
          } catch (err) {
            failures.push(err);
          }
        }
      })();

      // A photo arriving mid-switch is indexed for the active model and embedded for the new one.
      await progressed;
      control.pause();
      const arrived = await writeScene(photo(PHOTOS), 700 + PHOTOS);
      await engine.updateFiles([arrived]);
      expect(engine.modelSwitch()).toMatchObject({ model: SECOND_ID, phase: 'paused' });
      expect((await engine.status()).model.id).toBe(BUNDLED_ID);
      control.resume();

      const summary = await switching;
      expect(summary).toMatchObject({ model: SECOND_ID, complete: true, switched: true, cancelled: false });
      const after = answers.length;
      while (answers.length < after + 4 && failures.length === 0) await new Promise((r) => setTimeout(r, 20));
      stop = true;
      await searching;

      expect(failures).toEqual([]);
      expect(engine.manifest.id).toBe(SECOND_ID);
      const status = await engine.status();
      expect(status.model.id).toBe(SECOND_ID);
      expect(status.reembedding).toBeNull();
      expect(status.index.vectors).toBe(PHOTOS + 2);

      // Each answer is exactly what the model it names answers (paths, order and scores): the
      // bundled model before or after the late photo arrived, or the new model once it took over.
      const bundledAfter = await answersBy(engine, BUNDLED_ID);
      const second = await answersBy(engine, SECOND_ID);
      for (const n of QUERIES) {
        // The models really differ, so a mixed answer would show.
        expect(second.get(photo(n))).not.toBe(bundledAfter.get(photo(n)));
        expect(second.get(photo(n))).not.toBe(bundledBefore.get(photo(n)));
      }
      const models = new Set(answers.map((a) => a.model));
      expect(models).toEqual(new Set([BUNDLED_ID, SECOND_ID]));
      for (const a of answers) {
        expect(a.results).toHaveLength(K);
        const allowed =
          a.model === BUNDLED_ID
            ? [bundledBefore.get(a.query), bundledAfter.get(a.query)]
            : [second.get(a.query)];
        expect(allowed).toContain(answerOf(a));
      }
      // The answers once the switch was done all come from the new model.
      expect(answers.slice(-3).every((a) => a.model === SECOND_ID)).toBe(true);

      // Byte-identical files were embedded once, the late photo for both models.
      const perModel = rows<{ model: string; n: number }>(
        'SELECT model_id AS model, COUNT(*) AS n FROM embeddings GROUP BY model_id ORDER BY model_id',
      );
      expect(perModel).toEqual([
        { model: BUNDLED_ID, n: PHOTOS + 1 },
        { model: SECOND_ID, n: PHOTOS + 1 },
      ]);
      expect(summary.embedded).toBe(PHOTOS + 1);
      expect(rows('SELECT active_model AS a, target_model AS t FROM library_model')).toEqual([
        { a: SECOND_ID, t: null },
      ]);
    } finally {
      await engine.close();
    }
  }, 180_000);

  it('a new process keeps the switched model and its index', async () => {
    const engine = Engine.open(config);
    try {
      const status = await engine.status();
      expect(status.model).toEqual({ id: SECOND_ID, dim: 576 });
      expect(status.index.state).toBe('snapshot');
      const res = await engine.searchByImage({ imagePath: photo(5), k: 1 });
      expect(res).toMatchObject({ model: SECOND_ID, results: [{ path: photo(5) }] });
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('drops an old model’s data to reclaim space, and refuses the active model and a switch target', async () => {
    const engine = Engine.open(config);
    try {
      await expect(engine.dropModelData(SECOND_ID)).rejects.toThrow(/answering searches/);
      engine.useModel(BUNDLED_ID);
      await expect(engine.dropModelData(BUNDLED_ID)).rejects.toThrow(/being switched to/);
      // Choosing the active model again forgets the switch.
      expect(engine.useModel(SECOND_ID)).toBeNull();

      const dropped = await engine.dropModelData(BUNDLED_ID);
      expect(dropped.model).toBe(BUNDLED_ID);
      expect(dropped.vectors).toBe(PHOTOS + 1);
      // 576 float32 values per vector at least, plus its index snapshot.
      expect(dropped.bytes).toBeGreaterThan((PHOTOS + 1) * 576 * 2);
      expect(rows('SELECT id FROM models ORDER BY id')).toEqual([{ id: SECOND_ID }]);
      expect(rows('SELECT COUNT(*) AS n FROM index_ops WHERE model_id = ?', BUNDLED_ID)).toEqual([{ n: 0 }]);
      expect(rows('SELECT COUNT(*) AS n FROM index_snapshots WHERE model_id = ?', BUNDLED_ID)).toEqual([
        { n: 0 },
      ]);
      await expect(engine.searchByImage({ imagePath: photo(0), model: BUNDLED_ID })).rejects.toThrow(
        /cannot answer yet/,
      );
      // The active model is untouched.
      const res = await engine.searchByImage({ imagePath: photo(7), k: 1 });
      expect(res).toMatchObject({ model: SECOND_ID, results: [{ path: photo(7) }] });
    } finally {
      await engine.close();
    }
  }, 60_000);

  it('a different file under the same model id never mixes vectors: the library is embedded again', async () => {
    // The same graph with an unknown protobuf field appended (skipped by ONNX Runtime): another
    // file, another sha256, loadable as before.
    const original = secondModel();
    const unknownField = Buffer.from([0xc2, 0x3e, 4, ...Buffer.from('edit')]);
    const bytes = Buffer.concat([readFileSync(original.modelPath), unknownField]);
    const modelPath = path.join(tmp.dir, 'changed.onnx');
    writeFileSync(modelPath, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const changed = { manifest: { ...original.manifest, sha256 }, modelPath };
    const engine = Engine.open({
      ...config,
      models: { get: (id) => (id === SECOND_ID ? changed : undefined) },
    });
    try {
      // The old file's vectors are gone at once; nothing stale can be returned.
      expect(rows('SELECT COUNT(*) AS n FROM embeddings WHERE model_id = ?', SECOND_ID)).toEqual([{ n: 0 }]);
      const empty = await engine.searchByImage({ imagePath: photo(2), k: 5 });
      expect(empty.results).toEqual([]);
      // Filling in what the active model lacks is the same job as a switch.
      const summary = await engine.continueModelSwitch();
      expect(summary).toMatchObject({
        model: SECOND_ID,
        embedded: PHOTOS + 1,
        complete: true,
        switched: false,
      });
      const res = await engine.searchByImage({ imagePath: photo(2), k: 1 });
      expect(res).toMatchObject({ model: SECOND_ID, results: [{ path: photo(2) }] });
    } finally {
      await engine.close();
    }
  }, 60_000);
});
