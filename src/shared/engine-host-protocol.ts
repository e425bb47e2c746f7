import { z } from 'zod';
import type { ApiErrorBody } from './api-errors.ts';
import { apiEventNames, pathSchema } from './api-contract.ts';

/**
 * Messages between the desktop app's main process and its engine utility process (engine-host).
 * The main process has already checked calls against the contract; the host validates every
 * message again (a process boundary is a boundary).
 */

const idSchema = z.number().int().nonnegative();

export const hostRequestSchema = z.discriminatedUnion('type', [
  /** A contract method; the host runs it through dispatchApiCall. */
  z.strictObject({ type: z.literal('call'), id: idSchema, method: z.string().max(64), payload: z.unknown() }),
  /** A picture, as the query string of image-url.ts (`path=…&size=thumb`). */
  z.strictObject({ type: z.literal('image'), id: idSchema, query: z.string().max(16_384) }),
  /** Whether a path is a photo or folder inside the library (for "Show in folder"). */
  z.strictObject({ type: z.literal('inside'), id: idSchema, path: pathSchema }),
  /** Stop background work and close the library; answered just before the host exits. */
  z.strictObject({ type: z.literal('close'), id: idSchema }),
]);
export type HostRequest = z.infer<typeof hostRequestSchema>;

export interface HostImage {
  bytes: Uint8Array;
  contentType: string;
  etag: string;
}

export type HostReply =
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: ApiErrorBody['error'] };

export interface HostEvent {
  type: 'event';
  event: (typeof apiEventNames)[number];
  data: unknown;
}

export type HostMessage = HostReply | HostEvent;

const errorSchema = z.object({ code: z.string(), message: z.string() });

export const hostMessageSchema = z.union([
  z.object({ type: z.literal('reply'), id: idSchema, ok: z.literal(true), result: z.unknown() }),
  z.object({ type: z.literal('reply'), id: idSchema, ok: z.literal(false), error: errorSchema }),
  z.object({ type: z.literal('event'), event: z.enum(apiEventNames), data: z.unknown() }),
]);
