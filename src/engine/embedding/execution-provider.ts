import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import ort from 'onnxruntime-node';

/** cpu, gpu (the platform's GPU providers), or one provider's name. */
export type DeviceChoice = string;

export interface ProviderAttempt {
  provider: string;
  reason: string;
}

/** GPU providers in order of preference for each platform; CPU always comes last. */
export function gpuProvidersFor(platform: NodeJS.Platform): string[] {
  switch (platform) {
    case 'win32':
      return ['cuda', 'dml'];
    case 'darwin':
      return ['coreml'];
    default:
      return ['cuda'];
  }
}

export function providerCandidates(
  device: DeviceChoice,
  platform: NodeJS.Platform = process.platform,
): string[] {
  const d = device.toLowerCase();
  if (d === 'cpu') return ['cpu'];
  if (d === 'gpu') return gpuProvidersFor(platform);
  if (d === 'auto') return [...gpuProvidersFor(platform), 'cpu'];
  return [d];
}

export interface OpenedSession {
  session: ort.InferenceSession;
  provider: string;
  /** Providers tried before the active one, and why each was not used. */
  fallbacks: ProviderAttempt[];
}

/**
 * Opens the model on the first provider that works. A provider the installed runtime does not
 * ship is skipped without trying (its libraries would be looked up and fail noisily).
 */
export async function openSession(
  modelPath: string,
  device: DeviceChoice,
  threads: number,
): Promise<OpenedSession> {
  const available = new Set(ort.listSupportedBackends().map((b) => b.name));
  const fallbacks: ProviderAttempt[] = [];
  for (const provider of providerCandidates(device)) {
    if (!available.has(provider)) {
      fallbacks.push({ provider, reason: 'not included in this onnxruntime build' });
      continue;
    }
    const missing = missingProviderLibrary(provider);
    if (missing) {
      fallbacks.push({ provider, reason: missing });
      continue;
    }
    try {
      const session = await ort.InferenceSession.create(modelPath, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
      });
      return { session, provider, fallbacks };
    } catch (err) {
      fallbacks.push({ provider, reason: String((err as Error).message ?? err).split('\n')[0] ?? 'failed' });
    }
  }
  const tried = fallbacks.map((f) => `${f.provider}: ${f.reason}`).join('; ');
  throw new Error(`No execution provider could run the model for device "${device}" (${tried})`);
}

/**
 * CUDA and TensorRT live in separate libraries that onnxruntime-node downloads only on request
 * (see README, "GPU"). Checking for them first avoids a failed, noisy load attempt.
 */
function missingProviderLibrary(provider: string): string | undefined {
  if (provider !== 'cuda' && provider !== 'tensorrt') return undefined;
  const ext = process.platform === 'win32' ? 'dll' : 'so';
  const prefix = process.platform === 'win32' ? '' : 'lib';
  const binDir = path.join(
    path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
  const lib = `${prefix}onnxruntime_providers_${provider}.${ext}`;
  return existsSync(path.join(binDir, lib))
    ? undefined
    : `${lib} is not installed (see README: GPU acceleration)`;
}
