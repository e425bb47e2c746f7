import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApiError } from '../../shared/api-errors.ts';
import type { QueryRef } from '../../shared/query-ref.ts';
import { probeImage } from '../imaging/image-preview.ts';
import type { IdentifiedImage, ImageIdentityRepository } from '../store/image-identity-repository.ts';
import { type StoredQuery, UploadedQueries } from './uploaded-queries.ts';

type ImageInfo = { width: number; height: number; format: string };

export interface QueryImage {
  source: 'library' | 'external';
  contentHash: string;
  label: string;
  path: string | null;
  /** The encoded image of an external query (a library query is read from its file). */
  bytes: Buffer | null;
  width: number;
  height: number;
  format: string;
}

/**
 * The photos the workbench handles, as a person names them: library photos by path (indexed
 * ones only: nothing outside the library is read by path), uploaded images by id, and images
 * kept for windows to show (external queries, failed invariance copies) as uploads.
 */
export class EvaluationPhotos {
  private readonly deps: {
    identity: ImageIdentityRepository;
    uploads: UploadedQueries;
    absolute: (typed: string) => string;
  };
  /**
   * Images kept for windows to show (external queries, failed invariance copies), apart from the
   * person's own uploads so that a large set never pushes their query out.
   */
  private readonly shown = new UploadedQueries({ maxCount: 512, maxBytes: 256 * 1024 * 1024 });
  /** Ids under which images are shown, by content hash. */
  private readonly shownIds = new Map<string, string>();

  constructor(deps: EvaluationPhotos['deps']) {
    this.deps = deps;
  }

  /** An image kept for showing, by the id `showable` gave. */
  shownImage(id: string): StoredQuery | undefined {
    return this.shown.get(id);
  }

  /** An indexed photo of the library, by the path a person gave. */
  libraryPhoto(typed: string): IdentifiedImage {
    const file = this.deps.absolute(typed);
    const found = this.deps.identity.byPath(file);
    if (!found) throw new ApiError('not-found', `${file} is not an indexed photo of the library`);
    return found;
  }

  async read(file: string): Promise<Buffer> {
    try {
      return await readFile(file);
    } catch (err) {
      throw new ApiError('not-found', `Cannot read ${file}: ${(err as Error).message}`);
    }
  }

  async queryImage(query: QueryRef): Promise<QueryImage> {
    if (query.kind === 'library') {
      const photo = this.libraryPhoto(query.path);
      let { width, height } = photo;
      if (width === null || height === null)
        ({ width, height } = await probeImage(await this.read(photo.path)));
      return {
        source: 'library',
        contentHash: photo.contentHash,
        label: photo.path,
        path: photo.path,
        bytes: null,
        width,
        height,
        format: 'library',
      };
    }
    const stored = this.deps.uploads.get(query.id);
    if (!stored) {
      throw new ApiError('not-found', 'That query image is no longer kept; please drop or choose it again.');
    }
    return {
      source: 'external',
      contentHash: createHash('sha256').update(stored.bytes).digest('hex'),
      label: stored.name,
      path: null,
      bytes: stored.bytes,
      ...stored.info,
    };
  }

  /** Keeps bytes so a window can show them (as an uploaded query is shown); reuses a live id. */
  showable(bytes: Buffer, name: string, info: ImageInfo): string {
    const hash = createHash('sha256').update(bytes).digest('hex');
    return this.showableByHash(hash, () => ({ bytes, name, info }))!;
  }

  /**
   * As `showable`, for an image whose content hash is known (an external query): its bytes are
   * loaded only when no live id shows it yet, so listing a set reads no image twice. Undefined
   * when `load` finds nothing.
   */
  showableByHash(
    contentHash: string,
    load: () => { bytes: Buffer; name: string; info: ImageInfo } | undefined,
  ): string | undefined {
    const known = this.shownIds.get(contentHash);
    if (known && this.shown.get(known)) return known;
    const image = load();
    if (!image) return undefined;
    const stored = this.shown.add(image.bytes, image.name, image.info);
    this.shownIds.set(contentHash, stored.id);
    return stored.id;
  }
}
