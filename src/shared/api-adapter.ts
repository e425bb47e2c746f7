import type { z } from 'zod';
import {
  apiMethods,
  type ApiEventName,
  type ApiEvents,
  type ApiMethodName,
  type ApiResults,
  isApiMethod,
  type LookalikeApi,
  type LookalikeApiHandlers,
} from './api-contract.ts';
import { ApiError } from './api-errors.ts';
import type { ImageRef, ImageSize } from './image-url.ts';

/**
 * The one generic adapter between the contract and a transport. A transport only knows how to
 * move a method name plus a payload and how to listen to events; this file gives the client its
 * typed methods and gives the serving side validation, for every method of api-contract.ts.
 */

export interface ClientCapabilities {
  transport: 'http' | 'electron';
  /**
   * The desktop app's actions on a photo's file: "Show in folder", "Open" with the default app,
   * and dragging it out to other apps. A browser cannot reach the person's file manager or apps.
   */
  canRevealInOS: boolean;
  /** A native folder picker (the desktop app); in a browser the person types the path. */
  canPickFolder: boolean;
  /** A native picker for a model file (.onnx, .tflite), as for folders. */
  canPickModelFile?: boolean;
}

/**
 * 'lost': the other side cannot be reached and is retried; 'restarting': the desktop app's engine
 * stopped and is being started again; 'failed': it kept stopping and was given up on.
 */
export type ConnectionState = 'connecting' | 'open' | 'lost' | 'unauthorized' | 'restarting' | 'failed';

/** OS integration that only the desktop shell offers (see capabilities). */
export interface DesktopShell {
  revealInOS(path: string): Promise<void>;
  pickFolder(): Promise<string | null>;
  /** The native file picker for a model file; null when the person cancelled. */
  pickModelFile?(): Promise<string | null>;
  /** Opens a library photo with the system's default app. */
  openInOS(path: string): Promise<void>;
  /** Call from a dragstart: the OS drags the photo's file out of the window. */
  startDrag(path: string): Promise<void>;
  /** Starts the engine again after it was given up on ('failed'). */
  restartEngine(): Promise<void>;
}

export interface ApiTransport {
  readonly capabilities: ClientCapabilities;
  invoke(method: ApiMethodName, request: unknown): Promise<unknown>;
  subscribe<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  imageUrl(ref: ImageRef, size: ImageSize): string;
  readonly shell?: DesktopShell;
}

export interface LookalikeClient extends LookalikeApi {
  readonly capabilities: ClientCapabilities;
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
  onConnectionChange(listener: (state: ConnectionState) => void): () => void;
  imageUrl(ref: ImageRef, size: ImageSize): string;
  readonly shell?: DesktopShell;
}

/** One line a person can act on: "path: a path is needed; k: too big". */
export function describeSchemaError(error: z.ZodError): string {
  return error.issues
    .map((issue) => (issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

function validate<M extends ApiMethodName>(
  method: M,
  request: unknown,
): z.output<(typeof apiMethods)[M]['request']> {
  const parsed = apiMethods[method].request.safeParse(request ?? {});
  if (!parsed.success)
    throw new ApiError('bad-request', `Invalid ${method} request: ${describeSchemaError(parsed.error)}`);
  return parsed.data as z.output<(typeof apiMethods)[M]['request']>;
}

/** The client: each method validates its request before it leaves, then hands it to the transport. */
export function createApiClient(transport: ApiTransport): LookalikeClient {
  const methods = {} as Record<ApiMethodName, (request?: unknown) => Promise<unknown>>;
  for (const name of Object.keys(apiMethods) as ApiMethodName[]) {
    methods[name] = async (request?: unknown) => transport.invoke(name, validate(name, request));
  }
  return {
    ...(methods as unknown as LookalikeApi),
    capabilities: transport.capabilities,
    on: (event, listener) => transport.subscribe(event, listener),
    onConnectionChange: (listener) => transport.onConnectionChange(listener),
    imageUrl: (ref, size) => transport.imageUrl(ref, size),
    ...(transport.shell ? { shell: transport.shell } : {}),
  };
}

/**
 * The serving side: validates an incoming call against the contract and runs the handler.
 * Unknown methods are 'not-found'; schema failures are 'bad-request' with the reasons.
 */
export async function dispatchApiCall(
  handlers: LookalikeApiHandlers,
  method: string,
  request: unknown,
): Promise<ApiResults[ApiMethodName]> {
  if (!isApiMethod(method)) throw new ApiError('not-found', `There is no API method "${method}"`);
  const parsed = validate(method, request);
  const handler = handlers[method] as (request: unknown) => Promise<ApiResults[ApiMethodName]>;
  return handler.call(handlers, parsed);
}
