import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './bridge-fixture.ts';

const START_MS = 30_000;

/** `lookalike serve` run from source as a child process, once it has printed its link. */
export interface ServeProcess {
  child: ChildProcess;
  /** The link it printed, token included. */
  url: URL;
  token: string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Everything it has written to stderr so far. */
  stderr(): string;
}

/** Starts `lookalike serve` on a library and waits for its link; rejects with its stderr if it exits first. */
export async function startServeProcess(libraryPath: string): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'src', 'cli', 'main.ts'), 'serve', '--library', libraryPath, '--device', 'cpu'],
    { cwd: repoRoot, env: { ...process.env, NODE_NO_WARNINGS: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<URL>((resolve, reject) => {
    // Within the test's own time limit, so a server that never starts is not left running.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no link within ${START_MS / 1000} s: ${stderr}`));
    }, START_MS);
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      const m = /running at (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]!));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${stderr}`));
    });
  });
  return { child, url, token: url.searchParams.get('token')!, exited, stderr: () => stderr };
}
