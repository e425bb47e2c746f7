import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

// onnx-proto is CommonJS ending in `module.exports = $root`; Node's ESM loader cannot detect named
// exports through that, so `import { onnx } from 'onnx-proto'` throws at runtime. The default
// import is the whole `$root`.
const { onnx } = onnxProto;

/** `[layerName, nodeIndex, tensorIndex, kwargs]` as written by Keras 2.x model JSON. */
export type KerasInboundRef = [string, number, number, ...unknown[]];

export interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: KerasInboundRef[][];
}

export interface KerasModelTopology {
  keras_version?: string;
  backend?: string;
  model_config: {
    class_name: string;
    config: { name?: string; layers: KerasLayer[] };
  };
}

export interface KerasWeight {
  /** Keras (channels-last) shape, e.g. `[kh, kw, in, out]` for a Conv2D kernel. */
  shape: number[];
  values: Float32Array;
}

export interface KerasToOnnxOptions {
  /** Name of the layer whose output is pooled into the embedding. */
  cutLayer: string;
  /** ONNX graph input name; default `input`. */
  inputName?: string;
  /** ONNX graph output name; default `embedding`. */
  outputName?: string;
  /** Symbolic batch dimension; default `N`. */
  batchDim?: string;
  /** Fold BatchNormalization into the preceding convolution where possible; default true. */
  foldBatchNorm?: boolean;
  docString?: string;
  /** Written to ModelProto.metadata_props in the given order. */
  metadata?: ReadonlyArray<readonly [string, string]>;
}

export const ONNX_OPSET = 13;
/** IR version 8 is what onnx-proto (ONNX 1.10) describes; any runtime supporting opset 13 reads it. */
export const ONNX_IR_VERSION = 8;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

/** Spatial padding `[top, left, bottom, right]`, i.e. ONNX's `[h_begin, w_begin, h_end, w_end]`. */
type Pads = [number, number, number, number];

/** A Keras layer output as it exists in the ONNX graph: channels-first, batch dimension left out. */
interface Tensor {
  name: string;
  /** `[C, H, W]`; null where not statically known. */
  shape: [number | null, number | null, number | null];
  /** Zero padding that a foldable ZeroPadding2D deferred to the convolution consuming it. */
  pendingPads?: Pads;
}

export interface Graph {
  nodes: OnnxTypes.INodeProto[];
  initializers: OnnxTypes.ITensorProto[];
  names: Set<string>;
  constants: Map<string, string>;
}

const CONV_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D']);

/**
 * Converts the part of a Keras functional model between its input and `cutLayer`, followed by a
 * global average pool, into an ONNX model with an NCHW float32 input and an `[N, C]` output.
 * The result depends only on the arguments, so encoding it is byte-for-byte reproducible.
 */
