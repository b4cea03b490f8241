import { TwitchAPIError } from './twitch-api-error.js';

/**
 * A token file could not be read or written: it is corrupt, was written by another program, or
 * the file system refused. The message names the file and what to do.
 */
export class TokenStoreError extends TwitchAPIError {
  /** @hidden */
  override readonly name: string = 'TokenStoreError';
  /** The file concerned. */
  readonly path: string;

  constructor(path: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.path = path;
  }
}
