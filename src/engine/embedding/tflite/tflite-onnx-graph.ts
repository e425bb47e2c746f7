import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import {
  addNode,
  attrInt,
  attrInts,
  floatInitializer,
  floatScalar,
  initializer,
  int64Constant,
  valueInfo,
  type Graph,
} from '../keras-to-onnx.ts';
import type { CutPoint } from './tflite-cut-point.ts';
import { convWindow, poolWindow, windowGeometry, type WindowSpec } from './tflite-geometry.ts';
import { unsupported } from './tflite-model-error.ts';
import {
  activationQuant,
  biasValues,
  expectSize,
  weightQuant,
  type ChannelQuant,
  type TensorQuant,
} from './tflite-quantization.ts';
import type {
  Activation,
  TfliteModel,
  TfliteOperator,
  TfliteOptions,
  TfliteTensor,
} from './tflite-reader.ts';

const { onnx } = onnxProto;
const UINT8 = onnx.TensorProto.DataType.UINT8;
const INT32 = onnx.TensorProto.DataType.INT32;

/**
 * float: weights dequantized to float32, activations kept in float and clamped to the range their
 * uint8 tensor holds (no rounding between layers).
 * qdq: weights stored as uint8 with DequantizeLinear, and every activation rounded to its uint8
 * grid with QuantizeLinear → DequantizeLinear, as TensorFlow Lite does between layers;
 * onnxruntime fuses those patterns into its integer kernels.
 */
export type QuantizationMode = 'float' | 'qdq';

/** A TensorFlow Lite tensor as it exists in the ONNX graph. */
interface Value {
  name: string;
  /** nchw: a 4-D activation transposed for ONNX; tflite: TensorFlow Lite's own order (any rank). */
  layout: 'nchw' | 'tflite';
}

export interface EmittedGraph {
  graph: Graph;
  input: OnnxTypes.IValueInfoProto;
  output: OnnxTypes.IValueInfoProto;
  /** Input [height, width] in pixels. */
  inputSize: [number, number];
  inputQuant: TensorQuant;
  dim: number;
  perChannel: boolean;
}

/** Operators converted on the way to the features; the classifier (and a SOFTMAX) after them is left out. */
const SUPPORTED_OPERATORS = ['CONV_2D', 'DEPTHWISE_CONV_2D', 'ADD', 'AVERAGE_POOL_2D', 'RESHAPE'];

