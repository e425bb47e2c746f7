import type { ConvOptions, PaddingMode, TfliteOptions } from './tflite-reader.ts';

export interface WindowGeometry {
  outH: number;
  outW: number;
  /** Zero padding before and after, as TensorFlow Lite computes it (any odd pixel at the end). */
  padTop: number;
  padLeft: number;
  padBottom: number;
  padRight: number;
}

export interface WindowSpec {
  kernelH: number;
  kernelW: number;
  strideH: number;
  strideW: number;
  dilationH: number;
  dilationW: number;
  padding: PaddingMode;
}

/** The window of a pooling operator (pools have no dilation). */
export function poolWindow(o: Extract<TfliteOptions, { kind: 'pool' }>): WindowSpec {
  return {
    kernelH: o.filterH,
    kernelW: o.filterW,
    strideH: o.strideH,
    strideW: o.strideW,
    dilationH: 1,
    dilationW: 1,
    padding: o.padding,
  };
}

/** The window of a convolution with a kernelH × kernelW filter. */
export function convWindow(c: ConvOptions, kernelH: number, kernelW: number): WindowSpec {
  return {
    kernelH,
    kernelW,
    strideH: c.strideH,
    strideW: c.strideW,
    dilationH: c.dilationH,
    dilationW: c.dilationW,
    padding: c.padding,
  };
}

/** Output size and padding of a convolution or pooling window over an input of inH × inW. */
export function windowGeometry(inH: number, inW: number, spec: WindowSpec): WindowGeometry {
  const h = axis(inH, spec.kernelH, spec.strideH, spec.dilationH, spec.padding);
  const w = axis(inW, spec.kernelW, spec.strideW, spec.dilationW, spec.padding);
  return {
    outH: h.out,
    outW: w.out,
    padTop: h.before,
    padBottom: h.after,
    padLeft: w.before,
    padRight: w.after,
  };
}

function axis(
  size: number,
  kernel: number,
  stride: number,
  dilation: number,
  padding: PaddingMode,
): { out: number; before: number; after: number } {
  const effective = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { out: Math.floor((size - effective) / stride) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max(0, (out - 1) * stride + effective - size);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}
