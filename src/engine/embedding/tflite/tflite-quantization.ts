import { corrupt, unsupported } from './tflite-model-error.ts';
import type { TfliteTensor } from './tflite-reader.ts';
import { TensorType, tensorTypeName } from './tflite-schema.ts';

/** One scale and zero point for a whole tensor (activations). */
export interface TensorQuant {
  scale: number;
  zeroPoint: number;
}

/** A constant's quantization, one entry per output channel when per-channel. */
export interface ChannelQuant {
  scales: number[];
  zeroPoints: number[];
  perChannel: boolean;
}

/** An activation (or the model input): uint8 with a single scale and zero point. */
export function activationQuant(tensor: TfliteTensor, where: string): TensorQuant {
  if (tensor.type !== TensorType.UINT8) {
    throw unsupported(
      `${where}: tensor "${tensor.name}" is ${tensorTypeName(tensor.type)}; only uint8-quantized models are supported`,
    );
  }
  const q = tensor.quantization;
  const scale = q?.scale[0];
  const zeroPoint = q?.zeroPoint[0] ?? 0;
  if (q === undefined || scale === undefined || !(scale > 0) || !Number.isFinite(scale)) {
    throw unsupported(`${where}: tensor "${tensor.name}" has no quantization scale`);
  }
  if (q.scale.length !== 1) throw unsupported(`${where}: tensor "${tensor.name}" is quantized per channel`);
  if (!Number.isInteger(zeroPoint) || zeroPoint < 0 || zeroPoint > 255) {
    throw unsupported(`${where}: tensor "${tensor.name}" has zero point ${zeroPoint}, outside uint8`);
  }
  return { scale, zeroPoint };
}

/** A uint8 weight tensor's quantization along `channelAxis` (TensorFlow Lite's own layout). */
export function weightQuant(
  tensor: TfliteTensor,
  channels: number,
  channelAxis: number,
  where: string,
): ChannelQuant {
  if (tensor.type !== TensorType.UINT8) {
    throw unsupported(
      `${where}: weights "${tensor.name}" are ${tensorTypeName(tensor.type)}; only uint8-quantized models are supported`,
    );
  }
  if (tensor.data === undefined) throw unsupported(`${where}: weights "${tensor.name}" are not constant`);
  const q = tensor.quantization;
  if (q === undefined || q.scale.length === 0)
    throw unsupported(`${where}: weights "${tensor.name}" are not quantized`);
  const perChannel = q.scale.length > 1;
  if (perChannel) {
    if (q.scale.length !== channels || q.zeroPoint.length !== channels) {
      throw unsupported(
        `${where}: weights "${tensor.name}" have ${q.scale.length} scales for ${channels} output channels`,
      );
    }
    if (q.quantizedDimension !== channelAxis) {
      throw unsupported(
        `${where}: weights "${tensor.name}" are quantized along axis ${q.quantizedDimension}, not the output channels`,
      );
    }
  }
  const scales = Array.from({ length: channels }, (_, c) => q.scale[perChannel ? c : 0]!);
  const zeroPoints = Array.from({ length: channels }, (_, c) => q.zeroPoint[perChannel ? c : 0] ?? 0);
  for (const s of scales)
    if (!(s > 0) || !Number.isFinite(s)) throw unsupported(`${where}: a weight scale is ${s}`);
  for (const z of zeroPoints) {
    if (!Number.isInteger(z) || z < 0 || z > 255) throw unsupported(`${where}: a weight zero point is ${z}`);
  }
  return { scales, zeroPoints, perChannel };
}

/** A bias: int32 with scale input_scale × weight_scale (per channel) and zero point 0. */
export function biasValues(tensor: TfliteTensor | undefined, channels: number, where: string): Int32Array {
  if (tensor === undefined) return new Int32Array(channels);
  if (tensor.type !== TensorType.INT32) {
    throw unsupported(`${where}: bias "${tensor.name}" is ${tensorTypeName(tensor.type)}, expected int32`);
  }
  const values = int32Data(tensor, where);
  if (values.length !== channels) {
    throw unsupported(`${where}: bias "${tensor.name}" has ${values.length} values for ${channels} channels`);
  }
  return values;
}

/** A constant int32 tensor's values (little-endian, whatever the host). */
function int32Data(tensor: TfliteTensor, where: string): Int32Array {
  const data = tensor.data;
  if (data === undefined) throw unsupported(`${where}: "${tensor.name}" is not constant`);
  if (data.length % 4 !== 0) throw unsupported(`${where}: "${tensor.name}" has ${data.length} bytes`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return Int32Array.from({ length: data.length / 4 }, (_, i) => view.getInt32(i * 4, true));
}

/** Checks that a constant holds exactly as many bytes as its shape says. */
export function expectSize(tensor: TfliteTensor, bytesPerValue: number, where: string): void {
  const count = tensor.shape.reduce((a, b) => a * b, 1);
  if ((tensor.data?.length ?? 0) !== count * bytesPerValue) {
    throw corrupt(
      `${where}: "${tensor.name}" holds ${tensor.data?.length ?? 0} bytes for shape [${tensor.shape}]`,
    );
  }
}
