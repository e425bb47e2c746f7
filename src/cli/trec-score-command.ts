import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { formatTrecEval, scoreTrecRun, trecEvalJson } from '../engine/eval/trec-eval-report.ts';
import { readText } from './eval-arguments.ts';

/** `lookalike eval score`: any TREC run scored against qrels as trec_eval does; no library needed. */
export function addScoreCommand(evalCommand: Command): void {
  evalCommand
    .command('score')
    .description(
      'score a TREC run file against qrels as trec_eval does (map, recip_rank, P_k, recall_k, ndcg, ndcg_cut_k…)',
    )
    .argument('<qrels>', 'qrels file: qid iter docid grade')
    .argument('<run>', 'run file: qid Q0 docid rank score runid')
    .option('-q, --per-query', 'also each query’s measures (trec_eval -q)')
    .option(
      '-l, --level <grade>',
      'lowest grade that counts as relevant (trec_eval -l)',
      (v) => {
        const n = Number(v);
        if (!Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
        return n;
      },
      1,
    )
    .option('-c, --complete', 'average over every query in the qrels (trec_eval -c)')
    .option('--json', 'print as JSON, keys named as trec_eval names them')
    .action(
      async (
        qrelsFile: string,
        runFile: string,
        o: { perQuery?: boolean; level: number; complete?: boolean; json?: boolean },
      ) => {
        const [qrels, run] = await Promise.all([
          readText(path.resolve(qrelsFile)),
          readText(path.resolve(runFile)),
        ]);
        let result;
        try {
          result = scoreTrecRun(qrels, run, { relevanceLevel: o.level, complete: o.complete ?? false });
        } catch (err) {
          console.error(`lookalike: ${(err as Error).message}`);
          process.exitCode = 1;
          return;
        }
        const perQuery = o.perQuery ?? false;
        process.stdout.write(
          o.json
            ? `${JSON.stringify(trecEvalJson(result, { perQuery }))}\n`
            : formatTrecEval(result, { perQuery }),
        );
      },
    );
}
