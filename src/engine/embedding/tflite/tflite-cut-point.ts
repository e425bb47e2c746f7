import { corrupt, unsupported } from './tflite-model-error.ts';
import type { TfliteModel, TfliteOperator } from './tflite-reader.ts';
import { BuiltinOperator } from './tflite-schema.ts';

export interface CutPoint {
  /** The tensor whose values become the embedding. */
  tensor: number;
  /** The average pool that produced the features (directly or through a reshape). */
  pool: TfliteOperator;
  /** The classifier the features fed, when the model has one. */
  classifier?: TfliteOperator;
  /** The operators needed to compute `tensor`, in execution order. */
  path: TfliteOperator[];
  /** Operators left out: the classifier and whatever follows it. */
  dropped: TfliteOperator[];
}

const CLASSIFIERS: ReadonlySet<number> = new Set([BuiltinOperator.CONV_2D, BuiltinOperator.FULLY_CONNECTED]);

/**
 * The embedding of a pooled classifier is the input of its last classifier layer (the last
 * CONV_2D or FULLY_CONNECTED after the last AVERAGE_POOL_2D). Found from the graph's structure,
 * so renamed tensors or other MobileNet widths work the same way. A model that ends in its
 * pool (a feature extractor already) is cut at the pool's output.
 */
export function findCutPoint(model: TfliteModel): CutPoint {
  const ops = model.operators;
  let pool: TfliteOperator | undefined;
  for (const op of ops) if (op.code === BuiltinOperator.AVERAGE_POOL_2D) pool = op;
  if (pool === undefined) {
    throw unsupported(
      'The TensorFlow Lite model has no AVERAGE_POOL_2D layer, so it has no pooled features to use as an embedding',
    );
  }
  let classifier: TfliteOperator | undefined;
  for (const op of ops) if (op.index > pool.index && CLASSIFIERS.has(op.code)) classifier = op;
  const tensor = classifier?.inputs[0] ?? pool.outputs[0];
  if (tensor === undefined || tensor < 0) {
    throw corrupt(`${pool.opName} has no output`);
  }
  const path = operatorsComputing(model, tensor);
  if (!path.includes(pool)) {
    throw unsupported(
      `The classifier's input (${model.tensors[tensor]?.name ?? tensor}) does not come from the last average pool`,
    );
  }
  const onPath = new Set(path);
  return {
    tensor,
    pool,
    ...(classifier ? { classifier } : {}),
    path,
    dropped: ops.filter((op) => !onPath.has(op)),
  };
}

/** The operators a tensor depends on, in the model's execution order, up to `given` tensors. */
export function operatorsComputing(
  model: TfliteModel,
  tensor: number,
  given: ReadonlySet<number> = new Set(),
): TfliteOperator[] {
  const producer = new Map<number, TfliteOperator>();
  for (const op of model.operators) for (const out of op.outputs) producer.set(out, op);
  const needed = new Set<TfliteOperator>();
  const stack = [tensor];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (given.has(t)) continue;
    const op = producer.get(t);
    if (op === undefined || needed.has(op)) continue;
    needed.add(op);
    for (const i of op.inputs) if (i >= 0) stack.push(i);
  }
  return model.operators.filter((op) => needed.has(op));
}
