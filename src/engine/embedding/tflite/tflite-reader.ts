import { ByteBuffer } from 'flatbuffers';
import { corrupt, TfliteModelError, unsupported } from './tflite-model-error.ts';
import {
  ActivationFunctionType,
  BuiltinOperator,
  BuiltinOptionsType,
  operatorName,
  Padding,
  Slot,
  TFLITE_FILE_IDENTIFIER,
} from './tflite-schema.ts';

export type Activation = 'none' | 'relu' | 'relu-n1-to-1' | 'relu6' | 'tanh' | 'sign-bit';
export type PaddingMode = 'same' | 'valid';

export interface TfliteQuantization {
  scale: Float32Array;
  zeroPoint: number[];
  /** The axis `scale`/`zeroPoint` run along when there is more than one of each. */
  quantizedDimension: number;
}

export interface TfliteTensor {
  index: number;
  name: string;
  shape: number[];
  type: number;
  /** Constant contents (weights, biases, shapes); undefined for activations. */
  data?: Uint8Array;
  quantization?: TfliteQuantization;
}

export interface ConvOptions {
  padding: PaddingMode;
  strideW: number;
  strideH: number;
  dilationW: number;
  dilationH: number;
  activation: Activation;
}

export type TfliteOptions =
  | { kind: 'conv'; conv: ConvOptions }
  | { kind: 'depthwise'; conv: ConvOptions }
  | {
      kind: 'pool';
      padding: PaddingMode;
      strideW: number;
      strideH: number;
      filterW: number;
      filterH: number;
      activation: Activation;
    }
  | { kind: 'add'; activation: Activation }
  | { kind: 'reshape' }
  | { kind: 'none' };

export interface TfliteOperator {
  index: number;
  /** Builtin operator code (BuiltinOperator). */
  code: number;
  /** The operator's name as TensorFlow Lite spells it, for messages. */
  opName: string;
  /** Tensor indices; -1 marks an optional input left out. */
  inputs: number[];
  outputs: number[];
  options: TfliteOptions;
}

export interface TfliteModel {
  version: number;
  description: string;
  /** The first subgraph (the model's main function). */
  tensors: TfliteTensor[];
  inputs: number[];
  outputs: number[];
  operators: TfliteOperator[];
}

/** True when the bytes carry TensorFlow Lite's flatbuffer file identifier. */
export function isTfliteModel(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 4; i++) if (bytes[4 + i] !== TFLITE_FILE_IDENTIFIER.charCodeAt(i)) return false;
  return true;
}

/**
 * Reads the tables the converter needs. Every offset is checked against the file before it is
 * followed (the flatbuffers runtime itself reads past the end silently), so a truncated or
 * damaged file is refused with a reason instead of yielding garbage weights.
 */
