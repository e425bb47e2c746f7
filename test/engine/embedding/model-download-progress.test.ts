import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadFile, type DownloadProgress } from '../../../src/engine/embedding/model-download.ts';
import { sha256Hex } from '../../../src/engine/embedding/file-hash.ts';
import { startFileServer } from '../../fixtures/loopback-file-server.ts';
import { makeTempDir } from '../../fixtures/synthetic-photos.ts';

const tmp = makeTempDir('lookalike-download-progress-');
afterAll(() => tmp.cleanup());

describe('download progress', () => {
  it('shows the bytes that arrived before the connection stalled', async () => {
    const body = randomBytes(600_000);
    const server = await startFileServer(body);
    server.behaviour.stallAfter = 250_000;
    const seen: DownloadProgress[] = [];
    const cancel = new AbortController();
    const arrived = new Promise<void>((resolve) => {
      const download = downloadFile({
        url: server.url,
        dest: path.join(tmp.dir, 'file.bin'),
        sha256: sha256Hex(body),
        bytes: body.length,
        env: {},
        signal: cancel.signal,
        onProgress: (p) => {
          seen.push(p);
          if (p.receivedBytes === 250_000) resolve();
        },
      });
      download.catch(() => undefined);
    });
    try {
      // The stalled server sends nothing more, so only a report after the last bytes can show them.
      await Promise.race([
        arrived,
        new Promise((_, reject) => setTimeout(() => reject(new Error('no progress after the stall')), 5000)),
      ]);
      expect(seen.at(-1)).toMatchObject({ receivedBytes: 250_000, totalBytes: 600_000 });
    } finally {
      cancel.abort();
      await server.close();
    }
  });
});