export function kerasToOnnx(
  topology: KerasModelTopology,
  weights: ReadonlyMap<string, KerasWeight>,
  options: KerasToOnnxOptions,
): OnnxTypes.IModelProto {
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'embedding';
  const batchDim = options.batchDim ?? 'N';
  const foldBatchNorm = options.foldBatchNorm ?? true;

  const layers = collectPath(topology, options.cutLayer);
  const consumers = new Map<string, KerasLayer[]>();
  for (const layer of layers) {
    for (const ref of inboundOf(layer)) {
      const list = consumers.get(ref) ?? [];
      list.push(layer);
      consumers.set(ref, list);
    }
  }
  const soleConsumer = (name: string): KerasLayer | undefined => {
    const list = consumers.get(name);
    return list?.length === 1 ? list[0] : undefined;
  };

  const graph: Graph = { nodes: [], initializers: [], names: new Set(), constants: new Map() };
  const tensors = new Map<string, Tensor>();
  const foldedBatchNorms = new Set<string>();
  let graphInput: OnnxTypes.IValueInfoProto | undefined;

  const input = (layer: KerasLayer, index = 0): Tensor => {
    const ref = inboundOf(layer)[index];
    const tensor = ref === undefined ? undefined : tensors.get(ref);
    if (tensor === undefined) throw new Error(`${layer.name}: input ${index} is not available`);
    if (tensor.pendingPads !== undefined && !CONV_CLASSES.has(layer.class_name)) {
      throw new Error(`${layer.name}: deferred padding reached a non-convolution`);
    }
    return tensor;
  };

  for (const layer of layers) {
    const config = layer.config;
    switch (layer.class_name) {
      case 'InputLayer': {
        if (graphInput !== undefined) throw new Error('Only single-input models are supported');
        const [, h, w, c] = shape4(config['batch_input_shape'], `${layer.name}.batch_input_shape`);
        if (config['dtype'] !== undefined && config['dtype'] !== 'float32') {
          throw new Error(`${layer.name}: only float32 input is supported`);
        }
        graph.names.add(inputName);
        graphInput = valueInfo(inputName, [batchDim, c, h, w]);
        tensors.set(layer.name, { name: inputName, shape: [c, h, w] });
        break;
      }
      case 'ZeroPadding2D': {
        expectChannelsLast(layer);
        const pads = zeroPadding(config['padding'], layer.name);
        const x = input(layer);
        const next = soleConsumer(layer.name);
        const padded: Tensor['shape'] = [
          x.shape[0],
          add(x.shape[1], pads[0] + pads[2]),
          add(x.shape[2], pads[1] + pads[3]),
        ];
        if (next !== undefined && CONV_CLASSES.has(next.class_name) && next.config['padding'] === 'valid') {
          // A convolution zero-pads exactly like Pad, so the padding becomes its (asymmetric) pads.
          tensors.set(layer.name, { ...x, pendingPads: pads });
        } else {
          const [top, left, bottom, right] = pads;
          const padsInput = int64Constant(graph, `${layer.name}/pads`, [
            0,
            0,
            top,
            left,
            0,
            0,
            bottom,
            right,
          ]);
          const out = addNode(graph, 'Pad', layer.name, [x.name, padsInput], layer.name, [
            attrString('mode', 'constant'),
          ]);
          tensors.set(layer.name, { name: out, shape: padded });
        }
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D': {
        const next = soleConsumer(layer.name);
        const bn =
          foldBatchNorm && next?.class_name === 'BatchNormalization' && activationOf(layer) === 'linear'
            ? next
            : undefined;
        const out = convertConv(graph, layer, input(layer), weights, bn);
        if (bn !== undefined) foldedBatchNorms.add(bn.name);
        tensors.set(layer.name, out);
        break;
      }
      case 'BatchNormalization': {
        const x = input(layer);
        if (foldedBatchNorms.has(layer.name)) {
          tensors.set(layer.name, x);
          break;
        }
        expectChannelAxis(layer);
        const { scale, shift } = batchNormAffine(layer, weights, x.shape[0]);
        // Inference-mode BN as a per-channel affine map with mean 0 and variance 1 is exact and
        // keeps the epsilon handling in one place (batchNormAffine).
        const c = scale.length;
        const inputs = [
          x.name,
          floatInitializer(graph, `${layer.name}/scale`, [c], scale),
          floatInitializer(graph, `${layer.name}/shift`, [c], shift),
          floatInitializer(graph, `${layer.name}/zero_mean`, [c], new Float32Array(c)),
          floatInitializer(graph, `${layer.name}/unit_var`, [c], new Float32Array(c).fill(1)),
        ];
        const out = addNode(graph, 'BatchNormalization', layer.name, inputs, layer.name, [
          attrFloat('epsilon', 0),
        ]);
        tensors.set(layer.name, { name: out, shape: x.shape });
        break;
      }
      case 'ReLU': {
        const x = input(layer);
        tensors.set(layer.name, { name: relu(graph, layer, x.name), shape: x.shape });
        break;
      }
      case 'Activation': {
        const x = input(layer);
        const out = activation(graph, String(config['activation']), layer.name, x.name, layer.name);
        tensors.set(layer.name, { name: out, shape: x.shape });
        break;
      }
      case 'Add': {
        const refs = inboundOf(layer);
        if (refs.length < 2) throw new Error(`${layer.name}: Add needs at least two inputs`);
        let acc = input(layer, 0);
        for (let i = 1; i < refs.length; i++) {
          const rhs = input(layer, i);
          const last = i === refs.length - 1;
          const name = last ? layer.name : `${layer.name}/${i}`;
          acc = { name: addNode(graph, 'Add', name, [acc.name, rhs.name], name), shape: acc.shape };
        }
        tensors.set(layer.name, acc);
        break;
      }
      default:
        throw new Error(`${layer.name}: unsupported Keras layer type ${layer.class_name}`);
    }
  }

  const cut = tensors.get(options.cutLayer);
  if (graphInput === undefined || cut === undefined) {
    throw new Error(`No path from an InputLayer to ${options.cutLayer}`);
  }
  const pooled = addNode(graph, 'GlobalAveragePool', 'embedding_pool', [cut.name], 'embedding_pool');
  addNode(graph, 'Flatten', 'embedding_flatten', [pooled], outputName, [attrInt('axis', 1)]);

  return {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'lookalike-keras-to-onnx',
    producerVersion: '1',
    docString: options.docString ?? '',
    graph: {
      name: topology.model_config.config.name ?? 'keras',
      node: graph.nodes,
      initializer: graph.initializers,
      input: [graphInput],
      output: [valueInfo(outputName, [batchDim, cut.shape[0]])],
    },
    metadataProps: (options.metadata ?? []).map(([key, value]) => ({ key, value })),
  };
}

