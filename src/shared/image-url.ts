import { z } from 'zod';
import { pathSchema, type QueryRef, uploadIdSchema } from './api-contract.ts';
import { ApiError } from './api-errors.ts';

/**
 * How windows ask for pictures: a library photo by path, or an uploaded query by id, at one of
 * two sizes. Every transport uses the same query string (HTTP: `/api/image?…`; Electron: its
 * protocol handler), parsed by `parseImageQuery` at the boundary.
 */
export const imageSizeSchema = z.enum(['thumb', 'preview']);
export type ImageSize = z.infer<typeof imageSizeSchema>;

/** Longest side in pixels; thumbnails are sharp on 2× screens at the grid's largest tile. */
export const IMAGE_SIZE_PIXELS: Readonly<Record<ImageSize, number>> = { thumb: 320, preview: 1600 };

/** A picture to show: the same references as a search's query. */
export type ImageRef = QueryRef;

export interface ImageRequest {
  ref: ImageRef;
  size: ImageSize;
}

export { imageQueryString } from './image-query-string.ts';

const imageQuerySchema = z.union([
  z.strictObject({ path: pathSchema, size: imageSizeSchema.default('thumb') }),
  z.strictObject({ upload: uploadIdSchema, size: imageSizeSchema.default('thumb') }),
]);

/** Parses an image request, ignoring the named transport-only parameters (such as `token`). */
export function parseImageQuery(params: URLSearchParams, ignore: readonly string[] = []): ImageRequest {
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (ignore.includes(key)) continue;
    if (Object.hasOwn(raw, key)) throw new ApiError('bad-request', `The parameter "${key}" is given twice`);
    raw[key] = value;
  }
  const parsed = imageQuerySchema.safeParse(raw);
  if (!parsed.success) {
    throw new ApiError(
      'bad-request',
      'An image request needs either path=… or upload=…, and optionally size=thumb|preview',
    );
  }
  const v = parsed.data;
  return 'path' in v
    ? { ref: { kind: 'library', path: v.path }, size: v.size }
    : { ref: { kind: 'upload', id: v.upload }, size: v.size };
}
