import { type SearchConfigurationInput, searchConfigurationSchema } from '../../../shared/evaluation-api.ts';

/**
 * The Evaluate view's choices that outlive a visit, kept in this browser profile or app window:
 * the configurations being compared, and the interleaving switch that names two of them (so
 * everyday searches stay interleaved after a reload).
 */

/** Everyday searches interleave these two configurations (team-draft), so clicks say which is better. */
export interface InterleavingSetting {
  enabled: boolean;
  a: string;
  b: string;
}

export const DEFAULT_CONFIGURATIONS: SearchConfigurationInput[] = [
  { name: 'grouped', collapse: true, crop: 'use', k: 10 },
  { name: 'ungrouped', collapse: false, crop: 'use', k: 10 },
];

const INTERLEAVING_KEY = 'lookalike.interleaving';
const CONFIGURATIONS_KEY = 'lookalike.evalConfigurations';

function read(key: string): unknown {
  try {
    const raw = window.localStorage.getItem(key);
    return raw ? (JSON.parse(raw) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function write(key: string, value: unknown): void {
  try {
    window.localStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage may be off (a private window): the choice then lasts for this visit.
  }
}

export function loadInterleaving(): InterleavingSetting {
  const fallback = { enabled: false, a: DEFAULT_CONFIGURATIONS[0]!.name, b: DEFAULT_CONFIGURATIONS[1]!.name };
  const v = read(INTERLEAVING_KEY) as Partial<InterleavingSetting> | undefined;
  if (!v || typeof v !== 'object') return fallback;
  return {
    enabled: v.enabled === true,
    a: typeof v.a === 'string' ? v.a : fallback.a,
    b: typeof v.b === 'string' ? v.b : fallback.b,
  };
}

export function saveInterleaving(setting: InterleavingSetting): void {
  write(INTERLEAVING_KEY, setting);
}

/** The saved configurations, when they are still valid ones; else the defaults. */
export function loadConfigurations(): SearchConfigurationInput[] {
  const parsed = searchConfigurationSchema.array().min(1).max(8).safeParse(read(CONFIGURATIONS_KEY));
  return parsed.success ? parsed.data : DEFAULT_CONFIGURATIONS;
}

export function saveConfigurations(configurations: readonly SearchConfigurationInput[]): void {
  write(CONFIGURATIONS_KEY, configurations);
}