/** Serialises a model; protobufjs writes fields in declaration order, so this is deterministic. */
export function encodeOnnxModel(model: OnnxTypes.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Layers the cut layer depends on, inputs first, in a stable depth-first order. */
function collectPath(topology: KerasModelTopology, cutLayer: string): KerasLayer[] {
  const byName = new Map(topology.model_config.config.layers.map((l) => [l.name, l]));
  if (!byName.has(cutLayer)) throw new Error(`Layer ${cutLayer} is not in the model`);
  const order: KerasLayer[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    const seen = state.get(name);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new Error(`Cycle in the Keras graph at ${name}`);
    const layer = byName.get(name);
    if (layer === undefined) throw new Error(`Unknown inbound layer ${name}`);
    state.set(name, 'visiting');
    for (const ref of inboundOf(layer)) visit(ref);
    state.set(name, 'done');
    order.push(layer);
  };
  visit(cutLayer);
  return order;
}

function inboundOf(layer: KerasLayer): string[] {
  if (layer.inbound_nodes.length === 0) return [];
  // A layer called more than once (shared weights) would need one ONNX subgraph per call.
  if (layer.inbound_nodes.length !== 1) throw new Error(`${layer.name}: shared layers are not supported`);
  return (layer.inbound_nodes[0] ?? []).map(([name, nodeIndex, tensorIndex]) => {
    if (nodeIndex !== 0 || tensorIndex !== 0) {
      throw new Error(`${layer.name}: inputs from shared or multi-output layers are not supported`);
    }
    return name;
  });
}

function convertConv(
  graph: Graph,
  layer: KerasLayer,
  x: Tensor,
  weights: ReadonlyMap<string, KerasWeight>,
  bn: KerasLayer | undefined,
): Tensor {
  expectChannelsLast(layer);
  const config = layer.config;
  const depthwise = layer.class_name === 'DepthwiseConv2D';
  const [kh, kw] = pair(config['kernel_size'], `${layer.name}.kernel_size`);
  const [sh, sw] = pair(config['strides'] ?? [1, 1], `${layer.name}.strides`);
  const [dh, dw] = pair(config['dilation_rate'] ?? [1, 1], `${layer.name}.dilation_rate`);
  const kernel = weight(weights, `${layer.name}/${depthwise ? 'depthwise_kernel' : 'kernel'}`);
  const [wkh, wkw, cin, cmul] = shape4(kernel.shape, `${layer.name} kernel`);
  if (wkh !== kh || wkw !== kw || cin === null || cmul === null) {
    throw new Error(`${layer.name}: kernel shape ${kernel.shape} does not match kernel_size`);
  }
  if (x.shape[0] !== null && x.shape[0] !== cin) {
    throw new Error(`${layer.name}: kernel expects ${cin} input channels, got ${x.shape[0]}`);
  }
  const cout = depthwise ? cin * cmul : cmul;
  const w = depthwise
    ? depthwiseKernelToOnnx(kernel.values, kh, kw, cin, cmul)
    : convKernelToOnnx(kernel.values, kh, kw, cin, cmul);

  let bias: Float32Array | undefined;
  if (config['use_bias'] === true) {
    bias = weight(weights, `${layer.name}/bias`, [cout]).values;
  }
  if (bn !== undefined) {
    expectChannelAxis(bn);
    const { scale, shift } = batchNormAffine(bn, weights, cout);
    const perOut = w.length / cout;
    for (let o = 0; o < cout; o++) {
      const s = scale[o] ?? 0;
      for (let i = o * perOut; i < (o + 1) * perOut; i++) w[i] = (w[i] ?? 0) * s;
    }
    const folded = new Float32Array(cout);
    for (let o = 0; o < cout; o++) folded[o] = (bias?.[o] ?? 0) * (scale[o] ?? 0) + (shift[o] ?? 0);
    bias = folded;
  }

  const attrs = [
    attrInts('dilations', [dh, dw]),
    attrInt('group', depthwise ? cin : 1),
    attrInts('kernel_shape', [kh, kw]),
  ];
  const effH = (kh - 1) * dh + 1;
  const effW = (kw - 1) * dw + 1;
  let pads: Pads = x.pendingPads ?? [0, 0, 0, 0];
  let outH: number | null;
  let outW: number | null;
  const padding = config['padding'];
  if (padding === 'valid') {
    outH = x.shape[1] === null ? null : Math.floor((x.shape[1] + pads[0] + pads[2] - effH) / sh) + 1;
    outW = x.shape[2] === null ? null : Math.floor((x.shape[2] + pads[1] + pads[3] - effW) / sw) + 1;
    attrs.push(attrInts('pads', pads));
  } else if (padding === 'same') {
    if (x.pendingPads !== undefined)
      throw new Error(`${layer.name}: cannot combine ZeroPadding2D with 'same'`);
    const ph = samePadding(x.shape[1], sh, effH);
    const pw = samePadding(x.shape[2], sw, effW);
    if (ph === null || pw === null) {
      // Unknown spatial size with stride > 1: SAME_UPPER is TensorFlow's rule (extra pad at the end).
      attrs.push(attrString('auto_pad', 'SAME_UPPER'));
      outH = null;
      outW = null;
    } else {
      pads = [ph[0], pw[0], ph[1], pw[1]];
      attrs.push(attrInts('pads', pads));
      outH = x.shape[1] === null ? null : Math.ceil(x.shape[1] / sh);
      outW = x.shape[2] === null ? null : Math.ceil(x.shape[2] / sw);
    }
  } else {
    throw new Error(`${layer.name}: unsupported padding ${String(padding)}`);
  }
  attrs.push(attrInts('strides', [sh, sw]));

  const inputs = [
    x.name,
    floatInitializer(graph, `${layer.name}/kernel`, [cout, depthwise ? 1 : cin, kh, kw], w),
  ];
  if (bias !== undefined) inputs.push(floatInitializer(graph, `${layer.name}/bias`, [cout], bias));
  // Name the output after the BatchNormalization it absorbed, so names still match Keras layers.
  const convOut = addNode(graph, 'Conv', layer.name, inputs, bn?.name ?? layer.name, attrs);
  const out = activation(
    graph,
    activationOf(layer),
    `${layer.name}/activation`,
    convOut,
    `${layer.name}/activation`,
  );
  return { name: out, shape: [cout, outH, outW] };
}

/** Keras `[kh, kw, in, out]` → ONNX `[out, in, kh, kw]`. */
function convKernelToOnnx(k: Float32Array, kh: number, kw: number, cin: number, cout: number): Float32Array {
  const w = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < cout; o++) {
          w[((o * cin + i) * kh + y) * kw + x] = k[((y * kw + x) * cin + i) * cout + o] ?? 0;
        }
      }
    }
  }
  return w;
}