/** Builds the ONNX graph computing the cut tensor from an NCHW float32 image. */
export function emitFeatureExtractor(
  model: TfliteModel,
  cut: CutPoint,
  opts: { mode: QuantizationMode; inputName: string; outputName: string; batchDim: string },
): EmittedGraph {
  const graph: Graph = { nodes: [], initializers: [], names: new Set(), constants: new Map() };
  const values = new Map<number, Value>();
  const tensorOf = (i: number | undefined, where: string): TfliteTensor => {
    const t = i === undefined || i < 0 ? undefined : model.tensors[i];
    if (t === undefined) throw unsupported(`${where}: a required input is missing`);
    return t;
  };
  const valueOf = (i: number | undefined, where: string): Value => {
    const v = i === undefined ? undefined : values.get(i);
    if (v === undefined) throw unsupported(`${where}: input ${i} is not computed by a supported operator`);
    return v;
  };

  if (model.inputs.length !== 1)
    throw unsupported(`The model has ${model.inputs.length} inputs; one image input is needed`);
  const inputTensor = tensorOf(model.inputs[0], 'the model input');
  const inputQuant = activationQuant(inputTensor, 'the model input');
  const [n, h, w, c] = inputTensor.shape;
  if (inputTensor.shape.length !== 4 || n !== 1 || c !== 3 || !(h! > 0 && w! > 0)) {
    throw unsupported(
      `The model input has shape [${inputTensor.shape}]; an RGB image [1, height, width, 3] is needed`,
    );
  }
  graph.names.add(opts.inputName);
  const input = valueInfo(opts.inputName, [opts.batchDim, 3, h!, w!]);
  values.set(inputTensor.index, {
    name: opts.mode === 'qdq' ? fakeQuant(graph, opts.inputName, inputQuant, 'input') : opts.inputName,
    layout: 'nchw',
  });

  let perChannel = false;
  for (const op of cut.path) {
    const where = `operator ${op.index} (${op.opName})`;
    const out = tensorOf(op.outputs[0], where);
    const tag = `op${op.index}`;
    const finish = (name: string, activation: Activation, layout: Value['layout'] = 'nchw'): void => {
      const q = activationQuant(out, where);
      const stored =
        opts.mode === 'qdq'
          ? fakeQuant(graph, applyActivation(graph, name, activation, tag, where), q, `t${out.index}`)
          : clampToStoredRange(graph, name, activation, q, tag, where);
      values.set(out.index, { name: stored, layout });
    };
    const o = op.options;
    switch (o.kind) {
      case 'conv':
      case 'depthwise': {
        const x = tensorOf(op.inputs[0], where);
        const xv = nchw(valueOf(op.inputs[0], where), where);
        const conv = emitConv(
          graph,
          op,
          o,
          x,
          xv.name,
          tensorOf(op.inputs[1], where),
          op.inputs[2],
          model,
          out,
          opts.mode,
        );
        perChannel ||= conv.perChannel;
        finish(conv.name, o.conv.activation);
        break;
      }
      case 'add': {
        const a = tensorOf(op.inputs[0], where);
        const b = tensorOf(op.inputs[1], where);
        if (a.shape.join() !== b.shape.join() || a.shape.join() !== out.shape.join()) {
          throw unsupported(
            `${where}: adding shapes [${a.shape}] and [${b.shape}] (broadcasting) is not supported`,
          );
        }
        const av = valueOf(a.index, where);
        const bv = valueOf(b.index, where);
        if (av.layout !== bv.layout) throw unsupported(`${where}: inputs in different layouts`);
        const sum = addNode(graph, 'Add', tag, [av.name, bv.name], tag);
        finish(sum, o.activation, av.layout);
        break;
      }
      case 'pool': {
        const x = tensorOf(op.inputs[0], where);
        const xq = activationQuant(x, where);
        const oq = activationQuant(out, where);
        if (xq.scale !== oq.scale || xq.zeroPoint !== oq.zeroPoint) {
          throw unsupported(`${where}: input and output are quantized differently`);
        }
        const spec = poolWindow(o);
        const g = checkedGeometry(x, out, spec, x.shape[3]!, where);
        // count_include_pad = 0 (the default): padded cells are left out of the average, as in TensorFlow Lite.
        const pooled = addNode(graph, 'AveragePool', tag, [nchw(valueOf(x.index, where), where).name], tag, [
          attrInts('kernel_shape', [o.filterH, o.filterW]),
          attrInts('pads', [g.padTop, g.padLeft, g.padBottom, g.padRight]),
          attrInts('strides', [o.strideH, o.strideW]),
        ]);
        finish(pooled, o.activation);
        break;
      }
      case 'reshape': {
        const x = tensorOf(op.inputs[0], where);
        let xv = valueOf(x.index, where);
        if (out.shape[0] !== 1 || x.shape[0] !== 1)
          throw unsupported(`${where}: reshaping the batch dimension`);
        const xq = activationQuant(x, where);
        const oq = activationQuant(out, where);
        // The reference interpreter has no requantizing reshape either, so it could not be checked.
        if (xq.scale !== oq.scale || xq.zeroPoint !== oq.zeroPoint)
          throw unsupported(`${where}: requantizing reshape`);
        if (xv.layout === 'nchw') {
          xv = {
            name: addNode(graph, 'Transpose', `${tag}/to_nhwc`, [xv.name], `${tag}/to_nhwc`, [
              attrInts('perm', [0, 2, 3, 1]),
            ]),
            layout: 'tflite',
          };
        }
        const shape = int64Constant(graph, `${tag}/shape`, [-1, ...out.shape.slice(1)]);
        let y = addNode(graph, 'Reshape', tag, [xv.name, shape], tag);
        const layout: Value['layout'] = out.shape.length === 4 ? 'nchw' : 'tflite';
        if (layout === 'nchw') {
          y = addNode(graph, 'Transpose', `${tag}/to_nchw`, [y], `${tag}/to_nchw`, [
            attrInts('perm', [0, 3, 1, 2]),
          ]);
        }
        values.set(out.index, { name: y, layout });
        break;
      }
      default:
        throw unsupported(
          `${where} is not supported; the converter handles ${SUPPORTED_OPERATORS.join(', ')} before the features`,
        );
    }
  }

  const cutTensor = tensorOf(cut.tensor, 'the features');
  const features = valueOf(cut.tensor, 'the features');
  const spatial = cutTensor.shape.length === 4 ? cutTensor.shape[1]! * cutTensor.shape[2]! : 1;
  if (spatial !== 1) {
    throw unsupported(
      `The pooled features "${cutTensor.name}" are [${cutTensor.shape}], not one vector per image`,
    );
  }
  const dim = cutTensor.shape.slice(1).reduce((a, b) => a * b, 1);
  addNode(graph, 'Flatten', 'embedding_flatten', [features.name], opts.outputName, [attrInt('axis', 1)]);
  return {
    graph,
    input,
    output: valueInfo(opts.outputName, [opts.batchDim, dim]),
    inputSize: [h!, w!],
    inputQuant,
    dim,
    perChannel,
  };
}

