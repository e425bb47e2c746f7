/**
 * Reading and writing the two TREC text formats, so that judgments and runs can be exchanged with
 * trec_eval and other IR tooling. Everything works on strings; callers do the file I/O.
 *
 *   qrels:  `qid iter docid rel`            whitespace-separated; iter is ignored (conventionally 0)
 *   run:    `qid Q0 docid rank score runid` whitespace-separated; Q0 is an ignored literal
 *
 * Parsing is strict about the number of fields and about numbers, and rejects a document listed twice
 * for one query, as trec_eval does: silently keeping one of two conflicting lines would change results.
 */

/** Judgments per query id: grade per document id. */
export type Qrels = Map<string, Map<string, number>>;

export interface RunEntry {
  queryId: string;
  /** The second column, `Q0` by convention. */
  iteration: string;
  docId: string;
  /** As written in the file; trec_eval ignores it and so does rankRun. */
  rank: number;
  score: number;
  runId: string;
}

export interface ScoredDoc {
  docId: string;
  score: number;
}

/**
 * Parses a qrels file. Lines starting with `#` and blank lines are skipped. Grades are kept as written,
 * negative ones included: trec_eval reads a negative grade as "pooled but unjudged", and the metrics
 * treat it as non-relevant with no gain.
 */
export function parseQrels(text: string): Qrels {
  const qrels: Qrels = new Map();
  forEachLine(text, true, (fields, lineNo) => {
    const [queryId, , docId, relText] = fields;
    if (fields.length !== 4 || queryId === undefined || docId === undefined || relText === undefined) {
      throw new Error(`qrels line ${lineNo}: expected 4 fields (qid iter docid rel), got ${fields.length}`);
    }
    const rel = parseNumber(relText, 'relevance', 'qrels', lineNo);
    let judgments = qrels.get(queryId);
    if (judgments === undefined) {
      judgments = new Map();
      qrels.set(queryId, judgments);
    }
    if (judgments.has(docId))
      throw new Error(`qrels line ${lineNo}: duplicate judgment for ${queryId} ${docId}`);
    judgments.set(docId, rel);
  });
  return qrels;
}

export function formatQrels(qrels: ReadonlyMap<string, ReadonlyMap<string, number>>): string {
  const lines: string[] = [];
  for (const [queryId, judgments] of qrels) {
    for (const [docId, rel] of judgments) lines.push(`${queryId} 0 ${docId} ${rel}`);
  }
  return joinLines(lines);
}

/** Parses a run file into its entries, in file order. Blank lines are skipped. */
export function parseRun(text: string): RunEntry[] {
  const entries: RunEntry[] = [];
  forEachLine(text, false, (fields, lineNo) => {
    const [queryId, iteration, docId, rankText, scoreText, runId] = fields;
    if (
      fields.length !== 6 ||
      queryId === undefined ||
      iteration === undefined ||
      docId === undefined ||
      rankText === undefined ||
      scoreText === undefined ||
      runId === undefined
    ) {
      throw new Error(
        `run line ${lineNo}: expected 6 fields (qid Q0 docid rank score runid), got ${fields.length}`,
      );
    }
    entries.push({
      queryId,
      iteration,
      docId,
      rank: parseNumber(rankText, 'rank', 'run', lineNo),
      score: parseNumber(scoreText, 'score', 'run', lineNo),
      runId,
    });
  });
  return entries;
}

export function formatRun(entries: Iterable<RunEntry>): string {
  const lines: string[] = [];
  for (const e of entries) {
    // String() keeps every digit, so distinct scores cannot collapse into ties on re-reading.
    lines.push(`${e.queryId} ${e.iteration} ${e.docId} ${e.rank} ${String(e.score)} ${e.runId}`);
  }
  return joinLines(lines);
}

/**
 * Turns ranked, scored results into run entries with ranks 1..n in the given order. trec_eval orders by
 * score and not by rank, so the scores must not increase down a list, and equal scores are re-ordered
 * by document id (see rankRun) when the file is evaluated.
 */
export function toRunEntries(rankings: ReadonlyMap<string, readonly ScoredDoc[]>, runId: string): RunEntry[] {
  const entries: RunEntry[] = [];
  for (const [queryId, docs] of rankings) {
    docs.forEach((doc, i) => {
      entries.push({ queryId, iteration: 'Q0', docId: doc.docId, rank: i + 1, score: doc.score, runId });
    });
  }
  return entries;
}

/**
 * Orders each query's documents the way trec_eval does: the rank column is ignored, documents are sorted
 * by score descending, and equal scores are ordered by document id descending in byte order (strcmp).
 * Queries keep the order of their first appearance. Throws on a document listed twice for one query.
 */
export function rankRun(entries: Iterable<RunEntry>): Map<string, string[]> {
  const byQuery = new Map<string, ScoredDoc[]>();
  const seen = new Map<string, Set<string>>();
  for (const entry of entries) {
    let docs = byQuery.get(entry.queryId);
    let ids = seen.get(entry.queryId);
    if (docs === undefined || ids === undefined) {
      docs = [];
      ids = new Set();
      byQuery.set(entry.queryId, docs);
      seen.set(entry.queryId, ids);
    }
    if (ids.has(entry.docId)) throw new Error(`run lists ${entry.docId} twice for query ${entry.queryId}`);
    ids.add(entry.docId);
    docs.push({ docId: entry.docId, score: entry.score });
  }
  const ranked = new Map<string, string[]>();
  for (const [queryId, docs] of byQuery) {
    docs.sort((a, b) => b.score - a.score || compareDocIds(b.docId, a.docId));
    ranked.set(
      queryId,
      docs.map((doc) => doc.docId),
    );
  }
  return ranked;
}

/**
 * strcmp order on the UTF-8 encoding, which is code point order. JavaScript's `<` compares UTF-16 code
 * units, which disagrees with it once astral characters meet characters above U+E000.
 */
export function compareDocIds(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i) ?? 0;
    const cb = b.codePointAt(j) ?? 0;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  const restA = a.length - i;
  const restB = b.length - j;
  return restA === restB ? 0 : restA < restB ? -1 : 1;
}

function forEachLine(
  text: string,
  skipComments: boolean,
  visit: (fields: string[], lineNo: number) => void,
): void {
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || (skipComments && trimmed.startsWith('#'))) return;
    visit(trimmed.split(/\s+/), index + 1);
  });
}

function parseNumber(text: string, what: string, format: string, lineNo: number): number {
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${format} line ${lineNo}: ${what} is not a number: ${text}`);
  return value;
}

function joinLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
