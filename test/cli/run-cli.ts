import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `lookalike` command (from source, or `entry`) as a child process; `timeoutMs`
 * (default 2 minutes) is for the long jobs, like indexing thousands of photos.
 */
export function runCli(
  args: readonly string[],
  options: { entry?: string; timeoutMs?: number } = {},
): CliRun {
  const entry = options.entry ?? path.join(repoRoot, 'src', 'cli', 'main.ts');
  const r = spawnSync(process.execPath, [entry, ...args], {
    encoding: 'utf8',
    cwd: repoRoot,
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function jsonLines(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as unknown);
}
