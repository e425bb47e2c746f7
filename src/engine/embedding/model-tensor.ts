import type { ModelManifest } from './model-manifest.ts';

/** Packs decoded RGB images (HWC, 8-bit, the model's size) into one input tensor's data. */
export function packInputSync(
  images: readonly Uint8Array[],
  input: ModelManifest['input'],
): Float32Array | Uint8Array {
  const [w, h] = input.size;
  const plane = w * h;
  if (input.dtype === 'uint8') {
    if (input.layout === 'nhwc') {
      const out = new Uint8Array(images.length * plane * 3);
      images.forEach((img, b) => out.set(img, b * plane * 3));
      return out;
    }
    const out = new Uint8Array(images.length * plane * 3);
    images.forEach((img, b) => {
      const base = b * plane * 3;
      for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[base + c * plane + p] = img[p * 3 + c]!;
    });
    return out;
  }
  const out = new Float32Array(images.length * plane * 3);
  const scale = input.std.map((s) => 1 / s) as [number, number, number];
  const [m0, m1, m2] = input.mean;
  const [s0, s1, s2] = scale;
  images.forEach((img, b) => {
    if (img.length !== plane * 3)
      throw new Error(`image buffer has ${img.length} bytes, expected ${plane * 3}`);
    const base = b * plane * 3;
    if (input.layout === 'nchw') {
      for (let p = 0, q = 0; p < plane; p++, q += 3) {
        out[base + p] = (img[q]! - m0) * s0;
        out[base + plane + p] = (img[q + 1]! - m1) * s1;
        out[base + 2 * plane + p] = (img[q + 2]! - m2) * s2;
      }
    } else {
      for (let q = 0; q < plane * 3; q += 3) {
        out[base + q] = (img[q]! - m0) * s0;
        out[base + q + 1] = (img[q + 1]! - m1) * s1;
        out[base + q + 2] = (img[q + 2]! - m2) * s2;
      }
    }
  });
  return out;
}

/** Splits the model's [batch, dim] output into one post-processed vector per image. */
export function unpackOutputSync(data: Float32Array, batch: number, manifest: ModelManifest): Float32Array[] {
  const dim = manifest.output.dim;
  if (data.length !== batch * dim)
    throw new Error(`model returned ${data.length} values, expected ${batch}×${dim}`);
  const rows: Float32Array[] = [];
  for (let b = 0; b < batch; b++) {
    const v = data.slice(b * dim, (b + 1) * dim);
    for (const step of manifest.postprocess) {
      switch (step) {
        case 'signed-sqrt':
          // Power normalisation: tames the few bursty activations that dominate pooled features.
          for (let i = 0; i < dim; i++) v[i] = Math.sign(v[i]!) * Math.sqrt(Math.abs(v[i]!));
          break;
        case 'l2': {
          let n = 0;
          for (let i = 0; i < dim; i++) n += v[i]! * v[i]!;
          const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
          for (let i = 0; i < dim; i++) v[i] = v[i]! * inv;
          break;
        }
        default:
          assertNever(step);
      }
    }
    rows.push(v);
  }
  return rows;
}

function assertNever(x: never): never {
  throw new Error(`unknown post-processing step ${String(x)}`);
}
