import type { TfliteTuning } from './model-install.ts';
import type { ModelDescription } from './model-manifest.ts';

/** What a catalog entry's id, name and notes say about a model, whatever its tensors look like. */
interface CatalogText {
  id: string;
  name: string;
  license: string;
  source: string;
  notes: string;
  /** The one the app offers first (on first run and at the top of Settings). */
  recommended?: boolean;
}

/** Shipped with the app: always installed, works offline. */
export interface BundledCatalogEntry extends CatalogText {
  kind: 'bundled';
}

/** Downloaded on request from a pinned URL and verified by hash (and converted when TFLite). */
export interface DownloadCatalogEntry extends CatalogText {
  kind: 'download';
  download: { url: string; sha256: string; bytes: number; format: 'onnx' | 'tflite' };
  /** For a TensorFlow Lite download: the preprocessing and post-processing measured best for it. */
  convert?: TfliteTuning;
}

/**
 * A model whose licence or size keeps it out of the app's downloads: the person exports or
 * obtains the ONNX file (see docs/models.md) and adds it with this manifest.
 */
export interface FileCatalogEntry extends CatalogText {
  kind: 'file';
  manifest: ModelDescription;
  /** Approximate size of a typical float32 export, for the person's information. */
  approxBytes: number;
  docs: string;
}

export type CatalogEntry = BundledCatalogEntry | DownloadCatalogEntry | FileCatalogEntry;

/** The bundled model's id (its manifest lives in resources/models/). */
export const BUNDLED_MODEL_ID = 'mobilenet-v2-nsfwjs-b13';

// CLIP's own normalisation constants (OpenAI's preprocessing), on the 0..255 scale.
const CLIP_MEAN: [number, number, number] = [122.7709, 116.746, 104.0937];
const CLIP_STD: [number, number, number] = [68.5005, 66.6322, 70.3232];
// ImageNet's, used by DINOv2.
const IMAGENET_MEAN: [number, number, number] = [123.675, 116.28, 103.53];
const IMAGENET_STD: [number, number, number] = [58.395, 57.12, 57.375];

export const modelCatalog: readonly CatalogEntry[] = [
  {
    kind: 'download',
    id: 'mobilenet-v2-imagenet',
    name: 'MobileNetV2 (ImageNet), average-pooled',
    recommended: true,
    license: 'Apache-2.0 (google-coral/test_data)',
    source:
      'TensorFlow Lite mobilenet_v2_1.0_224_quant from github.com/google-coral/test_data at commit 104342d2d3480b3e66203073dac24f4e2dbb4c41, converted to ONNX when installed',
    notes:
      'Recommended. Finds the same kind of thing about 2.6 times as often as the bundled model (Caltech-101 P@10 0.85 vs 0.33) and the same object more reliably (UKBench N-S 3.97 vs 3.67 of 4).',
    download: {
      url: 'https://raw.githubusercontent.com/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41/mobilenet_v2_1.0_224_quant.tflite',
      sha256: '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
      bytes: 3_610_798,
      format: 'tflite',
    },
    // Measured with `lookalike bench quality` (BENCHMARKS.md): cropping the middle and plain L2
    // beat squashing and signed sqrt on both UKBench and Caltech-101 for this network, and
    // neighbourhood re-ranking raises both.
    convert: { resize: 'center-crop', postprocess: ['l2'], rerank: true },
  },
  {
    kind: 'bundled',
    id: BUNDLED_MODEL_ID,
    name: 'MobileNetV2 (nsfwjs) block 13, average-pooled',
    license: 'MIT (weights from nsfwjs@4.4.0)',
    source: 'nsfwjs@4.4.0, built when the app is installed',
    notes:
      'Works offline, installed with the app. Good at the same object again, weak at the same kind of thing.',
  },
  {
    kind: 'file',
    id: 'clip-vit-b32',
    name: 'CLIP ViT-B/32 image tower',
    license: 'MIT (OpenAI CLIP weights)',
    source:
      'openai/clip-vit-base-patch32, image tower with its projection, exported to ONNX (docs/models.md)',
    notes:
      'Strong at the same kind of thing and at scenes; about 350 MB and several times slower than MobileNetV2 on a CPU — best with a GPU.',
    approxBytes: 352_000_000,
    docs: 'docs/models.md#clip-vit-b32-image-tower',
    manifest: {
      id: 'clip-vit-b32',
      name: 'CLIP ViT-B/32 image tower',
      input: {
        name: 'pixel_values',
        layout: 'nchw',
        dtype: 'float32',
        size: [224, 224],
        resize: 'center-crop',
        mean: CLIP_MEAN,
        std: CLIP_STD,
      },
      output: { name: 'image_embeds', dim: 512 },
      postprocess: ['l2'],
      license: 'MIT (OpenAI CLIP weights)',
      source: 'openai/clip-vit-base-patch32 (CLIPVisionModelWithProjection), exported to ONNX',
    },
  },
  {
    kind: 'file',
    id: 'dinov2-small',
    name: 'DINOv2 ViT-S/14',
    license: 'Apache-2.0 (Meta DINOv2 weights)',
    source: 'facebook/dinov2-small, exported to ONNX (docs/models.md)',
    notes:
      'Self-supervised features: very good at the same object and near-identical scenes; about 90 MB, slower than MobileNetV2 on a CPU.',
    approxBytes: 88_000_000,
    docs: 'docs/models.md#dinov2-small',
    manifest: {
      id: 'dinov2-small',
      name: 'DINOv2 ViT-S/14',
      input: {
        name: 'pixel_values',
        layout: 'nchw',
        dtype: 'float32',
        size: [224, 224],
        resize: 'center-crop',
        mean: IMAGENET_MEAN,
        std: IMAGENET_STD,
      },
      output: { name: 'pooler_output', dim: 384 },
      postprocess: ['l2'],
      license: 'Apache-2.0 (Meta DINOv2 weights)',
      source: 'facebook/dinov2-small (Dinov2Model, CLS token after the final layer norm), exported to ONNX',
    },
  },
];

/**
 * The catalog as this computer downloads it: with LOOKALIKE_MODEL_MIRROR set (an organisation's
 * own copy of the files, an air-gapped network's file server), each download comes from
 * `<mirror>/<the file's name>` instead of its public address. The pinned sha256 still decides
 * whether a file is accepted, so a mirror can only serve the very same files.
 */
export function catalogForEnvironment(env: NodeJS.ProcessEnv = process.env): readonly CatalogEntry[] {
  const mirror = env.LOOKALIKE_MODEL_MIRROR?.trim();
  if (!mirror) return modelCatalog;
  let base: URL;
  try {
    base = new URL(mirror.endsWith('/') ? mirror : `${mirror}/`);
  } catch {
    throw new Error(`LOOKALIKE_MODEL_MIRROR is not a URL: ${mirror}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`LOOKALIKE_MODEL_MIRROR must be an http or https URL: ${mirror}`);
  }
  return modelCatalog.map((entry) => {
    if (entry.kind !== 'download') return entry;
    const name = new URL(entry.download.url).pathname.split('/').pop()!;
    return { ...entry, download: { ...entry.download, url: new URL(name, base).href } };
  });
}
