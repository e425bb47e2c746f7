/**
 * The parts of TensorFlow Lite's public flatbuffer schema (tensorflow/lite/schema/schema.fbs)
 * this converter reads. Field slots are the vtable offsets flatbuffers uses: 4 + 2 × field id.
 */

export const TFLITE_FILE_IDENTIFIER = 'TFL3';

export const TensorType = {
  FLOAT32: 0,
  FLOAT16: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
} as const;

export function tensorTypeName(type: number): string {
  const entry = Object.entries(TensorType).find(([, v]) => v === type);
  return entry ? entry[0] : `type ${type}`;
}

/** Builtin operator codes; only the ones this converter handles or must recognise. */
export const BuiltinOperator = {
  ADD: 0,
  AVERAGE_POOL_2D: 1,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  FULLY_CONNECTED: 9,
  RESHAPE: 22,
  SOFTMAX: 25,
  SQUEEZE: 43,
  /** Operator codes at or above this live only in OperatorCode.builtin_code. */
  PLACEHOLDER_FOR_GREATER_OP_CODES: 127,
} as const;

/** Names for error messages, from the public schema's BuiltinOperator enum. */
const OPERATOR_NAMES: Record<number, string> = {
  0: 'ADD',
  1: 'AVERAGE_POOL_2D',
  2: 'CONCATENATION',
  3: 'CONV_2D',
  4: 'DEPTHWISE_CONV_2D',
  5: 'DEPTH_TO_SPACE',
  6: 'DEQUANTIZE',
  9: 'FULLY_CONNECTED',
  14: 'LOGISTIC',
  17: 'MAX_POOL_2D',
  18: 'MUL',
  19: 'RELU',
  21: 'RELU6',
  22: 'RESHAPE',
  23: 'RESIZE_BILINEAR',
  25: 'SOFTMAX',
  28: 'TANH',
  32: 'CUSTOM',
  34: 'PAD',
  39: 'TRANSPOSE',
  40: 'MEAN',
  41: 'SUB',
  43: 'SQUEEZE',
  53: 'CAST',
  54: 'PRELU',
  60: 'PADV2',
  114: 'QUANTIZE',
  117: 'HARD_SWISH',
};

export function operatorName(code: number, customCode?: string): string {
  if (code === 32 && customCode) return `CUSTOM(${customCode})`;
  return OPERATOR_NAMES[code] ?? `builtin operator ${code}`;
}

/** BuiltinOptions union member types. */
export const BuiltinOptionsType = {
  NONE: 0,
  Conv2DOptions: 1,
  DepthwiseConv2DOptions: 2,
  Pool2DOptions: 5,
  FullyConnectedOptions: 8,
  SoftmaxOptions: 9,
  AddOptions: 11,
} as const;

export const Padding = { SAME: 0, VALID: 1 } as const;

export const ActivationFunctionType = {
  NONE: 0,
  RELU: 1,
  RELU_N1_TO_1: 2,
  RELU6: 3,
  TANH: 4,
  SIGN_BIT: 5,
} as const;

/** vtable slots per table. */
export const Slot = {
  Model: { version: 4, operatorCodes: 6, subgraphs: 8, description: 10, buffers: 12 },
  OperatorCode: { deprecatedBuiltinCode: 4, customCode: 6, version: 8, builtinCode: 10 },
  SubGraph: { tensors: 4, inputs: 6, outputs: 8, operators: 10, name: 12 },
  Tensor: { shape: 4, type: 6, buffer: 8, name: 10, quantization: 12 },
  QuantizationParameters: {
    min: 4,
    max: 6,
    scale: 8,
    zeroPoint: 10,
    detailsType: 12,
    details: 14,
    quantizedDimension: 16,
  },
  Operator: { opcodeIndex: 4, inputs: 6, outputs: 8, builtinOptionsType: 10, builtinOptions: 12 },
  Buffer: { data: 4, offset: 6, size: 8 },
  Conv2DOptions: {
    padding: 4,
    strideW: 6,
    strideH: 8,
    fusedActivation: 10,
    dilationW: 12,
    dilationH: 14,
  },
  DepthwiseConv2DOptions: {
    padding: 4,
    strideW: 6,
    strideH: 8,
    fusedActivation: 12,
    dilationW: 14,
    dilationH: 16,
  },
  Pool2DOptions: {
    padding: 4,
    strideW: 6,
    strideH: 8,
    filterWidth: 10,
    filterHeight: 12,
    fusedActivation: 14,
  },
  AddOptions: { fusedActivation: 4 },
} as const;
