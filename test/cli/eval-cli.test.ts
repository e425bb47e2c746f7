import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ComparisonReport,
  EvalSetDetail,
  EvalSetSummary,
  RunReport,
} from '../../src/shared/evaluation-api.ts';
import { type EvaluationPhotos, writeEvaluationPhotos } from '../fixtures/evaluation-library.ts';
import { makeTempDir, sceneSvg } from '../fixtures/synthetic-photos.ts';
import { repoRoot, runCli } from './run-cli.ts';

const goldenDir = path.resolve(repoRoot, '../shared/data/trec_eval-test');
const haveGolden = existsSync(path.join(goldenDir, 'qrels.test'));

/** trec_eval's `measure qid value` lines as "measure qid" → printed value. */
function trecLines(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 3) out.set(`${fields[0]} ${fields[1]}`, fields[2]!);
  }
  return out;
}

describe.skipIf(!haveGolden)('lookalike eval score against trec_eval’s own outputs', () => {
  const qrels = path.join(goldenDir, 'qrels.test');
  const run = path.join(goldenDir, 'results.test');

  it('prints what trec_eval prints, for every measure it reports', () => {
    const r = runCli(['eval', 'score', qrels, run]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const ours = trecLines(r.stdout);
    const theirs = trecLines(readFileSync(path.join(goldenDir, 'out.test.a'), 'utf8'));
    for (const m of ['map', 'recip_rank', 'P_5', 'P_10', 'recall_10', 'ndcg', 'ndcg_cut_10', 'num_rel_ret']) {
      expect(ours.has(`${m} all`), m).toBe(true);
    }
    for (const [key, value] of ours) expect(value, key).toBe(theirs.get(key));
    // The text layout is trec_eval's: the measure padded to 22 characters, then tabs.
    expect(r.stdout.split('\n')[0]).toBe(`${'runid'.padEnd(22)}\tall\tSTANDARD`);
  });

  it('prints per-query lines like trec_eval -q, and JSON keyed by trec_eval’s names', () => {
    const perQuery = runCli(['eval', 'score', '-q', qrels, run]);
    const ours = trecLines(perQuery.stdout);
    const theirs = trecLines(readFileSync(path.join(goldenDir, 'out.test.aq'), 'utf8'));
    for (const qid of ['301', '302', '303'])
      expect(ours.get(`ndcg_cut_10 ${qid}`)).toBe(theirs.get(`ndcg_cut_10 ${qid}`));
    for (const [key, value] of ours) expect(value, key).toBe(theirs.get(key));

    const json = JSON.parse(runCli(['eval', 'score', '--json', '-q', qrels, run]).stdout) as Record<
      string,
      unknown
    > & {
      queries: Record<string, Record<string, number>>;
    };
    expect(json['runid']).toBe('STANDARD');
    for (const m of ['map', 'recip_rank', 'P_5', 'P_10', 'recall_10', 'ndcg', 'ndcg_cut_10']) {
      expect((json[m] as number).toFixed(4), m).toBe(
        trecLines(readFileSync(path.join(goldenDir, 'out.test.a'), 'utf8')).get(`${m} all`),
      );
    }
    expect(json.queries['302']!['map']!.toFixed(4)).toBe(theirs.get('map 302'));
  });
});

describe('lookalike eval on a library', () => {
  const tmp = makeTempDir('lookalike-eval-cli-');
  const library = path.join(tmp.dir, 'library.db');
  const common = ['--library', library, '--device', 'cpu'];
  const external = path.join(tmp.dir, 'elsewhere', 'scene-2-again.jpg');
  const trecDir = path.join(tmp.dir, 'trec');
  let photos: EvaluationPhotos;

  const evalCli = (...args: string[]): ReturnType<typeof runCli> => runCli(['eval', ...args, ...common]);
  const json = <T>(r: ReturnType<typeof runCli>): T => {
    expect(r.stderr, r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout) as T;
  };

  beforeAll(async () => {
    photos = await writeEvaluationPhotos(path.join(tmp.dir, 'photos'), {
      scenes: 8,
      variants: 3,
      seed: 7000,
    });
    // Scene 2 rendered again, outside the library: an external query.
    mkdirSync(path.dirname(external), { recursive: true });
    await sharp(Buffer.from(sceneSvg(7002, 640, 480)))
      .jpeg({ quality: 60 })
      .toFile(external);
    expect(runCli(['index', photos.folder, ...common]).status).toBe(0);
  }, 120_000);

  afterAll(() => tmp.cleanup());

  it('builds, pools and grades a set from the terminal, scores it, and round-trips it through TREC files', () => {
    const created = json<EvalSetDetail>(
      evalCli('create', 'terminal', photos.scene(0), photos.scene(1), external, '--json'),
    );
    expect(created.queries.map((q) => [q.qid, q.source])).toEqual([
      ['q1', 'library'],
      ['q2', 'library'],
      ['q3', 'external'],
    ]);
    expect(json<EvalSetSummary[]>(evalCli('list', '--json')).map((s) => s.name)).toEqual(['terminal']);
    // Creating it again with one more photo adds only that one.
    const again = evalCli('create', 'terminal', photos.scene(0), photos.scene(4), '--json');
    expect(again.status).toBe(0);
    expect(again.stderr).toMatch(/already query q1 of this set; left as it is/);
    expect((JSON.parse(again.stdout) as EvalSetDetail).queries.map((q) => q.qid)).toEqual([
      'q1',
      'q2',
      'q3',
      'q4',
    ]);
    expect(evalCli('delete', 'terminal').status).toBe(0);
    json<EvalSetDetail>(evalCli('create', 'terminal', photos.scene(0), photos.scene(1), external, '--json'));

    const pooled = json<{ added: number }>(
      evalCli(
        'pool',
        'terminal',
        '--config',
        'name=A,k=3,collapse=false',
        '--config',
        'name=B,k=5',
        '--json',
      ),
    );
    expect(pooled.added).toBeGreaterThanOrEqual(3 * 5);

    // Grade each query's same-subject photos 5 (the copy; for the external query scene 2 and its copy).
    for (const [qid, same] of [
      ['q1', [photos.variant(0)]],
      ['q2', [photos.variant(1)]],
      ['q3', [photos.scene(2), photos.variant(2)]],
    ] as const) {
      for (const p of same) expect(evalCli('grade', 'terminal', qid, p, '5').status).toBe(0);
    }
    // The candidates, as a curator grading from the terminal sees them: blind order, grades so far.
    const candidates = evalCli('candidates', 'terminal', 'q1');
    expect(candidates.status).toBe(0);
    expect(candidates.stdout).toContain(`  5  ${photos.variant(0)}`);
    expect(candidates.stdout).not.toMatch(/0\.\d{3}/);
    const wrong = evalCli('grade', 'terminal', 'q1', photos.scene(0), '5');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/not among the candidates/);
    expect(evalCli('grade', 'terminal', 'q1', photos.variant(0), '9').status).not.toBe(0);

    const report = json<RunReport>(
      evalCli('run', 'terminal', '--config', 'name=A,k=3,collapse=false', '-k', '1,3,5,10', '--json'),
    );
    expect(report.mean).toMatchObject({ recip_rank: 1, map: 1, P_1: 1, num_q: 3 });
    expect(report.perQuery.find((q) => q.qid === 'q3')!.measures['recall_3']).toBe(1);

    const exported = evalCli('export', 'terminal', '--trec', trecDir);
    expect(exported.status).toBe(0);
    const written = exported.stdout.trim().split('\n');
    expect(written).toEqual(
      expect.arrayContaining([
        path.join(trecDir, 'qrels.txt'),
        path.join(trecDir, 'sidecar.json'),
        path.join(trecDir, 'A.run'),
      ]),
    );
    // The exported run, scored as trec_eval would at the same relevance level, gives the app's numbers.
    const scored = JSON.parse(
      runCli([
        'eval',
        'score',
        '--json',
        '-l',
        '3',
        path.join(trecDir, 'qrels.txt'),
        path.join(trecDir, 'A.run'),
      ]).stdout,
    ) as Record<string, number>;
    for (const m of ['map', 'recip_rank', 'P_5', 'recall_10', 'ndcg', 'ndcg_cut_10']) {
      expect(scored[m], m).toBeCloseTo(report.mean[m]!, 12);
    }
    expect(scored['map']).toBe(1);

    const imported = json<EvalSetSummary>(
      evalCli('import', path.join(trecDir, 'qrels.txt'), '--name', 'imported', '--json'),
    );
    expect(imported.progress.queries).toBe(3);
    const comparison = json<ComparisonReport>(
      evalCli(
        'run',
        'imported',
        '--config',
        'name=A,k=3,collapse=false',
        '--config',
        'name=wide,k=6,ef=32',
        '-k',
        '1,3,5,10',
        '--json',
      ),
    );
    expect(comparison.reports[0]!.mean).toEqual(report.mean);
    expect(comparison.significance.length).toBeGreaterThan(0);
    // The human-readable comparison names both configurations and gives p-values.
    const text = evalCli('run', 'imported', '--config', 'A', '--config', 'name=B,k=2');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/permutation p = /);
  }, 180_000);

  it('says what is wrong with bad input, and exits non-zero', () => {
    const missing = evalCli('run', 'no such set');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no evaluation set "no such set"/);
    const badConfig = evalCli('run', 'terminal', '--config', 'name=A,ef=lots');
    expect(badConfig.status).not.toBe(0);
    expect(badConfig.stderr).toMatch(/ef/);
    const badRun = runCli([
      'eval',
      'score',
      path.join(trecDir, 'qrels.txt'),
      path.join(trecDir, 'qrels.txt'),
    ]);
    expect(badRun.status).toBe(1);
    expect(badRun.stderr).toMatch(/run line 1: expected 6 fields/);
    const lonely = path.join(tmp.dir, 'lonely', 'grades.qrels');
    mkdirSync(path.dirname(lonely), { recursive: true });
    writeFileSync(lonely, 'q1 0 abc 1\n');
    const noSidecar = evalCli('import', lonely);
    expect(noSidecar.status).toBe(1);
    expect(noSidecar.stderr).toMatch(/No sidecar found/);
  }, 60_000);
});
