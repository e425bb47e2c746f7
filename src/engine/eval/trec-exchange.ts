import { createHash } from 'node:crypto';
import { z } from 'zod';
import { cropSchema, type Crop } from '../../shared/library-api.ts';
import type { EvalQueryRow, EvaluationSetRepository } from '../store/evaluation-set-repository.ts';
import type { EvaluationRunRepository } from '../store/evaluation-run-repository.ts';
import type { ImageIdentityRepository } from '../store/image-identity-repository.ts';
import type { JudgmentRepository } from '../store/judgment-repository.ts';
import { formatQrels, formatRun, parseQrels, type Qrels, toRunEntries } from './trec-format.ts';

/**
 * An evaluation set as TREC files: qrels (`qid 0 docid grade`) and runs (`qid Q0 docid rank score
 * name`) whose document ids are the photos' content hashes, so they survive renames and match
 * byte-identical photos in another library, plus a JSON sidecar with what TREC files cannot
 * hold: the queries (library photo or embedded external image, crop), where each photo was, and
 * which configuration made each run.
 */

const SIDECAR_FORMAT = 'lookalike-evaluation-set';

const sidecarSchema = z.object({
  format: z.literal(SIDECAR_FORMAT, { message: `not a ${SIDECAR_FORMAT} sidecar` }),
  version: z.literal(1),
  name: z.string().min(1).max(200),
  queries: z
    .array(
      z.object({
        qid: z.string().regex(/^\S+$/, 'a qid has no spaces').max(100),
        label: z.string().max(1000),
        source: z.enum(['library', 'external']),
        contentHash: z.string().regex(/^[0-9a-f]{64}$/),
        path: z.string().nullable(),
        crop: cropSchema.nullable(),
        image: z
          .object({
            name: z.string().max(1000),
            format: z.string().max(32),
            width: z.number().int().positive(),
            height: z.number().int().positive(),
            base64: z.string(),
          })
          .optional(),
      }),
    )
    .max(100_000),
  documents: z.record(z.string(), z.string().nullable()),
  runs: z
    .array(z.object({ name: z.string(), file: z.string(), model: z.string(), configuration: z.unknown() }))
    .default([]),
});
export type EvaluationSidecar = z.infer<typeof sidecarSchema>;

/** TREC files or a sidecar that cannot be imported, with where and why. */
export class TrecImportError extends Error {}

export interface TrecFiles {
  qrels: string;
  sidecar: string;
  runs: Array<{ name: string; text: string }>;
}

export interface ExchangeStores {
  sets: EvaluationSetRepository;
  judgments: JudgmentRepository;
  runs: EvaluationRunRepository;
  identity: ImageIdentityRepository;
}

/** The file name a run is written under (its configuration name, made safe for any file system). */
export function runFileName(name: string): string {
  return `${name.replace(/[^A-Za-z0-9._+-]/g, '_')}.run`;
}

