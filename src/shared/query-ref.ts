import { z } from 'zod';

/** A path as the person or the engine wrote it. Whether it is absolute is the engine's call (platforms differ). */
export const pathSchema = z
  .string()
  .trim()
  .min(1, 'a path is needed')
  .max(4096, 'the path is too long')
  .refine((p) => !p.includes('\0'), 'a path cannot contain NUL characters');

export const uploadIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'not an uploaded query id');

/** A query photo: one uploaded (dropped, pasted, picked) earlier, or a photo of the library. */
export const queryRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('upload'), id: uploadIdSchema }),
  z.strictObject({ kind: z.literal('library'), path: pathSchema }),
]);
export type QueryRef = z.infer<typeof queryRefSchema>;
