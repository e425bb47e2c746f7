import { operatorsComputing } from './tflite-cut-point.ts';
import {
  multiplyByQuantizedMultiplier,
  quantizeMultiplier,
  roundHalfAway,
  type QuantizedMultiplier,
} from './tflite-fixed-point.ts';
import { convWindow, poolWindow, windowGeometry, type WindowGeometry } from './tflite-geometry.ts';
import { unsupported } from './tflite-model-error.ts';
import { activationQuant, biasValues, weightQuant, type TensorQuant } from './tflite-quantization.ts';
import type {
  Activation,
  TfliteModel,
  TfliteOperator,
  TfliteOptions,
  TfliteTensor,
} from './tflite-reader.ts';

/**
 * Runs a uint8 TensorFlow Lite model the way TensorFlow Lite's reference kernels do: int32
 * accumulation of offset-corrected uint8 products, fixed-point requantization, the same rounding
 * and clamping. It is slow (plain loops) and exists to check the ONNX conversion against the
 * model's own arithmetic, not to serve as an embedder.
 *
 * `image` is one input in the model's layout (NHWC uint8, batch 1); `known` tensors are taken as
 * given instead of computed (to check one operator at a time). Returns the uint8 contents of
 * `tensor`.
 */
export function runTfliteReference(
  model: TfliteModel,
  tensor: number,
  image: Uint8Array,
  known: ReadonlyMap<number, Uint8Array> = new Map(),
): Uint8Array {
  const values = new Map<number, Uint8Array>(known);
  const input = model.tensors[model.inputs[0]!]!;
  activationQuant(input, 'the model input');
  if (image.length !== size(input)) {
    throw new Error(
      `the input has ${image.length} values, the model expects ${size(input)} ([${input.shape}])`,
    );
  }
  values.set(input.index, image);
  const get = (i: number | undefined): Uint8Array => {
    const v = i === undefined ? undefined : values.get(i);
    if (v === undefined) throw new Error(`tensor ${i} has not been computed`);
    return v;
  };
  for (const op of operatorsComputing(model, tensor, new Set(known.keys()))) {
    const where = `operator ${op.index} (${op.opName})`;
    const out = model.tensors[op.outputs[0]!]!;
    const t = (i: number | undefined): TfliteTensor => model.tensors[i!]!;
    const o = op.options;
    switch (o.kind) {
      case 'conv':
      case 'depthwise':
        values.set(
          out.index,
          conv(model, op, o, t(op.inputs[0]), get(op.inputs[0]), t(op.inputs[1]), out, where),
        );
        break;
      case 'add':
        values.set(
          out.index,
          add(o, t(op.inputs[0]), get(op.inputs[0]), t(op.inputs[1]), get(op.inputs[1]), out, where),
        );
        break;
      case 'pool':
        values.set(out.index, averagePool(o, t(op.inputs[0]), get(op.inputs[0]), out, where));
        break;
      case 'reshape': {
        const x = get(op.inputs[0]);
        const xq = activationQuant(t(op.inputs[0]), where);
        const oq = activationQuant(out, where);
        if (xq.scale !== oq.scale || xq.zeroPoint !== oq.zeroPoint)
          throw unsupported(`${where}: requantizing reshape`);
        values.set(out.index, x);
        break;
      }
      default:
        throw unsupported(`${where} is not implemented by the reference interpreter`);
    }
  }
  return get(tensor);
}

/** Real values of a uint8 tensor. */
export function dequantize(values: Uint8Array, q: TensorQuant): Float32Array {
  return Float32Array.from(values, (v) => (v - q.zeroPoint) * q.scale);
}

function size(t: TfliteTensor): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

/** tflite::CalculateActivationRangeQuantized for uint8 outputs. */
function activationRange(activation: Activation, q: TensorQuant, where: string): [number, number] {
  const quantize = (f: number): number => q.zeroPoint + roundHalfAway(Math.fround(f / q.scale));
  switch (activation) {
    case 'none':
      return [0, 255];
    case 'relu':
      return [Math.max(0, quantize(0)), 255];
    case 'relu6':
      return [Math.max(0, quantize(0)), Math.min(255, quantize(6))];
    case 'relu-n1-to-1':
      return [Math.max(0, quantize(-1)), Math.min(255, quantize(1))];
    default:
      throw unsupported(`${where}: fused activation ${activation} has no uint8 reference kernel`);
  }
}

