import { describe, expect, it } from 'vitest';
import { modelOfferMemory } from '../../src/renderer/src/actions/model-offer-memory.ts';
import { recommendedDownload } from '../../src/renderer/src/actions/settings-actions.ts';
import { formatBytes } from '../../src/renderer/src/format.ts';
import type { ModelInfo } from '../../src/shared/model-api.ts';

/** The part of the Web Storage API the memory uses, kept in a Map as a browser keeps it. */
function mapStorage(): Pick<Storage, 'getItem' | 'setItem'> & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    getItem: (key) => entries.get(key) ?? null,
    setItem: (key, value) => void entries.set(key, String(value)),
  };
}

function model(patch: Partial<ModelInfo>): ModelInfo {
  return {
    id: 'm',
    name: 'M',
    status: 'available',
    origin: null,
    install: 'download',
    bytes: 3_610_798,
    dim: null,
    license: null,
    source: null,
    notes: null,
    recommended: false,
    active: false,
    imagesPerSecond: null,
    docs: null,
    installedAt: null,
    ...patch,
  };
}

describe('the first-run offer', () => {
  it('remembers the answer per library', () => {
    const storage = mapStorage();
    const memory = modelOfferMemory(storage);
    expect(memory.get('/a/library.db')).toBeNull();
    memory.set('/a/library.db', 'declined');
    expect(memory.get('/a/library.db')).toBe('declined');
    expect(memory.get('/b/library.db')).toBeNull();
    // Something else under the key (an older version, a hand edit) is no answer.
    storage.entries.set([...storage.entries.keys()][0]!, 'maybe');
    expect(memory.get('/a/library.db')).toBeNull();
  });

  it('works without storage, and when storage refuses (private windows, a full quota)', () => {
    expect(modelOfferMemory(null).get('/a/library.db')).toBeNull();
    const refusing = modelOfferMemory({
      getItem: () => {
        throw new DOMException('denied', 'SecurityError');
      },
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    });
    expect(() => refusing.set('/a/library.db', 'declined')).not.toThrow();
    expect(refusing.get('/a/library.db')).toBeNull();
  });

  it('offers only a recommended model that can be downloaded and is not installed', () => {
    const recommended = model({ id: 'best', recommended: true });
    expect(recommendedDownload([model({ id: 'other' }), recommended])).toBe(recommended);
    expect(recommendedDownload([{ ...recommended, status: 'installed', origin: 'catalog' }])).toBeUndefined();
    expect(recommendedDownload([{ ...recommended, install: 'file' }])).toBeUndefined();
  });
});

describe('model sizes', () => {
  it('reads as file managers show them', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(3_610_798)).toBe('3.6 MB');
    expect(formatBytes(352_000_000)).toBe('352 MB');
    expect(formatBytes(88_000_000)).toBe('88 MB');
    expect(formatBytes(1_500_000_000)).toBe('1.5 GB');
  });
});