function nchw(v: Value, where: string): Value {
  if (v.layout !== 'nchw') throw unsupported(`${where}: expects an image-shaped (4-D) input`);
  return v;
}

function checkedGeometry(
  x: TfliteTensor,
  out: TfliteTensor,
  spec: WindowSpec,
  channels: number,
  where: string,
) {
  if (x.shape.length !== 4 || out.shape.length !== 4) throw unsupported(`${where}: expects 4-D tensors`);
  const g = windowGeometry(x.shape[1]!, x.shape[2]!, spec);
  const expected = [1, g.outH, g.outW, channels].join();
  if (out.shape.join() !== expected) {
    throw unsupported(`${where}: output shape [${out.shape}] does not follow from the input [${x.shape}]`);
  }
  return g;
}

function emitConv(
  graph: Graph,
  op: TfliteOperator,
  options: Extract<TfliteOptions, { kind: 'conv' | 'depthwise' }>,
  x: TfliteTensor,
  xName: string,
  weights: TfliteTensor,
  biasIndex: number | undefined,
  model: TfliteModel,
  out: TfliteTensor,
  mode: QuantizationMode,
): { name: string; perChannel: boolean } {
  const where = `operator ${op.index} (${op.opName})`;
  const tag = `op${op.index}`;
  const depthwise = options.kind === 'depthwise';
  const xq = activationQuant(x, where);
  // finish() checks it too, but only after the weights: this keeps a non-uint8 output the reason given.
  activationQuant(out, where);
  const cin = x.shape[3]!;
  if (weights.shape.length !== 4) throw unsupported(`${where}: weights of shape [${weights.shape}]`);
  // TensorFlow Lite: conv [out, kh, kw, in]; depthwise [1, kh, kw, in × multiplier].
  const [w0, kh, kw, w3] = weights.shape as [number, number, number, number];
  const cout = depthwise ? w3 : w0;
  if (depthwise ? w0 !== 1 || cout % cin !== 0 : w3 !== cin) {
    throw unsupported(`${where}: weights [${weights.shape}] do not fit an input with ${cin} channels`);
  }
  expectSize(weights, 1, where);
  const q = weightQuant(weights, cout, depthwise ? 3 : 0, where);
  const bias = biasValues(
    biasIndex === undefined || biasIndex < 0 ? undefined : model.tensors[biasIndex],
    cout,
    where,
  );
  const c = options.conv;
  const g = checkedGeometry(x, out, convWindow(c, kh, kw), cout, where);

  const perIn = depthwise ? 1 : cin;
  const onnxWeights = new Uint8Array(cout * perIn * kh * kw);
  const src = weights.data!;
  for (let o = 0; o < cout; o++) {
    for (let y = 0; y < kh; y++) {
      for (let xx = 0; xx < kw; xx++) {
        for (let i = 0; i < perIn; i++) {
          const from = depthwise ? (y * kw + xx) * cout + o : ((o * kh + y) * kw + xx) * cin + i;
          onnxWeights[((o * perIn + i) * kh + y) * kw + xx] = src[from]!;
        }
      }
    }
  }
  const dims = [cout, perIn, kh, kw];
  const biasScales = q.scales.map((s) => Math.fround(xq.scale * s));
  let weightName: string;
  let biasName: string;
  if (mode === 'qdq') {
    weightName = dequantizeConstant(graph, `${tag}/weights`, dims, onnxWeights, UINT8, q);
    biasName = dequantizeConstant(graph, `${tag}/bias`, [cout], bias, INT32, {
      scales: biasScales,
      zeroPoints: new Array<number>(cout).fill(0),
      perChannel: q.perChannel,
    });
  } else {
    const wf = new Float32Array(onnxWeights.length);
    const per = perIn * kh * kw;
    for (let o = 0; o < cout; o++) {
      const s = q.scales[o]!;
      const z = q.zeroPoints[o]!;
      for (let k = o * per; k < (o + 1) * per; k++) wf[k] = (onnxWeights[k]! - z) * s;
    }
    weightName = floatInitializer(graph, `${tag}/weights`, dims, wf);
    biasName = floatInitializer(
      graph,
      `${tag}/bias`,
      [cout],
      Float32Array.from(bias, (b, o) => b * biasScales[o]!),
    );
  }
  const name = addNode(graph, 'Conv', tag, [xName, weightName, biasName], tag, [
    attrInts('dilations', [c.dilationH, c.dilationW]),
    attrInt('group', depthwise ? cin : 1),
    attrInts('kernel_shape', [kh, kw]),
    attrInts('pads', [g.padTop, g.padLeft, g.padBottom, g.padRight]),
    attrInts('strides', [c.strideH, c.strideW]),
  ]);
  return { name, perChannel: q.perChannel };
}

