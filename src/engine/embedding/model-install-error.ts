/** Why a model was refused. */
export type InstallRefusal =
  | 'unreadable'
  | 'truncated'
  | 'wrong-hash'
  | 'needs-manifest'
  | 'unloadable'
  | 'wrong-dimension'
  | 'id-taken'
  | 'unwritable';

/** A model that cannot be installed; the message tells the person why and what to do. */
export class ModelInstallError extends Error {
  override name = 'ModelInstallError';
  readonly reason: InstallRefusal;
  constructor(reason: InstallRefusal, message: string) {
    super(message);
    this.reason = reason;
  }
}