function conv(
  model: TfliteModel,
  op: TfliteOperator,
  options: Extract<TfliteOptions, { kind: 'conv' | 'depthwise' }>,
  xt: TfliteTensor,
  x: Uint8Array,
  wt: TfliteTensor,
  out: TfliteTensor,
  where: string,
): Uint8Array {
  const depthwise = options.kind === 'depthwise';
  const c = options.conv;
  const [, inH, inW, cin] = xt.shape as [number, number, number, number];
  const [w0, kh, kw, w3] = wt.shape as [number, number, number, number];
  const cout = depthwise ? w3 : w0;
  const xq = activationQuant(xt, where);
  const oq = activationQuant(out, where);
  const wq = weightQuant(wt, cout, depthwise ? 3 : 0, where);
  const biasIndex = op.inputs[2];
  const bias = biasValues(
    biasIndex === undefined || biasIndex < 0 ? undefined : model.tensors[biasIndex],
    cout,
    where,
  );
  // Per output channel: input_scale × filter_scale / output_scale, in double, as TensorFlow Lite's
  // Prepare computes it.
  const multipliers: QuantizedMultiplier[] = wq.scales.map((s) =>
    quantizeMultiplier((xq.scale * s) / oq.scale),
  );
  const [lo, hi] = activationRange(c.activation, oq, where);
  const g: WindowGeometry = windowGeometry(inH, inW, convWindow(c, kh, kw));
  const xs = Int32Array.from(x, (v) => v - xq.zeroPoint);
  const wdata = wt.data!;
  const ws = new Int32Array(wdata.length);
  const per = wdata.length / cout;
  if (depthwise) for (let i = 0; i < wdata.length; i++) ws[i] = wdata[i]! - wq.zeroPoints[i % cout]!;
  else for (let i = 0; i < wdata.length; i++) ws[i] = wdata[i]! - wq.zeroPoints[Math.floor(i / per)]!;
  const mult = cout / cin;
  const result = new Uint8Array(g.outH * g.outW * cout);
  for (let oy = 0; oy < g.outH; oy++) {
    const y0 = oy * c.strideH - g.padTop;
    for (let ox = 0; ox < g.outW; ox++) {
      const x0 = ox * c.strideW - g.padLeft;
      const base = (oy * g.outW + ox) * cout;
      for (let oc = 0; oc < cout; oc++) {
        let acc = 0;
        const ic0 = depthwise ? Math.floor(oc / mult) : 0;
        for (let fy = 0; fy < kh; fy++) {
          const iy = y0 + fy * c.dilationH;
          if (iy < 0 || iy >= inH) continue;
          for (let fx = 0; fx < kw; fx++) {
            const ix = x0 + fx * c.dilationW;
            if (ix < 0 || ix >= inW) continue;
            const xBase = (iy * inW + ix) * cin;
            if (depthwise) {
              acc += ws[(fy * kw + fx) * cout + oc]! * xs[xBase + ic0]!;
            } else {
              const wBase = ((oc * kh + fy) * kw + fx) * cin;
              for (let ic = 0; ic < cin; ic++) acc += ws[wBase + ic]! * xs[xBase + ic]!;
            }
          }
        }
        acc += bias[oc]!;
        const v = multiplyByQuantizedMultiplier(acc, multipliers[oc]!) + oq.zeroPoint;
        result[base + oc] = Math.min(hi, Math.max(lo, v));
      }
    }
  }
  return result;
}

/** tflite reference_ops::Add for uint8 (both inputs rescaled to a shared 2^20 fixed-point grid). */
function add(
  o: Extract<TfliteOptions, { kind: 'add' }>,
  at: TfliteTensor,
  a: Uint8Array,
  bt: TfliteTensor,
  b: Uint8Array,
  out: TfliteTensor,
  where: string,
): Uint8Array {
  if (a.length !== b.length) throw unsupported(`${where}: broadcasting is not implemented`);
  const aq = activationQuant(at, where);
  const bq = activationQuant(bt, where);
  const oq = activationQuant(out, where);
  const leftShift = 20;
  const twiceMax = 2 * Math.max(aq.scale, bq.scale);
  const am = quantizeMultiplier(aq.scale / twiceMax);
  const bm = quantizeMultiplier(bq.scale / twiceMax);
  const om = quantizeMultiplier(twiceMax / (2 ** leftShift * oq.scale));
  const [lo, hi] = activationRange(o.activation, oq, where);
  const result = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const sa = multiplyByQuantizedMultiplier((a[i]! - aq.zeroPoint) * 2 ** leftShift, am);
    const sb = multiplyByQuantizedMultiplier((b[i]! - bq.zeroPoint) * 2 ** leftShift, bm);
    const v = multiplyByQuantizedMultiplier(sa + sb, om) + oq.zeroPoint;
    result[i] = Math.min(hi, Math.max(lo, v));
  }
  return result;
}

/** tflite reference_ops::AveragePool for uint8: padded cells are not counted; rounded integer mean. */
function averagePool(
  o: Extract<TfliteOptions, { kind: 'pool' }>,
  xt: TfliteTensor,
  x: Uint8Array,
  out: TfliteTensor,
  where: string,
): Uint8Array {
  const [, inH, inW, ch] = xt.shape as [number, number, number, number];
  const oq = activationQuant(out, where);
  const [lo, hi] = activationRange(o.activation, oq, where);
  const g = windowGeometry(inH, inW, poolWindow(o));
  const result = new Uint8Array(g.outH * g.outW * ch);
  for (let oy = 0; oy < g.outH; oy++) {
    const y0 = oy * o.strideH - g.padTop;
    const fy0 = Math.max(0, -y0);
    const fy1 = Math.min(o.filterH, inH - y0);
    for (let ox = 0; ox < g.outW; ox++) {
      const x0 = ox * o.strideW - g.padLeft;
      const fx0 = Math.max(0, -x0);
      const fx1 = Math.min(o.filterW, inW - x0);
      const count = (fy1 - fy0) * (fx1 - fx0);
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let fy = fy0; fy < fy1; fy++) {
          for (let fx = fx0; fx < fx1; fx++) acc += x[((y0 + fy) * inW + (x0 + fx)) * ch + c]!;
        }
        const mean = Math.floor((acc + Math.floor(count / 2)) / count);
        result[(oy * g.outW + ox) * ch + c] = Math.min(hi, Math.max(lo, mean));
      }
    }
  }
  return result;
}
