import type { QueryRef } from './api-contract.ts';

/**
 * The query string of an image request (see image-url.ts). Kept free of runtime imports so the
 * desktop app's preload, which may load no libraries, can build image URLs too.
 */
export function imageQueryString(ref: QueryRef, size: 'thumb' | 'preview'): string {
  const params = new URLSearchParams(ref.kind === 'library' ? { path: ref.path } : { upload: ref.id });
  params.set('size', size);
  return params.toString();
}
