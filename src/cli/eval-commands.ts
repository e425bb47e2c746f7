import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError, type Option } from 'commander';
import type { Engine } from '../engine/engine.ts';
import { runFileName } from '../engine/eval/trec-exchange.ts';
import type { CropSpec } from '../engine/imaging/crop-region.ts';
import { probeImage } from '../engine/imaging/image-preview.ts';
import { toApiError } from '../engine/service/api-error-mapping.ts';
import { EvaluationService } from '../engine/service/evaluation-service.ts';
import { UploadedQueries } from '../engine/service/uploaded-queries.ts';
import { ApiError } from '../shared/api-errors.ts';
import type { QueryRef } from '../shared/query-ref.ts';
import {
  DEFAULT_GRADE_THRESHOLD,
  DEFAULT_METRIC_CUTOFFS,
  type EvalSetSummary,
  invarianceEditSchema,
  type SearchConfiguration,
} from '../shared/evaluation-api.ts';
import { collectConfiguration, parseConfigurationSpec } from './configuration-spec.ts';
import { collect, crop, cutoffList, grade, level, readText } from './eval-arguments.ts';
import { addScoreCommand } from './trec-score-command.ts';
import {
  formatComparison,
  formatInvariance,
  formatRunReport,
  formatSetDetail,
  formatSetList,
} from './eval-format.ts';

export interface EvalCommandDeps {
  openEngine: (o: EvalOptions) => Engine;
  libraryOption: Option;
  deviceOption: Option;
  modelsDirOption: Option;
}

interface EvalOptions {
  library?: string;
  modelsDir?: string;
  device: string;
  json?: boolean;
}

const QRELS_FILE = 'qrels.txt';
const SIDECAR_FILE = 'sidecar.json';

/**
 * `lookalike eval …`: build evaluation sets, pool and grade them, score configurations against
 * the grades, exchange TREC files, run invariance tests, and score any TREC run like trec_eval.
 */
