import { ApiError } from '../../shared/api-errors.ts';
import { OutsideLibraryError } from '../access/library-access.ts';
import { QueryError } from '../engine.ts';
import { EvaluationError } from '../eval/query-runner.ts';
import { UnknownImpressionError } from '../eval/search-signals.ts';
import { TrecImportError } from '../eval/trec-exchange.ts';
import { CropError } from '../imaging/crop-region.ts';
import { EvaluationSetConflict } from '../store/evaluation-set-repository.ts';
import { ImageSkip } from '../imaging/skip-reason.ts';
import { DownloadError } from '../embedding/model-download.ts';
import { ModelInstallError } from '../embedding/model-install.ts';
import { ManifestError } from '../embedding/model-manifest.ts';
import { BundledModelError } from '../embedding/model-registry.ts';

function fromSkip(skip: ImageSkip, message = skip.message): ApiError {
  switch (skip.code) {
    case 'vanished':
    case 'not-a-file':
      return new ApiError('not-found', message);
    case 'empty':
    case 'too-large-file':
    case 'too-many-pixels':
    case 'unsupported':
    case 'corrupt':
    case 'unreadable':
    case 'model-error':
      return new ApiError('unsupported-image', message);
  }
}

/**
 * The one place where the engine's typed errors become API errors. Anything unrecognised is a
 * bug: it is logged with its stack and the window gets a generic message.
 */
export function toApiError(err: unknown, log: (message: string, err?: unknown) => void): ApiError {
  if (err instanceof ApiError) return err;
  // A request its window abandoned (a thumbnail scrolled past) is not a failure.
  if (err instanceof DOMException && err.name === 'AbortError')
    return new ApiError('unavailable', 'The request was abandoned');
  if (err instanceof OutsideLibraryError) return new ApiError('forbidden', err.message);
  if (err instanceof CropError) return new ApiError('bad-request', err.message);
  if (err instanceof EvaluationError || err instanceof TrecImportError)
    return new ApiError('bad-request', err.message);
  if (err instanceof EvaluationSetConflict) return new ApiError('conflict', err.message);
  if (err instanceof UnknownImpressionError) return new ApiError('not-found', err.message);
  if (err instanceof ImageSkip) return fromSkip(err);
  if (err instanceof ModelInstallError) {
    if (err.reason === 'unreadable') return new ApiError('not-found', err.message);
    return new ApiError(err.reason === 'id-taken' ? 'conflict' : 'bad-request', err.message);
  }
  if (err instanceof ManifestError) return new ApiError('bad-request', err.message);
  if (err instanceof BundledModelError) return new ApiError('conflict', err.message);
  if (err instanceof DownloadError) {
    return new ApiError(err.reason === 'wrong-hash' ? 'bad-request' : 'unavailable', err.message);
  }
  if (err instanceof QueryError) {
    return err.cause instanceof ImageSkip
      ? fromSkip(err.cause, err.message)
      : new ApiError('bad-request', err.message);
  }
  log('Unexpected error', err);
  return new ApiError('internal', 'Something went wrong inside Lookalike; the details are in its log.');
}
