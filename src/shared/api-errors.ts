/**
 * Errors that cross the API boundary. Every transport carries `{ code, message }` and rebuilds an
 * ApiError on the other side, so the renderer can react to the code and show the message as is.
 */
export type ApiErrorCode =
  /** The request does not fit the contract (schema), or names something that cannot apply. */
  | 'bad-request'
  /** No or a wrong access token. */
  | 'unauthorized'
  /** A path outside the library's folders. */
  | 'forbidden'
  /** A photo, folder or uploaded query that does not exist (any more). */
  | 'not-found'
  /** The request clashes with the library's state (a folder already inside another). */
  | 'conflict'
  /** An upload over the size limit. */
  | 'too-large'
  /** Bytes that are not an image this app can decode. */
  | 'unsupported-image'
  /** The other side cannot be reached (the server stopped, the connection dropped). */
  | 'unavailable'
  /** Anything else: a bug or a broken installation. The message is generic; details are logged. */
  | 'internal';

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}

export class ApiError extends Error {
  readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }

  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

const codes: ReadonlySet<string> = new Set<ApiErrorCode>([
  'bad-request',
  'unauthorized',
  'forbidden',
  'not-found',
  'conflict',
  'too-large',
  'unsupported-image',
  'unavailable',
  'internal',
]);

/** Rebuilds an ApiError from a transport's error body; anything unexpected becomes 'internal'. */
export function apiErrorFromBody(body: unknown, fallback: string): ApiError {
  const error = (body as Partial<ApiErrorBody> | null)?.error;
  if (error && typeof error.message === 'string' && typeof error.code === 'string' && codes.has(error.code)) {
    return new ApiError(error.code as ApiErrorCode, error.message);
  }
  return new ApiError('internal', fallback);
}
