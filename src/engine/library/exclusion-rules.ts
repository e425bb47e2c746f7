import path from 'node:path';

/**
 * A person's exclusions, like .gitignore lines: a pattern without a slash matches any file or
 * folder name anywhere ("Screenshots", "*.tmp.jpg"); a pattern with a slash matches the path
 * inside a library folder ("2019/private/**"), or an absolute path when it starts with one.
 */
export function validateExclusion(pattern: string): string {
  const p = pattern.trim();
  if (p === '' || p === '/' || p === '**' || p === '*') {
    throw new Error(
      `"${pattern}" would exclude everything; name a folder or a pattern such as "Screenshots" or "*.tmp.jpg"`,
    );
  }
  return p;
}

export function exclusionMatcher(
  patterns: readonly string[],
  roots: readonly string[],
): (p: string) => boolean {
  if (patterns.length === 0) return () => false;
  const names = patterns.filter((p) => !p.includes('/'));
  const absolute = patterns.filter((p) => path.isAbsolute(p));
  const relative = patterns
    .filter((p) => p.includes('/') && !path.isAbsolute(p))
    .map((p) => p.replace(/\/+$/, ''));
  return (p: string): boolean => {
    const name = path.basename(p);
    if (names.some((g) => path.matchesGlob(name, g))) return true;
    if (
      absolute.some(
        (g) => p === g || p.startsWith(g.replace(/\/+$/, '') + path.sep) || path.matchesGlob(p, g),
      )
    )
      return true;
    if (relative.length === 0) return false;
    const root = roots.find((r) => p.startsWith(r + path.sep));
    if (!root) return false;
    const rel = path.relative(root, p).split(path.sep).join('/');
    return relative.some((g) => path.matchesGlob(rel, g) || rel.startsWith(g + '/'));
  };
}
