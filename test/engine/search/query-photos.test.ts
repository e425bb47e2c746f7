import { copyFileSync, rmSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';
import { testEngineConfig } from '../../fixtures/test-engine.ts';

// Query photos are read and embedded once per version: a search repeated with the same file
// reuses them, a changed file is read again.
const tmp = makeTempDir();
const photos = path.join(tmp.dir, 'Photos');
const photo = (n: number): string => path.join(photos, `p${n}.jpg`);
let engine: Engine;

beforeAll(async () => {
  for (let n = 0; n < 6; n++) await writeScene(photo(n), 300 + n);
  engine = Engine.open(testEngineConfig(path.join(tmp.dir, 'library.db')));
  await engine.indexFolders([photos]);
});

afterAll(async () => {
  await engine?.close();
  tmp.cleanup();
});

describe('query photos from disk', () => {
  it('answers a repeated search the same way, and a changed query file by its new content', async () => {
    const query = path.join(tmp.dir, 'query.jpg');
    copyFileSync(photo(2), query);
    const first = await engine.searchByImage({ imagePath: query, k: 3 });
    expect(first.results[0]!.path).toBe(photo(2));
    expect((await engine.searchByImage({ imagePath: query, k: 3 })).results).toEqual(first.results);

    // Other content under the same name (and a later time, as an editor saves it).
    copyFileSync(photo(4), query);
    const later = new Date(Date.now() + 5000);
    utimesSync(query, later, later);
    const changed = await engine.searchByImage({ imagePath: query, k: 3 });
    expect(changed.results[0]!.path).toBe(photo(4));
  });

  it('reports a query file that vanished, even one searched a moment ago', async () => {
    const query = path.join(tmp.dir, 'gone.jpg');
    copyFileSync(photo(1), query);
    await engine.searchByImage({ imagePath: query, k: 1 });
    rmSync(query);
    await expect(engine.searchByImage({ imagePath: query, k: 1 })).rejects.toThrow(
      /^Cannot use .*gone\.jpg as a query: /,
    );
  });
});
