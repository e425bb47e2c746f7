import { createHash } from 'node:crypto';

/**
 * The order in which a query's pool is shown for grading: random-looking, so neither rank nor
 * score nor configuration can be read from it (blind grading), yet stable, so a curator who comes
 * back finds the same order, and independent of when each photo joined the pool.
 */
export function blindOrder<T extends { contentHash: string }>(queryId: number, pool: readonly T[]): T[] {
  const keyed = pool.map((entry) => ({
    entry,
    key: createHash('sha256').update(`${queryId}\0${entry.contentHash}`).digest('hex'),
  }));
  keyed.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  return keyed.map((k) => k.entry);
}
