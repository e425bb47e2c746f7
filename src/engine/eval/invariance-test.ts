import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type {
  InvarianceEdit,
  InvarianceFailure,
  InvarianceReport,
  SearchConfiguration,
} from '../../shared/evaluation-api.ts';
import { invarianceEditSchema } from '../../shared/evaluation-api.ts';
import { makeEditedCopy } from '../imaging/photo-edits.ts';
import type { QueryRunner } from './query-runner.ts';

export interface InvarianceAnchor {
  path: string;
  contentHash: string;
  bytes: Buffer;
}

export interface TripletCase {
  anchor: string;
  same: string;
  different: string;
  simSame: number;
  simDifferent: number;
}

export interface InvarianceOptions {
  anchors: readonly InvarianceAnchor[];
  edits?: readonly InvarianceEdit[];
  triplets?: readonly TripletCase[];
  configuration: SearchConfiguration;
  passThreshold: number;
  /** Where copies go (default: a new folder in the system's temporary folder, never a library folder). */
  copiesDir?: string;
  /** Called for each failed copy, e.g. to make it viewable in a window; returns an id for it. */
  onFailedCopy?: (file: string, bytes: Buffer) => Promise<string | undefined>;
}

/**
 * Invariance and sanity tests: each edited copy of an anchor must retrieve its original first,
 * and each triplet's anchor must be more similar to its same-subject photo than to its
 * different-subject one. The report gives the pass rate against a threshold and every failure.
 */
export async function runInvarianceTests(
  runner: QueryRunner,
  options: InvarianceOptions,
): Promise<InvarianceReport> {
  const edits = options.edits ?? invarianceEditSchema.options;
  const failures: InvarianceFailure[] = [];
  const byTest = new Map<string, { tests: number; passed: number }>();
  const count = (test: string, passed: boolean): void => {
    const entry = byTest.get(test) ?? { tests: 0, passed: 0 };
    entry.tests++;
    if (passed) entry.passed++;
    byTest.set(test, entry);
  };

  const copiesDir =
    options.anchors.length === 0
      ? null
      : (options.copiesDir ?? (await mkdtemp(path.join(os.tmpdir(), 'lookalike-invariance-'))));
  for (const [index, anchor] of options.anchors.entries()) {
    const stem = `${String(index + 1).padStart(3, '0')}-${path.parse(anchor.path).name}`;
    for (const edit of edits) {
      const copyBytes = await makeEditedCopy(anchor.bytes, edit);
      const copy = path.join(copiesDir!, `${stem}-${edit}.jpg`);
      await writeFile(copy, copyBytes);
      const results = await runner.search(
        copyBytes,
        null,
        options.configuration,
        options.configuration.k,
        path.basename(copy),
      );
      const rank = results.findIndex((r) => r.contentHash === anchor.contentHash);
      const passed = rank === 0;
      count(edit, passed);
      if (passed) continue;
      const uploadId = await options.onFailedCopy?.(copy, copyBytes);
      failures.push({
        kind: 'edit',
        test: edit,
        anchor: anchor.path,
        copy,
        ...(uploadId ? { copyUploadId: uploadId } : {}),
        originalRank: rank === -1 ? null : rank + 1,
        topResult: results[0]?.path ?? null,
        message:
          rank === -1
            ? `the ${edit} copy did not find its original in the top ${options.configuration.k}`
            : `the ${edit} copy found its original at rank ${rank + 1}, after ${results[0]!.path}`,
      });
    }
  }

  for (const t of options.triplets ?? []) {
    const passed = t.simSame > t.simDifferent;
    count('triplet', passed);
    if (!passed) {
      failures.push({
        kind: 'triplet',
        test: 'triplet',
        anchor: t.anchor,
        same: t.same,
        different: t.different,
        simSame: t.simSame,
        simDifferent: t.simDifferent,
        message: `${path.basename(t.anchor)} is closer to ${path.basename(t.different)} (${t.simDifferent.toFixed(4)}) than to ${path.basename(t.same)} (${t.simSame.toFixed(4)})`,
      });
    }
  }

  let tests = 0;
  let passed = 0;
  for (const entry of byTest.values()) {
    tests += entry.tests;
    passed += entry.passed;
  }
  const passRate = tests === 0 ? 1 : passed / tests;
  return {
    tests,
    passed,
    passRate,
    passThreshold: options.passThreshold,
    ok: tests > 0 && passRate >= options.passThreshold,
    byTest: [...byTest].map(([test, e]) => ({ test, ...e })),
    failures,
    copiesDir,
  };
}