export function readTfliteModel(bytes: Uint8Array): TfliteModel {
  if (!isTfliteModel(bytes)) {
    throw new TfliteModelError(
      'not-tflite',
      bytes.length < 8
        ? `The file is too short (${bytes.length} bytes) to be a TensorFlow Lite model`
        : 'The file is not a TensorFlow Lite model (its flatbuffer identifier is not "TFL3")',
    );
  }
  const r = new CheckedReader(bytes);
  const model = r.root();
  const version = r.uint32(model, Slot.Model.version, 0);
  if (version !== 3) {
    throw unsupported(`TensorFlow Lite schema version ${version} is not supported (3 is)`);
  }
  const buffers = r.tables(model, Slot.Model.buffers).map((b) => r.bufferData(b));
  const opcodes = r.tables(model, Slot.Model.operatorCodes).map((oc) => {
    const deprecated = r.int8(oc, Slot.OperatorCode.deprecatedBuiltinCode, 0);
    const builtin = r.int32(oc, Slot.OperatorCode.builtinCode, 0);
    // Files written before builtin_code existed only set the deprecated byte; newer ones set both,
    // with the byte pinned at 127 for codes that do not fit in it.
    const code = Math.max(deprecated, builtin);
    return { code, custom: r.string(oc, Slot.OperatorCode.customCode) };
  });
  const subgraphs = r.tables(model, Slot.Model.subgraphs);
  const main = subgraphs[0];
  if (main === undefined) throw new TfliteModelError('corrupt', 'The TensorFlow Lite model has no subgraph');

  const tensors = r.tables(main, Slot.SubGraph.tensors).map((t, index): TfliteTensor => {
    const bufferIndex = r.uint32(t, Slot.Tensor.buffer, 0);
    if (bufferIndex >= Math.max(buffers.length, 1)) {
      throw corrupt(`tensor ${index} refers to buffer ${bufferIndex} of ${buffers.length}`);
    }
    const data = buffers[bufferIndex];
    const q = r.table(t, Slot.Tensor.quantization);
    const tensor: TfliteTensor = {
      index,
      name: r.string(t, Slot.Tensor.name) ?? `tensor_${index}`,
      shape: r.int32s(t, Slot.Tensor.shape),
      type: r.int8(t, Slot.Tensor.type, 0),
    };
    if (data !== undefined && data.length > 0) tensor.data = data;
    if (q !== undefined) {
      const scale = r.float32s(q, Slot.QuantizationParameters.scale);
      if (scale.length > 0) {
        tensor.quantization = {
          scale,
          zeroPoint: r.int64s(q, Slot.QuantizationParameters.zeroPoint),
          quantizedDimension: r.int32(q, Slot.QuantizationParameters.quantizedDimension, 0),
        };
      }
    }
    return tensor;
  });
  const checkTensors = (list: number[], what: string): number[] => {
    for (const i of list) {
      if (i < -1 || i >= tensors.length) throw corrupt(`${what} refers to tensor ${i} of ${tensors.length}`);
    }
    return list;
  };

  const operators = r.tables(main, Slot.SubGraph.operators).map((op, index): TfliteOperator => {
    const opcodeIndex = r.uint32(op, Slot.Operator.opcodeIndex, 0);
    const opcode = opcodes[opcodeIndex];
    if (opcode === undefined)
      throw corrupt(`operator ${index} uses operator code ${opcodeIndex} of ${opcodes.length}`);
    const opName = operatorName(opcode.code, opcode.custom);
    return {
      index,
      code: opcode.code,
      opName,
      inputs: checkTensors(r.int32s(op, Slot.Operator.inputs), `operator ${index} (${opName})`),
      outputs: checkTensors(r.int32s(op, Slot.Operator.outputs), `operator ${index} (${opName})`),
      options: readOptions(r, op, opcode.code, `operator ${index} (${opName})`),
    };
  });

  return {
    version,
    description: r.string(model, Slot.Model.description) ?? '',
    tensors,
    inputs: checkTensors(r.int32s(main, Slot.SubGraph.inputs), 'the subgraph inputs'),
    outputs: checkTensors(r.int32s(main, Slot.SubGraph.outputs), 'the subgraph outputs'),
    operators,
  };
}