/**
 * Keras depthwise `[kh, kw, in, multiplier]` → ONNX grouped `[in * multiplier, 1, kh, kw]`;
 * TensorFlow numbers output channel `c * multiplier + m`, which is also ONNX's group layout.
 */
function depthwiseKernelToOnnx(
  k: Float32Array,
  kh: number,
  kw: number,
  cin: number,
  mult: number,
): Float32Array {
  const w = new Float32Array(k.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let c = 0; c < cin; c++) {
        for (let m = 0; m < mult; m++) {
          w[((c * mult + m) * kh + y) * kw + x] = k[((y * kw + x) * cin + c) * mult + m] ?? 0;
        }
      }
    }
  }
  return w;
}

/**
 * Inference BatchNormalization as `x * scale + shift`, computed in double precision and rounded
 * once, so folding it changes results only at float32 rounding level.
 */
function batchNormAffine(
  layer: KerasLayer,
  weights: ReadonlyMap<string, KerasWeight>,
  channels: number | null,
): { scale: Float32Array; shift: Float32Array } {
  const eps = layer.config['epsilon'];
  if (typeof eps !== 'number') throw new Error(`${layer.name}: missing epsilon`);
  const mean = weight(weights, `${layer.name}/moving_mean`).values;
  const c = mean.length;
  if (channels !== null && channels !== c) {
    throw new Error(`${layer.name}: ${c} channels in the weights, ${channels} in the graph`);
  }
  const variance = weight(weights, `${layer.name}/moving_variance`, [c]).values;
  const gamma =
    layer.config['scale'] === false ? undefined : weight(weights, `${layer.name}/gamma`, [c]).values;
  const beta =
    layer.config['center'] === false ? undefined : weight(weights, `${layer.name}/beta`, [c]).values;
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let i = 0; i < c; i++) {
    const s = (gamma?.[i] ?? 1) / Math.sqrt((variance[i] ?? 0) + eps);
    scale[i] = s;
    shift[i] = (beta?.[i] ?? 0) - (mean[i] ?? 0) * s;
  }
  return { scale, shift };
}

