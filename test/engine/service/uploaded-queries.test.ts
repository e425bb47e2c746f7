import { describe, expect, it } from 'vitest';
import { UploadedQueries } from '../../../src/engine/service/uploaded-queries.ts';

const info = { width: 10, height: 10, format: 'jpeg' };

describe('UploadedQueries', () => {
  it('keeps at most maxCount queries, dropping the least recently used', () => {
    const q = new UploadedQueries({ maxCount: 2 });
    const a = q.add(Buffer.alloc(10), 'a', info);
    const b = q.add(Buffer.alloc(10), 'b', info);
    expect(q.get(a.id)?.name).toBe('a'); // a is now the most recent
    const c = q.add(Buffer.alloc(10), 'c', info);
    expect(q.get(b.id)).toBeUndefined();
    expect(q.get(a.id)?.name).toBe('a');
    expect(q.get(c.id)?.name).toBe('c');
  });

  it('keeps at most maxBytes, but always the newest query', () => {
    const q = new UploadedQueries({ maxBytes: 100 });
    const a = q.add(Buffer.alloc(60), 'a', info);
    const b = q.add(Buffer.alloc(60), 'b', info);
    expect(q.get(a.id)).toBeUndefined();
    expect(q.get(b.id)).toBeDefined();
    const big = q.add(Buffer.alloc(500), 'big', info);
    expect(q.get(b.id)).toBeUndefined();
    expect(q.get(big.id)?.name).toBe('big');
  });
});
