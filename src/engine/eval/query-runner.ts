import { readFile } from 'node:fs/promises';
import type { SearchConfiguration } from '../../shared/evaluation-api.ts';
import type { Crop, SearchResponse } from '../../shared/library-api.ts';
import type { EvalQueryRow, EvaluationSetRepository } from '../store/evaluation-set-repository.ts';
import type { ImageIdentityRepository } from '../store/image-identity-repository.ts';

/** What evaluation needs from the engine's search (Engine implements it). */
export interface EvaluationSearchEngine {
  /** The model answering searches now, as the library records it. */
  activeModelId(): string;
  searchByImageBytes(
    bytes: Uint8Array,
    request: {
      k?: number;
      collapse?: boolean;
      rerank?: boolean;
      crop?: Crop;
      ef?: number;
      model?: string;
      label?: string;
    },
  ): Promise<SearchResponse>;
}

/** An evaluation cannot run as asked: a vanished query photo, a model that cannot answer… */
export class EvaluationError extends Error {}

export interface RankedResult {
  contentHash: string;
  path: string;
  score: number;
  width: number | null;
  height: number | null;
}

export interface QueryImage {
  bytes: Buffer;
  /** Where the query photo is now (library queries), for messages and for the UI. */
  path: string | null;
}

/**
 * Runs evaluation queries: finds a query image (a library photo by its content hash, wherever it
 * is now; an external image from the library's store), searches with a configuration's settings,
 * and names each result by its content hash. The query photo itself is left out of its results:
 * grading a photo against itself says nothing.
 */
export class QueryRunner {
  private readonly deps: {
    engine: EvaluationSearchEngine;
    sets: EvaluationSetRepository;
    identity: ImageIdentityRepository;
  };

  constructor(deps: QueryRunner['deps']) {
    this.deps = deps;
  }

  async queryImage(query: EvalQueryRow): Promise<QueryImage> {
    if (query.source === 'external') {
      const stored = this.deps.sets.getQueryImage(query.contentHash);
      if (!stored) throw new EvaluationError(`The image of query ${query.qid} (${query.label}) is missing`);
      return { bytes: stored.bytes, path: null };
    }
    const found = this.deps.identity.byHashes([query.contentHash]).get(query.contentHash);
    if (!found) {
      throw new EvaluationError(
        `The photo of query ${query.qid} (${query.path ?? query.label}) is no longer in the library`,
      );
    }
    if (found.path !== query.path) this.deps.sets.updateQueryPath(query.id, found.path);
    try {
      return { bytes: await readFile(found.path), path: found.path };
    } catch (err) {
      throw new EvaluationError(
        `Cannot read the photo of query ${query.qid} (${found.path}): ${(err as Error).message}`,
      );
    }
  }

  /** A search with the configuration's settings; `ownHash` (the query's) never appears in the results. */
  async search(
    bytes: Buffer,
    crop: Crop | null,
    config: SearchConfiguration,
    k: number,
    label: string,
    ownHash?: string,
  ): Promise<RankedResult[]> {
    const engine = this.deps.engine;
    const response = await engine.searchByImageBytes(bytes, {
      k: k + 1,
      collapse: config.collapse,
      ...(config.rerank !== undefined ? { rerank: config.rerank } : {}),
      label,
      ...(crop && config.crop === 'use' ? { crop } : {}),
      ...(config.ef !== undefined ? { ef: config.ef } : {}),
      ...(config.model !== undefined ? { model: config.model } : {}),
    });
    if (config.model !== undefined && response.model !== config.model) {
      throw new EvaluationError(
        `Configuration ${config.name} asks for the model "${config.model}", but the search answered with "${response.model}"`,
      );
    }
    const hashes = this.deps.identity.hashesOf(
      response.results.flatMap((r) => [r.path, ...r.duplicates.map((d) => d.path)]),
    );
    const ranked: RankedResult[] = [];
    for (const r of response.results) {
      let lead: { path: string; score: number; width: number | null; height: number | null } = r;
      if (ownHash !== undefined && hashes.get(r.path) === ownHash) {
        // The query photo led a group of its near-duplicates: the best of them takes its place,
        // or the copies a curator most wants to see would vanish with it.
        const next = r.duplicates.find((d) => hashes.get(d.path) !== ownHash);
        if (!next) continue;
        lead = { ...next, width: null, height: null };
      }
      const contentHash = hashes.get(lead.path);
      // A photo changed since it was indexed has no stable identity yet: it cannot be judged.
      if (contentHash === undefined) continue;
      ranked.push({
        contentHash,
        path: lead.path,
        score: lead.score,
        width: lead.width,
        height: lead.height,
      });
    }
    return ranked.slice(0, k);
  }
}