function readOptions(r: CheckedReader, op: number, code: number, where: string): TfliteOptions {
  const type = r.uint8(op, Slot.Operator.builtinOptionsType, 0);
  const table = r.table(op, Slot.Operator.builtinOptions);
  const expect = (wanted: number, name: string): number => {
    if (type !== wanted || table === undefined) throw corrupt(`${where} lacks its ${name}`);
    return table;
  };
  switch (code) {
    case BuiltinOperator.CONV_2D: {
      const t = expect(BuiltinOptionsType.Conv2DOptions, 'Conv2DOptions');
      return { kind: 'conv', conv: readConv(r, t, Slot.Conv2DOptions, where) };
    }
    case BuiltinOperator.DEPTHWISE_CONV_2D: {
      const t = expect(BuiltinOptionsType.DepthwiseConv2DOptions, 'DepthwiseConv2DOptions');
      return { kind: 'depthwise', conv: readConv(r, t, Slot.DepthwiseConv2DOptions, where) };
    }
    case BuiltinOperator.AVERAGE_POOL_2D: {
      const t = expect(BuiltinOptionsType.Pool2DOptions, 'Pool2DOptions');
      const s = Slot.Pool2DOptions;
      return {
        kind: 'pool',
        padding: padding(r.int8(t, s.padding, 0), where),
        strideW: positive(r.int32(t, s.strideW, 0), `${where} stride_w`),
        strideH: positive(r.int32(t, s.strideH, 0), `${where} stride_h`),
        filterW: positive(r.int32(t, s.filterWidth, 0), `${where} filter_width`),
        filterH: positive(r.int32(t, s.filterHeight, 0), `${where} filter_height`),
        activation: activation(r.int8(t, s.fusedActivation, 0), where),
      };
    }
    case BuiltinOperator.ADD:
      return {
        kind: 'add',
        activation:
          table === undefined ? 'none' : activation(r.int8(table, Slot.AddOptions.fusedActivation, 0), where),
      };
    // The target shape is read from the output tensor, so ReshapeOptions.new_shape is not needed.
    case BuiltinOperator.RESHAPE:
      return { kind: 'reshape' };
    default:
      // Whatever follows the features (FULLY_CONNECTED, SOFTMAX) is dropped, so its options go unread.
      return { kind: 'none' };
  }
}

/** Conv2DOptions and DepthwiseConv2DOptions share these fields, at different slots. */
interface ConvSlots {
  padding: number;
  strideW: number;
  strideH: number;
  dilationW: number;
  dilationH: number;
  fusedActivation: number;
}

function readConv(r: CheckedReader, t: number, s: ConvSlots, where: string): ConvOptions {
  return {
    padding: padding(r.int8(t, s.padding, 0), where),
    strideW: positive(r.int32(t, s.strideW, 0), `${where} stride_w`),
    strideH: positive(r.int32(t, s.strideH, 0), `${where} stride_h`),
    dilationW: positive(r.int32(t, s.dilationW, 1), `${where} dilation_w_factor`),
    dilationH: positive(r.int32(t, s.dilationH, 1), `${where} dilation_h_factor`),
    activation: activation(r.int8(t, s.fusedActivation, 0), where),
  };
}

function padding(value: number, where: string): PaddingMode {
  if (value === Padding.SAME) return 'same';
  if (value === Padding.VALID) return 'valid';
  throw corrupt(`${where} has unknown padding ${value}`);
}

function activation(value: number, where: string): Activation {
  switch (value) {
    case ActivationFunctionType.NONE:
      return 'none';
    case ActivationFunctionType.RELU:
      return 'relu';
    case ActivationFunctionType.RELU_N1_TO_1:
      return 'relu-n1-to-1';
    case ActivationFunctionType.RELU6:
      return 'relu6';
    case ActivationFunctionType.TANH:
      return 'tanh';
    case ActivationFunctionType.SIGN_BIT:
      return 'sign-bit';
    default:
      throw corrupt(`${where} has unknown fused activation ${value}`);
  }
}

function positive(value: number, where: string): number {
  if (!Number.isInteger(value) || value < 1) throw corrupt(`${where} is ${value}`);
  return value;
}

