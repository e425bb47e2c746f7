import { linkSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { padWithPerturbedCopies } from '../../src/cli/padded-vectors.ts';
import { openDatabase } from '../../src/engine/store/database.ts';
import { EmbeddingRepository } from '../../src/engine/store/embedding-repository.ts';
import { FolderRepository } from '../../src/engine/store/folder-repository.ts';
import { ImageRepository } from '../../src/engine/store/image-repository.ts';
import { IndexRepository } from '../../src/engine/store/index-repository.ts';

/**
 * Grows an indexed library to `total` photos the way the other benchmarks do (the real vectors,
 * then perturbed copies of them), but with a real file behind every padded photo: a hard link to
 * one of the real photos, so the app can show its thumbnail, and with the link's size and mtime,
 * so a rescan sees it as unchanged.
 *
 *   node test/bench/pad-library.ts <library.db> <library folder> <total> <model id>
 */
const [libraryPath, folderPath, totalArg, modelId] = process.argv.slice(2);
if (!libraryPath || !folderPath || !totalArg || !modelId) {
  console.error('usage: pad-library.ts <library.db> <library folder> <total> <model id>');
  process.exit(2);
}
const total = Number(totalArg);
const db = openDatabase(libraryPath);
try {
  const folder = new FolderRepository(db).getByPath(path.resolve(folderPath));
  if (!folder) throw new Error(`${folderPath} is not a folder of ${libraryPath}`);
  const embeddings = new EmbeddingRepository(db, modelId);
  const images = new ImageRepository(db);
  const log = new IndexRepository(db, modelId);
  const paths = new Map(
    (db.prepare('SELECT id, path FROM images').all() as Array<{ id: number; path: string }>).map((r) => [
      r.id,
      r.path,
    ]),
  );
  const real = [...embeddings.iterateLive()];
  const padded = padWithPerturbedCopies(
    real.map((r) => r.vector),
    total,
    1,
  );
  const padDir = path.join(folder.path, 'more');
  mkdirSync(padDir, { recursive: true });
  db.transaction(() => {
    for (let i = real.length; i < padded.length; i++) {
      const source = paths.get(real[i % real.length]!.id)!;
      const file = path.join(padDir, `pad-${String(i).padStart(5, '0')}${path.extname(source)}`);
      linkSync(source, file);
      const s = statSync(file);
      const hash = `pad-${i}`;
      embeddings.put(hash, padded[i]!);
      const id = images.upsert({
        folderId: folder.id,
        path: file,
        size: s.size,
        mtimeMs: s.mtimeMs,
        contentHash: hash,
        width: null,
        height: null,
        format: 'jpeg',
        status: 'ok',
        skipCode: null,
        skipReason: null,
      });
      log.logChange(id, 'add');
    }
  })();
  const count = (db.prepare("SELECT COUNT(*) AS n FROM images WHERE status = 'ok'").get() as { n: number }).n;
  console.log(`library: ${count} photos (${real.length} real, the rest perturbed copies)`);
} finally {
  db.close();
}