export function exportSet(stores: ExchangeStores, setId: number, setName: string): TrecFiles {
  const queries = stores.sets.queries(setId);
  const qrels: Qrels = new Map();
  const hashes = new Set<string>();
  for (const q of queries) {
    const judged = stores.judgments.judgments(q.id);
    qrels.set(q.qid, new Map([...judged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
    for (const h of judged.keys()) hashes.add(h);
  }
  const storedRuns = stores.runs.latestPerName(setId);
  const qidOf = new Map(queries.map((q) => [q.id, q.qid]));
  const runs = storedRuns.map((run) => {
    const rankings = new Map<string, Array<{ docId: string; score: number }>>();
    for (const [queryId, docs] of run.rankings) {
      const qid = qidOf.get(queryId);
      if (qid === undefined) continue;
      rankings.set(
        qid,
        docs.map((d) => ({ docId: d.contentHash, score: d.score })),
      );
      for (const d of docs) hashes.add(d.contentHash);
    }
    return { name: run.name, text: formatRun(toRunEntries(rankings, run.name)) };
  });
  const where = stores.identity.byHashes([...hashes]);
  const sidecar: EvaluationSidecar = {
    format: SIDECAR_FORMAT,
    version: 1,
    name: setName,
    queries: queries.map((q) => sidecarQuery(stores, q)),
    documents: Object.fromEntries([...hashes].sort().map((h) => [h, where.get(h)?.path ?? null])),
    runs: storedRuns.map((r) => ({
      name: r.name,
      file: runFileName(r.name),
      model: r.modelId,
      configuration: JSON.parse(r.configuration) as unknown,
    })),
  };
  return { qrels: formatQrels(qrels), sidecar: `${JSON.stringify(sidecar, null, 2)}\n`, runs };
}

function sidecarQuery(stores: ExchangeStores, q: EvalQueryRow): EvaluationSidecar['queries'][number] {
  const base = {
    qid: q.qid,
    label: q.label,
    source: q.source,
    contentHash: q.contentHash,
    path:
      q.source === 'library'
        ? (stores.identity.byHashes([q.contentHash]).get(q.contentHash)?.path ?? q.path)
        : null,
    crop: q.crop as Crop | null,
  };
  if (q.source === 'library') return base;
  const image = stores.sets.getQueryImage(q.contentHash);
  if (!image) return base;
  return {
    ...base,
    image: {
      name: image.name,
      format: image.format,
      width: image.width,
      height: image.height,
      base64: image.bytes.toString('base64'),
    },
  };
}

export function parseSidecar(text: string): EvaluationSidecar {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TrecImportError(`The sidecar is not JSON: ${(err as Error).message}`);
  }
  const parsed = sidecarSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrecImportError(
      `The sidecar is not valid: ${issue?.path.join('.') || 'file'}: ${issue?.message ?? ''}`,
    );
  }
  return parsed.data;
}

/**
 * Creates a set from qrels and their sidecar; grades become the pool of their query. Every qid in
 * the qrels must be a query of the sidecar (a grade for an unknown query would be lost silently).
 * Runs as a single transaction: a bad file leaves the library as it was.
 */
export function importSet(
  stores: ExchangeStores & { transaction: <T>(fn: () => T) => T },
  qrelsText: string,
  sidecarText: string,
  name?: string,
): { setId: number; queries: number; judgments: number } {
  let qrels: Qrels;
  try {
    qrels = parseQrels(qrelsText);
  } catch (err) {
    throw new TrecImportError(`The qrels cannot be read: ${(err as Error).message}`);
  }
  const sidecar = parseSidecar(sidecarText);
  const known = new Set(sidecar.queries.map((q) => q.qid));
  if (known.size !== sidecar.queries.length) throw new TrecImportError('The sidecar lists a qid twice');
  for (const qid of qrels.keys()) {
    if (!known.has(qid))
      throw new TrecImportError(`The qrels grade query "${qid}", which the sidecar does not list`);
  }
  for (const [qid, judged] of qrels) {
    for (const [docId, grade] of judged) {
      if (!/^[0-9a-f]{64}$/.test(docId)) {
        throw new TrecImportError(`qrels for ${qid}: "${docId}" is not a photo identity (a content hash)`);
      }
      if (!Number.isInteger(grade) || grade < 0 || grade > 5) {
        throw new TrecImportError(
          `qrels for ${qid}: grade ${grade} of ${docId} is not a whole number from 0 to 5`,
        );
      }
    }
  }
  return stores.transaction(() => {
    const set = stores.sets.createSet(name ?? sidecar.name);
    let judgments = 0;
    for (const q of sidecar.queries) {
      if (q.source === 'external') {
        if (!q.image)
          throw new TrecImportError(`Query ${q.qid} is an external image, but the sidecar does not hold it`);
        const bytes = Buffer.from(q.image.base64, 'base64');
        if (createHash('sha256').update(bytes).digest('hex') !== q.contentHash) {
          throw new TrecImportError(
            `The image of query ${q.qid} in the sidecar is damaged (its hash differs)`,
          );
        }
        stores.sets.putQueryImage({
          contentHash: q.contentHash,
          name: q.image.name,
          bytes,
          width: q.image.width,
          height: q.image.height,
          format: q.image.format,
        });
      }
      const row = stores.sets.addQuery({
        setId: set.id,
        qid: q.qid,
        source: q.source,
        contentHash: q.contentHash,
        label: q.label,
        path: q.path,
        crop: q.crop,
      });
      const judged = qrels.get(q.qid) ?? new Map<string, number>();
      const here = stores.identity.byHashes([...judged.keys()]);
      stores.judgments.addToPool(
        row.id,
        [...judged.keys()].map((h) => ({
          contentHash: h,
          path: here.get(h)?.path ?? sidecar.documents[h] ?? '',
        })),
      );
      stores.judgments.importGrades(row.id, judged);
      judgments += judged.size;
    }
    return { setId: set.id, queries: sidecar.queries.length, judgments };
  });
}
