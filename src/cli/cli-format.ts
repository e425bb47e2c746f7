import type { LibraryStatus, SearchResponse } from '../shared/library-api.ts';
import type { IndexSummary } from '../engine/library/library-indexer.ts';
import type { WatchEvent } from '../engine/library/folder-watcher.ts';

/** Human-readable renderings of engine results for the terminal. */
export function formatSearchTable(res: SearchResponse): string {
  const lines = [`Query: ${res.query}  (${res.tookMs.toFixed(0)} ms, ${res.model} on ${res.device})`];
  if (res.results.length === 0)
    lines.push('  No results: the library is empty or nothing matched the filters.');
  for (const r of res.results) {
    const dup =
      r.duplicates.length > 0
        ? `  (+${r.duplicates.length} near-duplicate${r.duplicates.length > 1 ? 's' : ''})`
        : '';
    lines.push(`${String(r.rank).padStart(4)}  ${r.score.toFixed(4)}  ${r.path}${dup}`);
    for (const d of r.duplicates) lines.push(`              ${d.score.toFixed(4)}  ↳ ${d.path}`);
  }
  return lines.join('\n');
}

export function formatIndexSummary(s: IndexSummary): string {
  const lines = [
    `Indexed ${s.indexed}, unchanged ${s.unchanged}, removed ${s.removed}, skipped ${s.skipped.length} ` +
      `in ${s.seconds.toFixed(1)} s (${s.imagesPerSecond.toFixed(1)} images/s)`,
  ];
  for (const f of s.unavailable ?? []) lines.push(`Not reachable now (photos kept): ${f}`);
  const byReason = new Map<string, string[]>();
  for (const k of s.skipped) byReason.set(k.reason, [...(byReason.get(k.reason) ?? []), k.path]);
  for (const [reason, paths] of byReason) {
    lines.push(`Skipped ${paths.length}: ${reason}`);
    for (const p of paths.slice(0, 5)) lines.push(`  ${p}`);
    if (paths.length > 5) lines.push(`  … and ${paths.length - 5} more`);
  }
  return lines.join('\n');
}

export function formatStatus(s: LibraryStatus): string {
  const lines = [
    `Library: ${s.library}`,
    `Photos:  ${s.images} indexed, ${s.skipped} skipped`,
    `Model:   ${s.model.id} (${s.model.dim}-d)`,
  ];
  const r = s.reembedding;
  if (r) {
    const how =
      r.phase === 'waiting' ? ' (goes on with `lookalike models use`, `index`, `watch` or `serve`)' : '';
    lines.push(
      `         switching to ${r.model}: ${r.done} of ${r.total} photos embedded, ${r.phase}${how}; ${s.model.id} answers until then`,
    );
  }
  lines.push(`Device:  ${s.device.provider}`);
  for (const f of s.device.fallbacks) lines.push(`         ${f.provider} not used: ${f.reason}`);
  lines.push(
    `Index:   ${s.index.vectors} vectors, ${s.index.state} (${s.index.detail}), ${s.index.pendingChanges} changes since last snapshot`,
  );
  lines.push('Folders:');
  if (s.folders.length === 0) lines.push('  (none: add one with `lookalike index <folder>`)');
  for (const f of s.folders)
    lines.push(`  ${f.path}  ${f.images} photos${f.skipped ? `, ${f.skipped} skipped` : ''}`);
  return lines.join('\n');
}

export function formatWatchEvent(e: WatchEvent): string {
  const time = new Date().toLocaleTimeString();
  switch (e.type) {
    case 'ready':
      return `${time}  watching ${e.folders.length} folder${e.folders.length === 1 ? '' : 's'}: ${e.folders.join(', ')}`;
    case 'reconciled':
      return `${time}  start-up check: ${formatIndexSummary(e.summary)}`;
    case 'updated':
      return `${time}  ${formatIndexSummary(e.summary)}`;
    case 'progress':
      return `${time}  ${e.progress.phase} ${e.progress.done}/${e.progress.total}`;
    case 'folder-unavailable':
      return `${time}  ${e.folder} is not reachable; its photos are kept until it returns`;
    case 'folder-available':
      return `${time}  ${e.folder} is back; checking it for changes`;
    case 'error':
      return `${time}  problem: ${e.message}`;
  }
}