/** flatbuffers reads with bounds checks: every position is validated before ByteBuffer reads it. */
class CheckedReader {
  private readonly bb: ByteBuffer;
  private readonly size: number;
  private readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.bb = new ByteBuffer(bytes);
    this.size = bytes.length;
  }

  private need(pos: number, len: number, what: string): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || len < 0 || pos + len > this.size) {
      throw corrupt(`${what} at byte ${pos} (+${len}) lies outside the ${this.size}-byte file`);
    }
  }

  root(): number {
    this.need(0, 4, 'the root offset');
    const pos = this.bb.readUint32(0);
    this.checkTable(pos);
    return pos;
  }

  private checkTable(table: number): void {
    this.need(table, 4, 'a table');
    const vtable = table - this.bb.readInt32(table);
    this.need(vtable, 4, 'a vtable');
    const vtLen = this.bb.readUint16(vtable);
    this.need(vtable, vtLen, 'a vtable');
  }

  /** Absolute position of a field, or 0 when absent. */
  private field(table: number, slot: number, width: number): number {
    const off = this.bb.__offset(table, slot);
    if (off === 0) return 0;
    this.need(table + off, width, 'a field');
    return table + off;
  }

  int8(table: number, slot: number, fallback: number): number {
    const p = this.field(table, slot, 1);
    return p ? this.bb.readInt8(p) : fallback;
  }

  uint8(table: number, slot: number, fallback: number): number {
    const p = this.field(table, slot, 1);
    return p ? this.bb.readUint8(p) : fallback;
  }

  int32(table: number, slot: number, fallback: number): number {
    const p = this.field(table, slot, 4);
    return p ? this.bb.readInt32(p) : fallback;
  }

  uint32(table: number, slot: number, fallback: number): number {
    const p = this.field(table, slot, 4);
    return p ? this.bb.readUint32(p) : fallback;
  }

  private uint64(table: number, slot: number): number {
    const p = this.field(table, slot, 8);
    if (!p) return 0;
    const v = this.bb.readUint64(p);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`an offset of ${v} bytes`);
    return Number(v);
  }

  table(table: number, slot: number): number | undefined {
    const p = this.field(table, slot, 4);
    if (!p) return undefined;
    const target = p + this.bb.readUint32(p);
    this.checkTable(target);
    return target;
  }

  /** Start and length of a vector field, or undefined when absent. */
  private vector(
    table: number,
    slot: number,
    elemSize: number,
  ): { start: number; length: number } | undefined {
    const p = this.field(table, slot, 4);
    if (!p) return undefined;
    const at = p + this.bb.readUint32(p);
    this.need(at, 4, 'a vector length');
    const length = this.bb.readUint32(at);
    this.need(at + 4, length * elemSize, 'a vector');
    return { start: at + 4, length };
  }

  string(table: number, slot: number): string | undefined {
    const v = this.vector(table, slot, 1);
    if (v === undefined) return undefined;
    return new TextDecoder().decode(this.bytes.subarray(v.start, v.start + v.length));
  }

  tables(table: number, slot: number): number[] {
    const v = this.vector(table, slot, 4);
    if (v === undefined) return [];
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) {
      const p = v.start + i * 4;
      const target = p + this.bb.readUint32(p);
      this.checkTable(target);
      out.push(target);
    }
    return out;
  }

  int32s(table: number, slot: number): number[] {
    const v = this.vector(table, slot, 4);
    if (v === undefined) return [];
    return Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + i * 4));
  }

  int64s(table: number, slot: number): number[] {
    const v = this.vector(table, slot, 8);
    if (v === undefined) return [];
    return Array.from({ length: v.length }, (_, i) => Number(this.bb.readInt64(v.start + i * 8)));
  }

  float32s(table: number, slot: number): Float32Array {
    const v = this.vector(table, slot, 4);
    if (v === undefined) return new Float32Array(0);
    return Float32Array.from({ length: v.length }, (_, i) => this.bb.readFloat32(v.start + i * 4));
  }

  /** A Buffer's bytes: inline, or (for models over 2 GB) at an offset from the file's start. */
  bufferData(buffer: number): Uint8Array | undefined {
    const v = this.vector(buffer, Slot.Buffer.data, 1);
    if (v !== undefined && v.length > 0) return this.bytes.subarray(v.start, v.start + v.length);
    const offset = this.uint64(buffer, Slot.Buffer.offset);
    const size = this.uint64(buffer, Slot.Buffer.size);
    if (offset > 1 && size > 0) {
      this.need(offset, size, 'a weights buffer');
      return this.bytes.subarray(offset, offset + size);
    }
    return undefined;
  }
}
