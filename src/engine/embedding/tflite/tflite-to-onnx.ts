import { encodeOnnxModel, ONNX_IR_VERSION, ONNX_OPSET } from '../keras-to-onnx.ts';
import type { ModelManifest } from '../model-manifest.ts';
import { findCutPoint } from './tflite-cut-point.ts';
import { emitFeatureExtractor, type QuantizationMode } from './tflite-onnx-graph.ts';
import { readTfliteModel } from './tflite-reader.ts';

export { isTfliteModel } from './tflite-reader.ts';
export { TfliteModelError } from './tflite-model-error.ts';
export type { QuantizationMode } from './tflite-onnx-graph.ts';

export interface ConvertTfliteOptions {
  /** Human-readable model name for the manifest. */
  name?: string;
  /** How quantization is carried into ONNX; see QuantizationMode. Default: DEFAULT_TFLITE_QUANTIZATION. */
  quantization?: QuantizationMode;
  postprocess?: ModelManifest['postprocess'];
  resize?: ModelManifest['input']['resize'];
  license?: string;
  source?: string;
  notes?: string;
}

/** The manifest fields the converter knows; the caller picks the id, file name and hash. */
export type ConvertedManifest = Omit<ModelManifest, 'id' | 'file' | 'sha256'>;

export interface TfliteConversionReport {
  /** [height, width] of the model input. */
  inputSize: [number, number];
  /** The tensor used as the embedding, and what produced and consumed it. */
  featuresTensor: string;
  featuresDim: number;
  pool: string;
  classifier?: string;
  /** Operators converted (on the way to the features), by name. */
  converted: Record<string, number>;
  /** Operators left out (the classifier and what follows it), by name. */
  dropped: Record<string, number>;
  perChannel: boolean;
}

export interface ConvertedTfliteModel {
  onnx: Uint8Array;
  manifest: ConvertedManifest;
  report: TfliteConversionReport;
}

/**
 * Float weights (dequantized) and float activations clamped to each tensor's uint8 range. On real
 * photos this tracks TensorFlow Lite's integer arithmetic a little more closely than rounding
 * every activation (QDQ), retrieves as well, and runs on every execution provider as plain float
 * convolutions; BENCHMARKS.md has the measurements.
 */
export const DEFAULT_TFLITE_QUANTIZATION: QuantizationMode = 'float';

/**
 * Plain L2 for pooled ImageNet features: measured better than signed square root + L2 on both
 * UKBench (same object) and Caltech-101 (same kind of thing), see BENCHMARKS.md.
 */
export const DEFAULT_TFLITE_POSTPROCESS: ModelManifest['postprocess'] = ['l2'];

/** Cover then crop the middle: measured better than stretching on both sets (BENCHMARKS.md). */
export const DEFAULT_TFLITE_RESIZE: ModelManifest['input']['resize'] = 'center-crop';

export const TFLITE_INPUT_NAME = 'input';
export const TFLITE_OUTPUT_NAME = 'embedding';

/**
 * Converts a uint8-quantized TensorFlow Lite image classifier (MobileNet family) into an ONNX
 * model that outputs its pooled penultimate features, one row per image. Throws
 * TfliteModelError (kind not-tflite, corrupt or unsupported) with a reason a person can act on.
 * The output depends only on the bytes and options, so it is reproducible byte for byte.
 */
export function convertTfliteModel(bytes: Uint8Array, opts: ConvertTfliteOptions = {}): ConvertedTfliteModel {
  const model = readTfliteModel(bytes);
  const cut = findCutPoint(model);
  const mode = opts.quantization ?? DEFAULT_TFLITE_QUANTIZATION;
  const emitted = emitFeatureExtractor(model, cut, {
    mode,
    inputName: TFLITE_INPUT_NAME,
    outputName: TFLITE_OUTPUT_NAME,
    batchDim: 'N',
  });
  const features = model.tensors[cut.tensor]!;
  const onnx = encodeOnnxModel({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'lookalike-tflite-to-onnx',
    producerVersion: '1',
    docString:
      `Pooled features ("${features.name}", ${emitted.dim}-d) of a TensorFlow Lite model` +
      (model.description ? ` (${model.description})` : '') +
      `. Input: RGB, NCHW float32, (pixel - ${emitted.inputQuant.zeroPoint}) × ${emitted.inputQuant.scale}.`,
    graph: {
      name: 'tflite-features',
      node: emitted.graph.nodes,
      initializer: emitted.graph.initializers,
      input: [emitted.input],
      output: [emitted.output],
    },
    metadataProps: [
      { key: 'source_format', value: 'tflite' },
      { key: 'features_tensor', value: features.name },
      { key: 'quantization', value: mode },
    ],
  });

  const { scale, zeroPoint } = emitted.inputQuant;
  const [height, width] = emitted.inputSize;
  // The model reads uint8 pixels p as (p - zero_point) × scale, i.e. mean = zero_point, std = 1 / scale.
  const manifest: ConvertedManifest = {
    name: opts.name ?? `TensorFlow Lite model (${emitted.dim}-d features)`,
    input: {
      name: TFLITE_INPUT_NAME,
      layout: 'nchw',
      dtype: 'float32',
      size: [width, height],
      resize: opts.resize ?? DEFAULT_TFLITE_RESIZE,
      mean: [zeroPoint, zeroPoint, zeroPoint],
      std: [1 / scale, 1 / scale, 1 / scale],
    },
    output: { name: TFLITE_OUTPUT_NAME, dim: emitted.dim },
    postprocess: opts.postprocess ?? DEFAULT_TFLITE_POSTPROCESS,
    ...(opts.license !== undefined ? { license: opts.license } : {}),
    ...(opts.source !== undefined ? { source: opts.source } : {}),
    ...(opts.notes !== undefined ? { notes: opts.notes } : {}),
  };

  const count = (ops: { opName: string }[]): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const op of ops) counts[op.opName] = (counts[op.opName] ?? 0) + 1;
    return counts;
  };
  const report: TfliteConversionReport = {
    inputSize: emitted.inputSize,
    featuresTensor: features.name,
    featuresDim: emitted.dim,
    pool: `${cut.pool.opName} (operator ${cut.pool.index})`,
    ...(cut.classifier ? { classifier: `${cut.classifier.opName} (operator ${cut.classifier.index})` } : {}),
    converted: count(cut.path),
    dropped: count(cut.dropped),
    perChannel: emitted.perChannel,
  };
  return { onnx, manifest, report };
}
