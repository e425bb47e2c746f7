import type { ModelInfo } from '../../shared/model-api.ts';
import type { CatalogEntry } from './model-catalog.ts';
import type { InstalledModel } from './model-registry.ts';

export interface ModelListingOptions {
  installed: readonly InstalledModel[];
  catalog: readonly CatalogEntry[];
  /** The model answering the library's searches. */
  activeId: string;
}

/**
 * Installed models first (the recommended and the active one among them as the catalog says),
 * then the catalog's models that are not installed, recommended first.
 */
export function describeModels(o: ModelListingOptions): ModelInfo[] {
  const entries = new Map(o.catalog.map((e) => [e.id, e]));
  const installed = o.installed.map((m): ModelInfo => {
    const entry = entries.get(m.manifest.id);
    return {
      id: m.manifest.id,
      name: m.manifest.name,
      status: 'installed',
      origin: m.origin,
      install: null,
      bytes: m.bytes,
      dim: m.manifest.output.dim,
      license: m.manifest.license ?? entry?.license ?? null,
      source: m.manifest.source ?? entry?.source ?? null,
      notes: m.manifest.notes ?? entry?.notes ?? null,
      recommended: entry?.recommended ?? false,
      active: m.manifest.id === o.activeId,
      imagesPerSecond: m.manifest.speed?.imagesPerSecond ?? null,
      docs: entry?.kind === 'file' ? entry.docs : null,
      installedAt: m.installedAt,
    };
  });
  const have = new Set(installed.map((m) => m.id));
  const available = o.catalog
    .filter((e) => e.kind !== 'bundled' && !have.has(e.id))
    .sort((a, b) => Number(b.recommended ?? false) - Number(a.recommended ?? false))
    .map((e): ModelInfo => ({
      id: e.id,
      name: e.name,
      status: 'available',
      origin: null,
      install: e.kind === 'download' ? 'download' : 'file',
      bytes: e.kind === 'download' ? e.download.bytes : e.kind === 'file' ? e.approxBytes : 0,
      dim: e.kind === 'file' ? e.manifest.output.dim : null,
      license: e.license,
      source: e.source,
      notes: e.notes,
      recommended: e.recommended ?? false,
      active: false,
      imagesPerSecond: null,
      docs: e.kind === 'file' ? e.docs : null,
      installedAt: null,
    }));
  return [...installed, ...available];
}
