/**
 * Why a TensorFlow Lite file cannot become a Lookalike model:
 * - not-tflite: the bytes are not a TensorFlow Lite flatbuffer at all (wrong file identifier);
 * - corrupt: the flatbuffer is truncated or its offsets point outside the file;
 * - unsupported: a valid model this converter cannot turn into a feature extractor.
 */
type TfliteModelErrorKind = 'not-tflite' | 'corrupt' | 'unsupported';

export class TfliteModelError extends Error {
  override name = 'TfliteModelError';
  readonly kind: TfliteModelErrorKind;

  constructor(kind: TfliteModelErrorKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

export function corrupt(detail: string): TfliteModelError {
  return new TfliteModelError('corrupt', `The TensorFlow Lite file is truncated or corrupt: ${detail}`);
}

export function unsupported(message: string): TfliteModelError {
  return new TfliteModelError('unsupported', message);
}