export function addEvalCommand(program: Command, deps: EvalCommandDeps): Command {
  const evalCommand = program
    .command('eval')
    .description('measure the search: evaluation sets, grades, metrics, TREC files');

  /** Runs fn with the workbench on an open library; a person's mistake prints its message and exits 1. */
  async function withWorkbench<T>(o: EvalOptions, fn: (w: Workbench) => Promise<T>): Promise<T | undefined> {
    const engine = deps.openEngine(o);
    const uploads = new UploadedQueries();
    const service = new EvaluationService({ engine, uploads, absolute: (p) => path.resolve(p) });
    try {
      return await fn({ service, uploads, engine });
    } catch (err) {
      const apiError = toApiError(err, (message, e) => console.error(`lookalike: ${message}`, e));
      if (apiError.code === 'internal') throw err;
      console.error(`lookalike: ${apiError.message}`);
      process.exitCode = 1;
      return undefined;
    } finally {
      await engine.close();
    }
  }

  const withLibrary = (c: Command): Command =>
    c.addOption(deps.libraryOption).addOption(deps.modelsDirOption).addOption(deps.deviceOption);

  withLibrary(
    evalCommand
      .command('create')
      .description(
        'make an evaluation set from query photos (library photos, or images from anywhere, kept in the library)',
      )
      .argument('<name>', 'the set’s name')
      .argument('<photo...>', 'query photos')
      .option('--crop <x,y,w,h>', 'search with part of each query photo: pixels, or fractions (0–1)', crop)
      .option('--json', 'print the set as JSON'),
  ).action(async (name: string, photos: string[], o: EvalOptions & { crop?: CropSpec }) => {
    await withWorkbench(o, async ({ service, uploads }) => {
      const set =
        (await service.evalSets()).find((s) => s.name === name) ?? (await service.evalCreateSet({ name }));
      for (const photo of photos) await addQuery(service, uploads, set.id, photo, o.crop);
      const detail = await service.evalSet({ setId: set.id });
      console.log(o.json ? JSON.stringify(detail) : formatSetDetail(detail));
    });
  });

  withLibrary(
    evalCommand
      .command('list')
      .description('the evaluation sets and their grading progress')
      .option('--json', 'print as JSON'),
  ).action(async (o: EvalOptions) => {
    await withWorkbench(o, async ({ service }) => {
      const sets = await service.evalSets();
      console.log(o.json ? JSON.stringify(sets) : formatSetList(sets));
    });
  });

  withLibrary(
    evalCommand
      .command('show')
      .description('a set’s queries and their progress')
      .argument('<set>', 'name or id')
      .option('--json', 'print as JSON'),
  ).action(async (setName: string, o: EvalOptions) => {
    await withWorkbench(o, async ({ service }) => {
      const detail = await service.evalSet({ setId: (await findSet(service, setName)).id });
      console.log(o.json ? JSON.stringify(detail) : formatSetDetail(detail));
    });
  });

  withLibrary(
    evalCommand
      .command('delete')
      .description('delete an evaluation set and its grades')
      .argument('<set>', 'name or id'),
  ).action(async (setName: string, o: EvalOptions) => {
    await withWorkbench(o, async ({ service }) => {
      await service.evalDeleteSet({ setId: (await findSet(service, setName)).id });
    });
  });

  withLibrary(
    evalCommand
      .command('pool')
      .description('collect candidates to grade: the union of each configuration’s top k for every query')
      .argument('<set>', 'name or id')
      .option(
        '--config <spec>',
        'name=A,model=…,ef=…,collapse=true|false,rerank=true|false,crop=use|ignore,k=… (repeatable)',
        collectConfiguration,
        [],
      )
      .option('--json', 'print as JSON'),
  ).action(async (setName: string, o: EvalOptions & { config: SearchConfiguration[] }) => {
    await withWorkbench(o, async ({ service }) => {
      const set = await findSet(service, setName);
      const configurations = o.config.length ? o.config : [parseConfigurationSpec('default')];
      const result = await service.evalPool({ setId: set.id, configurations });
      if (o.json) console.log(JSON.stringify(result));
      else {
        console.log(
          `${result.added} new candidates; ${result.progress.judged}/${result.progress.pooled} graded`,
        );
        for (const f of result.failures) console.error(`lookalike: query ${f.queryId}: ${f.message}`);
      }
    });
  });

  withLibrary(
    evalCommand
      .command('candidates')
      .description('a query’s candidates to grade, in blind order (no scores), with their grades so far')
      .argument('<set>', 'name or id')
      .argument('[qid]', 'the query (default: the first with ungraded candidates)')
      .option('--json', 'print as JSON'),
  ).action(async (setName: string, qid: string | undefined, o: EvalOptions) => {
    await withWorkbench(o, async ({ service }) => {
      const set = await findSet(service, setName);
      const queryId =
        qid === undefined
          ? undefined
          : (await service.evalSet({ setId: set.id })).queries.find((q) => q.qid === qid)?.id;
      if (qid !== undefined && queryId === undefined)
        throw new ApiError('not-found', `Set ${set.name} has no query ${qid}`);
      const queue = await service.evalGradingQueue({
        setId: set.id,
        ...(queryId !== undefined ? { queryId } : {}),
      });
      if (o.json) {
        console.log(JSON.stringify(queue));
        return;
      }
      if (!queue.query) {
        console.log(`Set ${set.name} has no queries yet.`);
        return;
      }
      console.log(
        `${queue.query.qid}  ${queue.query.path ?? queue.query.label}  (${queue.query.judged}/${queue.query.pooled} graded)`,
      );
      for (const item of queue.items)
        console.log(`  ${item.grade ?? '-'}  ${item.path ?? `(no longer in the library) ${item.docId}`}`);
    });
  });

  withLibrary(
    evalCommand
      .command('grade')
      .description('grade a photo for one query of a set: 0 unrelated … 5 same subject / near-identical')
      .argument('<set>', 'name or id')
      .argument('<qid>', 'the query (q1, q2, … as `eval show` lists them)')
      .argument('<photo>', 'a library photo among the query’s candidates')
      .argument('<grade>', '0–5', grade),
  ).action(async (setName: string, qid: string, photo: string, g: number, o: EvalOptions) => {
    await withWorkbench(o, async ({ service, engine }) => {
      const set = await findSet(service, setName);
      const query = (await service.evalSet({ setId: set.id })).queries.find((q) => q.qid === qid);
      if (!query) throw new ApiError('not-found', `Set ${set.name} has no query ${qid}`);
      const found = engine.evaluationStore().identity.byPath(path.resolve(photo));
      if (!found)
        throw new ApiError('not-found', `${path.resolve(photo)} is not an indexed photo of the library`);
      const progress = await service.evalGrade({
        setId: set.id,
        queryId: query.id,
        docId: found.contentHash,
        grade: g,
      });
      console.log(`${progress.judged}/${progress.pooled} graded`);
    });
  });

  withLibrary(
    evalCommand
      .command('run')
      .description(
        'search every query of a set with each configuration and score the results against the grades',
      )
      .argument('<set>', 'name or id')
      .option(
        '--config <spec>',
        'name=A,model=…,ef=…,collapse=true|false,rerank=true|false,crop=use|ignore,k=… (repeatable; two or more compare)',
        collectConfiguration,
        [],
      )
      .option('--threshold <grade>', 'lowest grade that counts as relevant', level, DEFAULT_GRADE_THRESHOLD)
      .option('-k, --cutoffs <list>', 'cutoffs for P@k, recall@k, nDCG@k', cutoffList, [
        ...DEFAULT_METRIC_CUTOFFS,
      ])
      .option('--seed <n>', 'seed of the significance tests', (v) => Number.parseInt(v, 10), 1)
      .option('--json', 'print as JSON'),
  ).action(
    async (
      setName: string,
      o: EvalOptions & { config: SearchConfiguration[]; threshold: number; cutoffs: number[]; seed: number },
    ) => {
      await withWorkbench(o, async ({ service }) => {
        const set = await findSet(service, setName);
        const configurations = o.config.length ? o.config : [parseConfigurationSpec('default')];
        if (configurations.length === 1) {
          const report = await service.evalMetrics({
            setId: set.id,
            configuration: configurations[0]!,
            threshold: o.threshold,
            cutoffs: o.cutoffs,
          });
          console.log(o.json ? JSON.stringify(report) : formatRunReport(report));
          return;
        }
        const comparison = await service.evalCompare({
          setId: set.id,
          configurations,
          threshold: o.threshold,
          cutoffs: o.cutoffs,
          measure: 'map',
          seed: o.seed,
          iterations: 10_000,
        });
        console.log(
          o.json
            ? JSON.stringify(comparison)
            : [formatComparison(comparison), '', ...comparison.reports.map(formatRunReport)].join('\n'),
        );
      });
    },
  );

  withLibrary(
    evalCommand
      .command('export')
      .description(
        `write a set as TREC files: ${QRELS_FILE}, ${SIDECAR_FILE} (queries, crops, paths) and a .run per configuration`,
      )
      .argument('<set>', 'name or id')
      .requiredOption('--trec <dir>', 'folder to write into (made if needed)'),
  ).action(async (setName: string, o: EvalOptions & { trec: string }) => {
    await withWorkbench(o, async ({ service }) => {
      const set = await findSet(service, setName);
      const files = await service.evalExportTrec({ setId: set.id });
      const dir = path.resolve(o.trec);
      await mkdir(dir, { recursive: true });
      const written = [path.join(dir, QRELS_FILE), path.join(dir, SIDECAR_FILE)];
      await writeFile(written[0]!, files.qrels);
      await writeFile(written[1]!, files.sidecar);
      for (const run of files.runs) {
        const file = path.join(dir, runFileName(run.name));
        await writeFile(file, run.text);
        written.push(file);
      }
      console.log(written.join('\n'));
    });
  });

  withLibrary(
    evalCommand
      .command('import')
      .description(`make a set from TREC qrels and their sidecar (default: ${SIDECAR_FILE} beside the qrels)`)
      .argument('<qrels>', 'qrels file (doc ids are content hashes, as `eval export` writes them)')
      .option('--sidecar <file>', 'the JSON sidecar with the queries')
      .option('--name <name>', 'name of the new set (default: the sidecar’s)')
      .option('--json', 'print the set as JSON'),
  ).action(async (qrelsFile: string, o: EvalOptions & { sidecar?: string; name?: string }) => {
    await withWorkbench(o, async ({ service }) => {
      const qrelsPath = path.resolve(qrelsFile);
      const sidecarPath = o.sidecar
        ? path.resolve(o.sidecar)
        : [path.join(path.dirname(qrelsPath), SIDECAR_FILE), `${qrelsPath}.json`].find((p) => existsSync(p));
      if (!sidecarPath) {
        throw new ApiError(
          'bad-request',
          `No sidecar found beside ${qrelsPath}; name it with --sidecar <file>`,
        );
      }
      const [qrels, sidecar] = await Promise.all([readText(qrelsPath), readText(sidecarPath)]);
      const set = await service.evalImportTrec({ qrels, sidecar, ...(o.name ? { name: o.name } : {}) });
      console.log(o.json ? JSON.stringify(set) : formatSetList([set]));
    });
  });

  addScoreCommand(evalCommand);

  withLibrary(
    evalCommand
      .command('invariance')
      .description(
        'edited copies of anchor photos (rotated, cropped, flipped, recoloured, grey, heavy JPEG, text) must find their original first; a set’s triplets must hold',
      )
      .argument('[set]', 'a set: its library queries are the anchors, and its triplets are checked')
      .option('--anchor <photo>', 'an anchor photo of the library (repeatable)', collect(String), [])
      .option(
        '--edit <edit>',
        `only these edits (${invarianceEditSchema.options.join(', ')}; repeatable)`,
        collect((v) => {
          const parsed = invarianceEditSchema.safeParse(v);
          if (!parsed.success)
            throw new InvalidArgumentError(`one of ${invarianceEditSchema.options.join(', ')}`);
          return parsed.data;
        }),
        [],
      )
      .option(
        '--threshold <share>',
        'pass rate needed (0–1)',
        (v) => {
          const n = Number(v);
          if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a share from 0 to 1 (0.95 is 95 %)');
          return n;
        },
        0.95,
      )
      .option('--json', 'print as JSON'),
  ).action(
    async (
      setName: string | undefined,
      o: EvalOptions & {
        anchor: string[];
        edit: Array<(typeof invarianceEditSchema.options)[number]>;
        threshold: number;
      },
    ) => {
      await withWorkbench(o, async ({ service }) => {
        const setId = setName === undefined ? undefined : (await findSet(service, setName)).id;
        const report = await service.evalInvariance({
          anchors: o.anchor,
          ...(setId !== undefined ? { setId } : {}),
          ...(o.edit.length ? { edits: o.edit } : {}),
          passThreshold: o.threshold,
        });
        console.log(o.json ? JSON.stringify(report) : formatInvariance(report));
        if (!report.ok) process.exitCode = 1;
      });
    },
  );

  return evalCommand;
}

