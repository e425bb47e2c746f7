import type {
  ClickThroughReport,
  InterleavedSearch,
  InterleavingPairReport,
  SearchConfiguration,
} from '../../shared/evaluation-api.ts';
import type { ImageIdentityRepository } from '../store/image-identity-repository.ts';
import type { ClickAction, InteractionRepository } from '../store/interaction-repository.ts';
import { signTest } from './metrics-significance.ts';
import type { QueryRunner } from './query-runner.ts';
import { seededRandom } from './seeded-random.ts';
import { interleavingOutcome, teamDraftInterleave } from './team-draft-interleaving.ts';

/** A click on something that was never shown: the caller's mistake. */
export class UnknownImpressionError extends Error {}

/**
 * Online signals, logged locally: impressions (what a search showed, at which position, under
 * which configuration) and clicks on them (opened, revealed, find-similar); click-through rate by
 * position; and team-draft interleaving of two configurations during everyday searching.
 */
export class SearchSignals {
  private readonly deps: {
    interactions: InteractionRepository;
    identity: ImageIdentityRepository;
    runner: QueryRunner;
  };

  constructor(deps: SearchSignals['deps']) {
    this.deps = deps;
  }

  logImpression(
    query: string,
    configuration: string,
    results: ReadonlyArray<{ path: string; position: number }>,
  ): number {
    const hashes = this.deps.identity.hashesOf(results.map((r) => r.path));
    return this.deps.interactions.logImpression({
      query,
      configuration,
      items: results.map((r) => ({
        position: r.position,
        path: r.path,
        contentHash: hashes.get(r.path) ?? null,
      })),
    });
  }

  logClick(impressionId: number, position: number, action: ClickAction): number {
    if (!this.deps.interactions.hasImpression(impressionId)) {
      throw new UnknownImpressionError(`There is no logged search ${impressionId}`);
    }
    if (!this.deps.interactions.hasItem(impressionId, position)) {
      throw new UnknownImpressionError(`Search ${impressionId} showed nothing at position ${position}`);
    }
    return this.deps.interactions.logClick(impressionId, position, action);
  }

  clickThrough(maxPosition: number): ClickThroughReport {
    const totals = this.deps.interactions.totals();
    return {
      impressions: totals.impressions,
      clicks: totals.clicks,
      byAction: totals.byAction,
      byPosition: this.deps.interactions.positionCounts(maxPosition).map((p) => ({
        ...p,
        ctr: p.impressions === 0 ? 0 : p.clicks / p.impressions,
      })),
    };
  }

  /** Searches with both configurations, merges them by team draft and logs the merged list. */
  async interleavedSearch(
    query: { bytes: Buffer; label: string; crop: Parameters<QueryRunner['search']>[1] },
    a: SearchConfiguration,
    b: SearchConfiguration,
    k: number,
    seed?: number,
  ): Promise<InterleavedSearch> {
    const [listA, listB] = [
      await this.deps.runner.search(query.bytes, query.crop, a, k, query.label),
      await this.deps.runner.search(query.bytes, query.crop, b, k, query.label),
    ];
    const merged = teamDraftInterleave(listA, listB, {
      k,
      key: (r) => r.contentHash,
      random: seededRandom(seed ?? Date.now() ^ (Math.random() * 2 ** 31)),
    });
    const impressionId = this.deps.interactions.logImpression({
      query: query.label,
      configuration: `${a.name} vs ${b.name}`,
      teams: { a: a.name, b: b.name },
      items: merged.map((m, i) => ({
        position: i + 1,
        path: m.item.path,
        contentHash: m.item.contentHash,
        team: m.team,
      })),
    });
    return {
      impressionId,
      query: query.label,
      a: a.name,
      b: b.name,
      results: merged.map((m, i) => ({
        path: m.item.path,
        score: m.item.score,
        rank: i + 1,
        width: m.item.width,
        height: m.item.height,
        duplicates: [],
        team: m.team,
      })),
    };
  }

  /** Per pair of configurations: wins, ties and losses over interleaved searches that got clicks. */
  interleavingReport(): InterleavingPairReport[] {
    const pairs = new Map<string, InterleavingPairReport>();
    for (const imp of this.deps.interactions.interleaved()) {
      const key = `${imp.a}\0${imp.b}`;
      let pair = pairs.get(key);
      if (!pair) {
        pair = { a: imp.a, b: imp.b, searches: 0, withClicks: 0, winsA: 0, winsB: 0, ties: 0, pValue: 1 };
        pairs.set(key, pair);
      }
      pair.searches++;
      if (imp.clicks.length === 0) continue;
      pair.withClicks++;
      const { outcome } = interleavingOutcome(imp.teams, imp.clicks);
      if (outcome === 'A') pair.winsA++;
      else if (outcome === 'B') pair.winsB++;
      else pair.ties++;
    }
    for (const pair of pairs.values()) pair.pValue = signTest(pair.winsA, pair.winsB);
    return [...pairs.values()];
  }
}
