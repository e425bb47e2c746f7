import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { type CropSpec, parseCropSpec } from '../engine/imaging/crop-region.ts';
import { ApiError } from '../shared/api-errors.ts';

/** Parsers of `lookalike eval` arguments: a bad value is refused with what would be right. */

/** A repeatable option: each use adds a parsed value. */
export function collect<T>(parse: (v: string) => T) {
  return (v: string, acc: T[]): T[] => [...acc, parse(v)];
}

export function cutoffList(v: string): number[] {
  const ks = v.split(',').map((x) => Number(x.trim()));
  if (ks.length === 0 || ks.some((k) => !Number.isInteger(k) || k < 1 || k > 1000)) {
    throw new InvalidArgumentError(
      'cutoffs are whole numbers from 1 to 1000, separated by commas (1,5,10,20)',
    );
  }
  return ks;
}

export function grade(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 5)
    throw new InvalidArgumentError('a grade is a whole number from 0 to 5');
  return n;
}

export function level(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new InvalidArgumentError('a relevance level is 1 to 5');
  return n;
}

export function crop(v: string): CropSpec {
  try {
    return parseCropSpec(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** A text file a person named; a missing one is their mistake, said plainly. */
export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new ApiError('not-found', `Cannot read ${file}: ${(err as Error).message}`);
  }
}
