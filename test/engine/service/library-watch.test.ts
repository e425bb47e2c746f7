import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { LibraryService } from '../../../src/engine/service/library-service.ts';
import type { LibraryChange } from '../../../src/shared/api-contract.ts';
import { makeTempDir, writeScene } from '../../fixtures/synthetic-photos.ts';
import { testEngineConfig } from '../../fixtures/test-engine.ts';

const tmp = makeTempDir('lookalike-live-');
afterAll(() => tmp.cleanup());

async function until(what: string, probe: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a running app follows its library folders', () => {
  it('watches folders added later, lets go of removed ones, and reports changes', async () => {
    const first = path.join(tmp.dir, 'First');
    const second = path.join(tmp.dir, 'Second');
    await writeScene(path.join(first, 'a.jpg'), 11, 'jpeg');
    await writeScene(path.join(second, 'b.jpg'), 12, 'jpeg');
    const engine = Engine.open(
      testEngineConfig(path.join(tmp.dir, 'library.db'), { workload: 'background' }),
    );
    const service = new LibraryService(engine, { log: () => {} });
    const changes: LibraryChange[] = [];
    service.subscribe('libraryChanged', (c) => changes.push(c));
    const images = async (): Promise<number> => (await service.status()).images;
    try {
      await service.addFolder({ path: first });
      await service.watchFolders({ excludeDirs: [`${tmp.dir}/library.db.thumbs`] });
      await service.addFolder({ path: second });
      await service.whenIdle();
      expect(await images()).toBe(2);

      // A photo in the folder added after watching began.
      mkdirSync(path.join(second, 'new'));
      await writeScene(path.join(second, 'new', 'c.jpg'), 13, 'jpeg');
      await until('the new photo', async () => (await images()) === 3);
      await until('its change event', () =>
        changes.some((c) => c.reason === 'indexed' && c.folders.includes(second)),
      );
      const lastRun = (await service.indexingState()).lastRun!;
      expect(lastRun).toMatchObject({ kind: 'index', indexed: 1, error: null });
      expect(lastRun.folders).toContain(second);

      // A removed folder is let go of: what lands in it stays out of the library.
      await service.removeFolder({ path: second });
      await until('the removal', async () => (await images()) === 1);
      await writeScene(path.join(second, 'late.jpg'), 14, 'jpeg');
      // Meanwhile the remaining folder still is followed.
      rmSync(path.join(first, 'a.jpg'));
      await until('the deletion', async () => (await images()) === 0);
      await new Promise((r) => setTimeout(r, 1000));
      expect(await images()).toBe(0);
      expect(engine.libraryFolders()).toEqual([first]);
    } finally {
      expect(await service.close(5000)).toBe(true);
      await engine.close();
    }
  });

  it('forgets a photo deleted while its folder was still arriving', async () => {
    const photos = path.join(tmp.dir, 'Arriving');
    await writeScene(path.join(photos, 'kept.jpg'), 21, 'jpeg');
    const engine = Engine.open(
      testEngineConfig(path.join(tmp.dir, 'arriving.db'), { workload: 'background' }),
    );
    const service = new LibraryService(engine, { log: () => {} });
    const images = async (): Promise<number> => (await service.status()).images;
    try {
      await service.addFolder({ path: photos });
      // Files are trusted only after a quiet spell this long; the folder itself is read at once.
      await service.watchFolders({ stableMs: 1500 });
      await service.whenIdle();
      expect(await images()).toBe(1);
      const burst = path.join(photos, 'burst');
      mkdirSync(burst);
      await writeScene(path.join(burst, 'gone.jpg'), 22, 'jpeg');
      await until('the folder read', async () => (await images()) === 2);
      // Deleted before its own "added" event was due: no event will ever say it went.
      rmSync(path.join(burst, 'gone.jpg'));
      await until('the photo forgotten', async () => (await images()) === 1, 15_000);
    } finally {
      await service.close(5000);
      await engine.close();
    }
  });
});