function relu(graph: Graph, layer: KerasLayer, x: string): string {
  const maxValue = layer.config['max_value'];
  const slope = layer.config['negative_slope'] ?? 0;
  const threshold = layer.config['threshold'] ?? 0;
  if (slope !== 0 || threshold !== 0) {
    throw new Error(`${layer.name}: ReLU with negative_slope/threshold is not supported`);
  }
  if (maxValue === null || maxValue === undefined) return addNode(graph, 'Relu', layer.name, [x], layer.name);
  if (typeof maxValue !== 'number') throw new Error(`${layer.name}: bad max_value`);
  const lo = floatScalar(graph, 0);
  const hi = floatScalar(graph, maxValue);
  return addNode(graph, 'Clip', layer.name, [x, lo, hi], layer.name);
}

function activation(graph: Graph, kind: string, nodeName: string, x: string, out: string): string {
  switch (kind) {
    case 'linear':
      return x;
    case 'relu':
      return addNode(graph, 'Relu', nodeName, [x], out);
    case 'sigmoid':
      return addNode(graph, 'Sigmoid', nodeName, [x], out);
    case 'tanh':
      return addNode(graph, 'Tanh', nodeName, [x], out);
    default:
      throw new Error(`${nodeName}: unsupported activation ${kind}`);
  }
}

function activationOf(layer: KerasLayer): string {
  const kind = layer.config['activation'];
  return typeof kind === 'string' ? kind : 'linear';
}