/** A quantized constant plus the DequantizeLinear that turns it into float (per-axis when per-channel). */
function dequantizeConstant(
  graph: Graph,
  name: string,
  dims: number[],
  values: Uint8Array | Int32Array,
  dataType: number,
  q: ChannelQuant,
): string {
  const raw = values instanceof Uint8Array ? values : int32Bytes(values);
  initializer(graph, { name: `${name}/q`, dims, dataType, rawData: raw });
  const n = q.perChannel ? q.scales.length : 1;
  const scaleDims = q.perChannel ? [n] : [];
  const scale = floatInitializer(graph, `${name}/scale`, scaleDims, Float32Array.from(q.scales.slice(0, n)));
  const zp = initializer(graph, {
    name: `${name}/zero_point`,
    dims: scaleDims,
    dataType,
    rawData:
      dataType === UINT8
        ? Uint8Array.from(q.zeroPoints.slice(0, n))
        : int32Bytes(Int32Array.from(q.zeroPoints.slice(0, n))),
  });
  return addNode(
    graph,
    'DequantizeLinear',
    `${name}/dequantize`,
    [`${name}/q`, scale, zp],
    name,
    q.perChannel ? [attrInt('axis', 0)] : [],
  );
}

function int32Bytes(values: Int32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, v, true));
  return bytes;
}

/** Rounds a float activation to its uint8 grid and back, as storing it in uint8 would. */
function fakeQuant(graph: Graph, x: string, q: TensorQuant, tag: string): string {
  const key = `q:${q.scale}:${q.zeroPoint}`;
  let params = graph.constants.get(key);
  if (params === undefined) {
    params = `quant_${graph.constants.size}`;
    floatInitializer(graph, `${params}/scale`, [], Float32Array.of(q.scale));
    initializer(graph, {
      name: `${params}/zero_point`,
      dims: [],
      dataType: UINT8,
      rawData: Uint8Array.of(q.zeroPoint),
    });
    graph.constants.set(key, params);
  }
  const inputs = (v: string): string[] => [v, `${params}/scale`, `${params}/zero_point`];
  const quantized = addNode(graph, 'QuantizeLinear', `${tag}/quantize`, inputs(x), `${tag}/q`);
  return addNode(graph, 'DequantizeLinear', `${tag}/dequantize`, inputs(quantized), `${tag}/dq`);
}

/**
 * Float mode keeps TensorFlow Lite's saturation: a uint8 tensor holds only
 * [(0 - zero_point) × scale, (255 - zero_point) × scale], so values outside it are clamped, in
 * the same Clip as a fused ReLU/ReLU6 (which onnxruntime then fuses into the convolution).
 */
function clampToStoredRange(
  graph: Graph,
  x: string,
  activation: Activation,
  q: TensorQuant,
  tag: string,
  where: string,
): string {
  let lo = (0 - q.zeroPoint) * q.scale;
  let hi = (255 - q.zeroPoint) * q.scale;
  let input = x;
  switch (activation) {
    case 'none':
      break;
    case 'relu':
      lo = Math.max(lo, 0);
      break;
    case 'relu6':
      lo = Math.max(lo, 0);
      hi = Math.min(hi, 6);
      break;
    case 'relu-n1-to-1':
      lo = Math.max(lo, -1);
      hi = Math.min(hi, 1);
      break;
    default:
      input = applyActivation(graph, x, activation, tag, where);
  }
  const name = `${tag}/clip`;
  return addNode(graph, 'Clip', name, [input, floatScalar(graph, lo), floatScalar(graph, hi)], name);
}

function applyActivation(
  graph: Graph,
  x: string,
  activation: Activation,
  tag: string,
  where: string,
): string {
  switch (activation) {
    case 'none':
      return x;
    case 'relu':
      return addNode(graph, 'Relu', `${tag}/relu`, [x], `${tag}/relu`);
    case 'relu6':
      return addNode(
        graph,
        'Clip',
        `${tag}/relu6`,
        [x, floatScalar(graph, 0), floatScalar(graph, 6)],
        `${tag}/relu6`,
      );
    case 'relu-n1-to-1':
      return addNode(
        graph,
        'Clip',
        `${tag}/relu_n1_to_1`,
        [x, floatScalar(graph, -1), floatScalar(graph, 1)],
        `${tag}/relu_n1_to_1`,
      );
    case 'tanh':
      return addNode(graph, 'Tanh', `${tag}/tanh`, [x], `${tag}/tanh`);
    default:
      throw unsupported(`${where}: fused activation ${activation} is not supported`);
  }
}