interface Workbench {
  service: EvaluationService;
  uploads: UploadedQueries;
  engine: Engine;
}

async function findSet(service: EvaluationService, nameOrId: string): Promise<EvalSetSummary> {
  const sets = await service.evalSets();
  const found = sets.find((s) => s.name === nameOrId) ?? sets.find((s) => String(s.id) === nameOrId);
  if (!found)
    throw new ApiError('not-found', `There is no evaluation set "${nameOrId}" (see \`lookalike eval list\`)`);
  return found;
}

/** A library photo becomes a library query; any other image is kept in the library by content. */
async function addQuery(
  service: EvaluationService,
  uploads: UploadedQueries,
  setId: number,
  photo: string,
  cropSpec: CropSpec | undefined,
): Promise<void> {
  const file = path.resolve(photo);
  const extra = cropSpec ? { crop: cropSpec } : {};
  let query: QueryRef = { kind: 'library', path: file };
  if (!service.isLibraryPhoto(file)) {
    const bytes = await readFile(file).catch((err: Error) => {
      throw new ApiError('not-found', `Cannot read ${file}: ${err.message}`);
    });
    query = { kind: 'upload', id: uploads.add(bytes, path.basename(file), await probeImage(bytes)).id };
  }
  try {
    await service.evalAddQuery({ setId, query, ...extra });
  } catch (err) {
    // Running `eval create` again with more photos adds only the new ones.
    if (!(err instanceof ApiError && err.code === 'conflict')) throw err;
    console.error(`lookalike: ${err.message}; left as it is`);
  }
}