/** TensorFlow 'same': output ceil(in / stride), with any odd padding pixel at the end. */
function samePadding(size: number | null, stride: number, kernel: number): [number, number] | null {
  if (stride === 1) return [Math.floor((kernel - 1) / 2), Math.ceil((kernel - 1) / 2)];
  if (size === null) return null;
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function zeroPadding(value: unknown, where: string): Pads {
  if (typeof value === 'number') return [value, value, value, value];
  if (Array.isArray(value) && value.length === 2) {
    const [h, w] = value as unknown[];
    if (typeof h === 'number' && typeof w === 'number') return [h, w, h, w];
    const [top, bottom] = pair(h, where);
    const [left, right] = pair(w, where);
    return [top, left, bottom, right];
  }
  throw new Error(`${where}: unsupported padding ${JSON.stringify(value)}`);
}

function add(a: number | null, b: number): number | null {
  return a === null ? null : a + b;
}

function expectChannelsLast(layer: KerasLayer): void {
  const format = layer.config['data_format'];
  if (format !== undefined && format !== 'channels_last') {
    throw new Error(`${layer.name}: only channels_last Keras models are supported`);
  }
}

function expectChannelAxis(layer: KerasLayer): void {
  const axis = layer.config['axis'];
  if (axis !== -1 && axis !== 3)
    throw new Error(`${layer.name}: only channel-axis BatchNormalization is supported`);
}

function pair(value: unknown, where: string): [number, number] {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    return [value[0] as number, value[1] as number];
  }
  throw new Error(`${where}: expected a number or a pair, got ${JSON.stringify(value)}`);
}

type Dim = number | null;

function shape4(value: unknown, where: string): [Dim, Dim, Dim, Dim] {
  if (
    !Array.isArray(value) ||
    value.length !== 4 ||
    !value.every((v) => v === null || typeof v === 'number')
  ) {
    throw new Error(`${where}: expected a rank-4 shape, got ${JSON.stringify(value)}`);
  }
  return value as [Dim, Dim, Dim, Dim];
}

function weight(weights: ReadonlyMap<string, KerasWeight>, name: string, shape?: number[]): KerasWeight {
  const w = weights.get(name);
  if (w === undefined) throw new Error(`Missing weight ${name}`);
  if (shape !== undefined && w.shape.join(',') !== shape.join(',')) {
    throw new Error(`Weight ${name} has shape [${w.shape}], expected [${shape}]`);
  }
  const size = w.shape.reduce((a, b) => a * b, 1);
  if (w.values.length !== size)
    throw new Error(`Weight ${name} has ${w.values.length} values for shape [${w.shape}]`);
  return w;
}

export function addNode(
  graph: Graph,
  opType: string,
  name: string,
  inputs: string[],
  output: string,
  attribute: OnnxTypes.IAttributeProto[] = [],
): string {
  if (graph.names.has(output)) throw new Error(`Duplicate ONNX tensor name ${output}`);
  graph.names.add(output);
  graph.nodes.push({ name, opType, input: inputs, output: [output], attribute });
  return output;
}

export function floatInitializer(graph: Graph, name: string, dims: number[], values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  // raw_data is little-endian by spec, whatever the host.
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
  return initializer(graph, { name, dims, dataType: FLOAT, rawData: bytes });
}

export function int64Constant(graph: Graph, name: string, values: number[]): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return initializer(graph, { name, dims: [values.length], dataType: INT64, rawData: bytes });
}

/** Scalars shared by every Clip, created on first use so the initializer order stays stable. */
export function floatScalar(graph: Graph, value: number): string {
  const key = `f32:${value}`;
  const existing = graph.constants.get(key);
  if (existing !== undefined) return existing;
  const name = floatInitializer(
    graph,
    `const_${String(value).replace(/[^0-9a-z]/gi, '_')}`,
    [],
    Float32Array.of(value),
  );
  graph.constants.set(key, name);
  return name;
}

export function initializer(graph: Graph, tensor: OnnxTypes.ITensorProto): string {
  const name = tensor.name ?? '';
  if (graph.names.has(name)) throw new Error(`Duplicate ONNX tensor name ${name}`);
  graph.names.add(name);
  graph.initializers.push(tensor);
  return name;
}

export function valueInfo(name: string, dims: (string | number | null)[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : d === null ? {} : { dimValue: d })),
        },
      },
    },
  };
}

export function attrInt(name: string, i: number): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i };
}

export function attrInts(name: string, ints: number[]): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints };
}

function attrFloat(name: string, f: number): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f };
}

function attrString(name: string, s: string): OnnxTypes.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) };
}
