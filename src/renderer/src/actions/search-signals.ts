import type { LookalikeClient } from '../../../shared/api-adapter.ts';
import type { ApiRequest } from '../../../shared/api-contract.ts';
import type { ClickThroughReport } from '../../../shared/evaluation-api.ts';
import type { SearchResponse } from '../../../shared/library-api.ts';
import type { EvaluateStore } from '../state/evaluate-store.ts';

export type ClickAction = keyof ClickThroughReport['byAction'];

/** The engine logs this many top positions of a search (a click further down is not counted). */
const LOGGED_POSITIONS = 1000;

/**
 * Online signals of everyday searching: each search logs what it showed (an impression; the
 * engine does it as it answers), and opening, revealing or "find similar" on a result logs a click
 * at its position. When the curator turned interleaving on, searches merge two configurations
 * (team-draft) so clicks credit the one that contributed the photo. Everything stays in the
 * library's database.
 */
export class SearchSignals {
  private readonly client: LookalikeClient;
  private readonly evaluate: EvaluateStore;
  private impressionId: number | null = null;
  private positions = new Map<string, number>();
  /** Counts searches, so an answer that arrives after a newer search was asked for is not remembered. */
  private latest = 0;

  constructor(client: LookalikeClient, evaluate: EvaluateStore) {
    this.client = client;
    this.evaluate = evaluate;
  }

  /** Runs a search as the Search view asked for it, interleaved when that is switched on. */
  async search(request: ApiRequest<'search'>): Promise<SearchResponse> {
    const mine = ++this.latest;
    this.impressionId = null;
    this.positions = new Map();
    const pair = this.interleavedPair(request);
    if (pair) {
      const started = performance.now();
      const merged = await this.client.evalInterleavedSearch({
        query: request.query,
        ...(request.crop ? { crop: request.crop } : {}),
        a: pair[0],
        b: pair[1],
        k: Math.min(request.k ?? 50, 1000),
      });
      if (mine === this.latest) this.remember(merged.impressionId, merged.results);
      return {
        query: merged.query,
        // The team of each photo stays hidden, so the person's clicks are not swayed by it.
        results: merged.results.map(({ team: _team, ...item }) => item),
        tookMs: performance.now() - started,
        model: pair[0].model ?? '',
        // Shown where the device usually is ("… ms on grouped + ungrouped"): interleaving is on.
        device: `${pair[0].name} + ${pair[1].name}`,
      };
    }
    const response = await this.client.search(request);
    // The engine logged what it answered (a provisional first screen is not logged).
    if (response.impressionId !== undefined && mine === this.latest)
      this.remember(response.impressionId, response.results.slice(0, LOGGED_POSITIONS));
    return response;
  }

  /** Whether this search is answered whole (interleaving merges two complete result lists). */
  answersWhole(request: ApiRequest<'search'>): boolean {
    return this.interleavedPair(request) !== null;
  }

  /** A result of the latest search was opened, revealed or used for "find similar". */
  clicked(path: string, action: ClickAction): void {
    const position = this.positions.get(path);
    if (this.impressionId === null || position === undefined) return;
    void this.client
      .evalLogClick({ impressionId: this.impressionId, position, action })
      .catch(() => undefined);
  }

  private remember(
    impressionId: number,
    results: ReadonlyArray<{ path: string; rank: number; duplicates: ReadonlyArray<{ path: string }> }>,
  ): void {
    this.impressionId = impressionId;
    this.positions = new Map();
    for (const r of results) {
      this.positions.set(r.path, r.rank);
      // A near-duplicate shown under its group counts at the group's position.
      for (const d of r.duplicates) this.positions.set(d.path, r.rank);
    }
  }

  /** Both configurations of the interleaving switch, when it is on and applies to this search. */
  private interleavedPair(request: ApiRequest<'search'>) {
    const { interleaving, configurations } = this.evaluate.get();
    // A folder filter or an explicit model is a deliberate search; it is shown as asked.
    if (!interleaving.enabled || request.folders?.length || request.model) return null;
    const a = configurations.find((c) => c.name === interleaving.a);
    const b = configurations.find((c) => c.name === interleaving.b);
    return a && b && a.name !== b.name ? ([a, b] as const) : null;
  }
}
