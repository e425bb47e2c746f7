import type { ModelInfo } from '../shared/model-api.ts';

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** `lookalike models list`: installed models, then what the catalog offers and how to get it. */
export function formatModelList(models: readonly ModelInfo[], modelsDir: string): string {
  const installed = models.filter((m) => m.status === 'installed');
  const available = models.filter((m) => m.status === 'available');
  const lines = ['Installed (* answers searches):'];
  for (const m of installed) {
    const facts = [
      `${m.dim}-d`,
      megabytes(m.bytes),
      m.origin,
      m.license,
      m.imagesPerSecond !== null ? `${m.imagesPerSecond.toFixed(0)} img/s` : null,
    ].filter(Boolean);
    lines.push(`${m.active ? '*' : ' '} ${m.id}  ${m.name} (${facts.join(', ')})`);
    if (m.notes) lines.push(`    ${m.notes}`);
  }
  if (available.length) {
    lines.push('', 'Available:');
    for (const m of available) {
      const how =
        m.install === 'download'
          ? `${megabytes(m.bytes)} download: lookalike models add ${m.id}`
          : `from a file you export (about ${megabytes(m.bytes)}): see ${m.docs}`;
      lines.push(`  ${m.id}${m.recommended ? ' (recommended)' : ''}  ${m.name}; ${how}`);
      if (m.notes) lines.push(`    ${m.notes}`);
    }
  }
  lines.push('', `Models folder: ${modelsDir}`);
  return lines.join('\n');
}
